"""`llmloop prompt`: push prompt files, list, show, diff, label, render and see label history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from llmloop.build.prompts.files import PromptFile, find_prompt_files, read_prompt_file
from llmloop.build.prompts.rendering import render_prompt
from llmloop.cli.output import ExitCode, JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.client.protocols import PromptsClient
from llmloop.domain.names import parse_reference
from llmloop.domain.prompt_diff import diff_prompts
from llmloop.domain.prompts import LabelEvent, PromptKind, PromptVersion
from llmloop.errors import ValidationError

app = typer.Typer(
    help="Prompts: versioned templates, labels (production is protected), rendering.",
    no_args_is_help=True,
)

RefArgument = Annotated[
    str, typer.Argument(help="NAME (newest), NAME@VERSION or NAME:LABEL.", show_default=False)
]


def _prompts(ctx: typer.Context) -> PromptsClient:
    return cli_state(ctx).client().prompts


def resolve(prompts: PromptsClient, text: str) -> PromptVersion:
    """The version a NAME, NAME@VERSION or NAME:LABEL reference names."""
    ref = parse_reference(text, what="prompt")
    return prompts.get(ref.name, version=ref.version, label=ref.label)


def _read_files(paths: list[Path]) -> list[PromptFile]:
    """Read every file before pushing any, so one bad file pushes nothing."""
    files = [read_prompt_file(path) for path in find_prompt_files(paths)]
    if not files:
        raise ValidationError(
            "no prompt files found", hint="Name .yaml, .yml or .md files, or folders of them."
        )
    seen: dict[str, Path] = {}
    for file in files:
        if file.name in seen:
            raise ValidationError(
                f"{file.path}: prompt {file.name!r} is also defined in {seen[file.name]}",
                hint="Give each file its own 'name'.",
            )
        seen[file.name] = file.path
    return files


@app.command("push")
def push(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Prompt files or folders of them.")],
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="Commit message for every new version.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Push every changed prompt; unchanged ones make no new version."""
    prompts = _prompts(ctx)
    results = []
    for file in _read_files(paths):
        result = prompts.push(file.name, file.content, message=message or file.message)
        results.append((file, result))
        if not as_json:
            state = (
                f"[green]created version {result.version.version}[/green]"
                if result.created
                else f"[dim]unchanged (version {result.version.version})[/dim]"
            )
            console.print(
                f"{file.name}: {state} [dim]{file.path} {result.version.content_hash[:12]}[/dim]"
            )
    if as_json:
        print_json(
            [
                {
                    "file": str(file.path),
                    "name": file.name,
                    "version": result.version.version,
                    "created": result.created,
                    "content_hash": result.version.content_hash,
                }
                for file, result in results
            ]
        )


