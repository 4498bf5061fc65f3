"""`llmloop app`: push app spec files, list, show, diff and run app versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from llmloop.build.providers.registry import ProviderRegistry
from llmloop.cli.output import ExitCode, JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.client.protocols import AppsClient
from llmloop.domain.apps import diff_specs
from llmloop.errors import UsageError, error_class_for_code
from llmloop.sdk.apps import push_app, run_version

app = typer.Typer(
    help="Apps: immutable, content-hashed specs (prompt, Python, RAG, agent) and runs of them.",
    no_args_is_help=True,
)

RefArgument = Annotated[
    str,
    typer.Argument(help="NAME (newest), NAME@VERSION or NAME@HASH-PREFIX.", show_default=False),
]


def _apps(ctx: typer.Context) -> AppsClient:
    return cli_state(ctx).client().apps


def _providers(ctx: typer.Context) -> ProviderRegistry:
    return ProviderRegistry(cli_state(ctx).settings().providers)


@app.command("push")
def push(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="App spec files (YAML).")],
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="Message for every new version.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check each spec here, resolve its references and store it; identical specs make nothing."""
    client = cli_state(ctx).client()
    providers = _providers(ctx)
    results = [
        push_app(path, message=message or "", client=client, providers=providers) for path in paths
    ]
    if as_json:
        print_json([result.model_dump(mode="json") for result in results])
        return
    for path, result in zip(paths, results, strict=True):
        version = result.version
        state = (
            f"[green]created version {version.version}[/green]"
            if result.created
            else f"[dim]unchanged (version {version.version})[/dim]"
        )
        console.print(f"{path} → {version.name}@{version.short_hash}: {state}")


@app.command("list")
def list_apps(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every app with its newest version."""
    apps = _apps(ctx).list()
    if as_json:
        print_json([summary.model_dump(mode="json") for summary in apps])
        return
    print_table(
        "Apps",
        ["app", "kind", "version", "hash", "updated"],
        [
            (a.name, a.kind, a.latest_version, a.latest_hash[:12], a.updated_at.isoformat())
            for a in apps
        ],
    )


@app.command("show")
def show(ctx: typer.Context, reference: RefArgument, as_json: JsonOption = False) -> None:
    """One version's spec, as stored (references resolved)."""
    version = _apps(ctx).get(reference)
    if as_json:
        print_json(version.model_dump(mode="json"))
        return
    console.print(
        f"[bold]{version.name}[/bold] version {version.version} "
        f"(hash {version.content_hash}) by {version.created_by} at "
        f"{version.created_at.isoformat()}"
    )
    if version.message:
        console.print(version.message)
    console.print(yaml.safe_dump(version.spec.model_dump(mode="json"), sort_keys=False).rstrip())


@app.command("diff")
def diff(
    ctx: typer.Context,
    old: RefArgument,
    new: Annotated[
        str, typer.Argument(help="The other version: a full reference, or just its number.")
    ],
) -> None:
    """What changed between two versions of an app; exit 1 when they differ."""
    apps = _apps(ctx)
    before = apps.get(old)
    after = apps.get(new if "@" in new else f"{before.name}@{new}")
    lines = diff_specs(before.spec, after.spec)
    if not lines:
        console.print(f"{before.reference} and {after.reference} are the same spec")
        return
    for line in lines:
        console.print(line)
    raise typer.Exit(ExitCode.CHECK_FAILED)


def _parse_input(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # plain text fills a prompt's only variable


@app.command("run")
def run(
    ctx: typer.Context,
    reference: RefArgument,
    input_text: Annotated[
        str | None,
        typer.Option("--input", "-i", help="JSON (an object of variables) or plain text."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a version once; print its output, tokens, cost and trace id."""
    client = cli_state(ctx).client()
    version = client.apps.get(reference)
    result = run_version(
        version, _parse_input(input_text), client=client, providers=_providers(ctx)
    )
    if as_json:
        print_json(result.model_dump(mode="json"))
    elif result.status == "ok":
        output = result.output if isinstance(result.output, str) else json.dumps(result.output)
        console.print(output)
        cost = "unknown" if result.cost_usd is None else f"${result.cost_usd:.6f}"
        console.print(
            f"[dim]{version.reference}: {result.model_calls} model call(s), "
            f"{result.usage.input_tokens} in / {result.usage.output_tokens} out tokens, "
            f"cost {cost}, trace {result.trace_id}[/dim]"
        )
    else:
        console.print(f"[red]run failed[/red]: {result.error} (trace {result.trace_id})")
    if result.status == "error":
        failed = error_class_for_code(result.error_code or "")
        raise typer.Exit(ExitCode.USAGE if issubclass(failed, UsageError) else ExitCode.RUNTIME)