@app.command("list")
def list_prompts(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List prompts with their newest version and labels."""
    prompts = _prompts(ctx).list()
    if as_json:
        print_json(prompts)
        return
    print_table(
        "Prompts",
        ["name", "newest", "labels", "updated (UTC)"],
        [
            (
                p.name,
                p.latest_version,
                ", ".join(f"{label}→{v}" for label, v in p.labels.items()),
                f"{p.updated_at:%Y-%m-%d %H:%M}",
            )
            for p in prompts
        ],
    )


@app.command("versions")
def versions(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Prompt name.")],
    as_json: JsonOption = False,
) -> None:
    """List every version of a prompt."""
    found = _prompts(ctx).versions(name)
    if as_json:
        print_json(found)
        return
    print_table(
        "Versions",
        ["version", "hash", "labels", "message", "by", "created (UTC)"],
        [
            (
                v.version,
                v.content_hash[:12],
                ", ".join(v.labels),
                v.message,
                v.created_by,
                f"{v.created_at:%Y-%m-%d %H:%M}",
            )
            for v in found
        ],
    )


def _print_version(version: PromptVersion) -> None:
    labels = f"  labels: {', '.join(version.labels)}" if version.labels else ""
    console.print(f"[bold]{version.name}@{version.version}[/bold]{labels}")
    console.print(
        f"[dim]hash {version.content_hash}  by {version.created_by}  "
        f"{version.created_at:%Y-%m-%d %H:%M} UTC[/dim]"
    )
    if version.message:
        console.print(f"message: {version.message}")
    content = version.content
    for variable in content.variables:
        kind = f": {variable.type.value}" if variable.type else ""
        default = "" if variable.required else f" = {json.dumps(variable.default)}"
        console.print(f"variable {variable.name}{kind}{default}")
    parameters = content.parameters.model_dump(exclude_none=True, exclude_defaults=True)
    if parameters:
        console.print(f"parameters: {json.dumps(parameters, sort_keys=True)}")
    if content.kind is PromptKind.TEXT:
        console.out(content.text or "", highlight=False)
        return
    for message in content.messages:
        console.print(f"[bold]## {message.role}[/bold]")
        console.out(message.content, highlight=False)


@app.command("show")
def show(ctx: typer.Context, ref: RefArgument, as_json: JsonOption = False) -> None:
    """Show one version: template, variables, parameters, labels."""
    version = resolve(_prompts(ctx), ref)
    if as_json:
        print_json(version)
        return
    _print_version(version)


@app.command("diff")
def diff(
    ctx: typer.Context,
    before: Annotated[str, typer.Argument(help="NAME@VERSION or NAME:LABEL.")],
    after: Annotated[
        str,
        typer.Argument(help="NAME@VERSION, NAME:LABEL, or a version of the same prompt."),
    ],
    as_json: JsonOption = False,
) -> None:
    """Compare two versions; exits 1 when they differ, 0 when they are the same."""
    prompts = _prompts(ctx)
    old = resolve(prompts, before)
    new = resolve(prompts, f"{old.name}@{after}" if after.isdigit() else after)
    result = diff_prompts(old, new)
    if as_json:
        print_json(result.model_dump(mode="json") | {"changed": result.changed})
    else:
        console.out(result.as_text(), highlight=False, end="")
    if result.changed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _describe_event(event: LabelEvent) -> str:
    if event.to_version is None:
        return f"deleted {event.prompt}:{event.label} (was version {event.from_version})"
    if event.from_version is None:
        return f"set {event.prompt}:{event.label} → version {event.to_version}"
    return (
        f"moved {event.prompt}:{event.label} from version {event.from_version} "
        f"to {event.to_version}"
    )


@app.command("label")
def label(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(help="The version to point at: NAME@VERSION, or NAME:LABEL to copy one."),
    ],
    label_name: Annotated[str, typer.Argument(metavar="LABEL", help="The label, e.g. staging.")],
    reason: Annotated[
        str, typer.Option("--reason", "-r", help="Why; required for protected labels.")
    ] = "",
    delete: Annotated[bool, typer.Option("--delete", help="Remove the label instead.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Point a label at a version (moving `production` is a deployment: give --reason)."""
    prompts = _prompts(ctx)
    if delete:
        name = parse_reference(ref, what="prompt").name
        event = prompts.delete_label(name, label_name, reason=reason)
    else:
        target = resolve(prompts, ref)
        event = prompts.set_label(target.name, label_name, target.version, reason=reason)
    if as_json:
        print_json(event)
        return
    audited = " [yellow](protected: recorded in the audit log)[/yellow]" if event.protected else ""
    console.print(_describe_event(event) + audited)


def _variables(pairs: list[str], file: Path | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if file is not None:
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValidationError(
                f"{file}: cannot be read as YAML or JSON ({exc.__class__.__name__})",
                hint="Give a file with a mapping of variable names to values.",
            ) from None
        if not isinstance(loaded, dict):
            raise ValidationError(
                f"{file}: must hold a mapping of variable names to values",
                hint="Write e.g. 'question: Where is my order?'.",
            )
        values.update(loaded)
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValidationError(
                f"--var {pair!r} is not KEY=VALUE", hint="Write e.g. --var question='Hi there'."
            )
        values[key] = value
    return values


@app.command("render")
def render(
    ctx: typer.Context,
    ref: RefArgument,
    var: Annotated[
        list[str] | None,
        typer.Option("--var", "-v", help="KEY=VALUE (a string); repeat for more."),
    ] = None,
    vars_file: Annotated[
        Path | None, typer.Option("--vars", help="YAML or JSON file of typed variable values.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Render a version with variables, as a provider would receive it."""
    version = resolve(_prompts(ctx), ref)
    rendered = render_prompt(version.content, _variables(var or [], vars_file))
    if as_json:
        print_json({"name": version.name, "version": version.version, **rendered.model_dump()})
        return
    console.print(f"[dim]{version.name}@{version.version}[/dim]")
    if rendered.text is not None:
        console.out(rendered.text, highlight=False)
        return
    for message in rendered.messages:
        console.print(f"[bold]{message['role']}:[/bold]")
        console.out(message["content"], highlight=False)


@app.command("history")
def history(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="NAME, or NAME:LABEL for one label.")],
    as_json: JsonOption = False,
) -> None:
    """Every label change of a prompt, newest first: who, when, from, to and why."""
    parsed = parse_reference(ref, what="prompt")
    events = _prompts(ctx).history(parsed.name, label=parsed.label)
    if as_json:
        print_json(events)
        return
    print_table(
        "Label history",
        ["when (UTC)", "label", "from", "to", "who", "why"],
        [
            (
                f"{e.at:%Y-%m-%d %H:%M:%S}",
                e.label + (" (protected)" if e.protected else ""),
                e.from_version if e.from_version is not None else "-",
                e.to_version if e.to_version is not None else "deleted",
                e.actor,
                e.reason,
            )
            for e in events
        ],
    )
