"""`llmloop model`: model references (fine-tunes and other named models) an app can use."""

from __future__ import annotations

from typing import Annotated

import typer

from llmloop.cli.output import JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.client.protocols import ModelRefsClient
from llmloop.domain.model_refs import ModelRef, parse_model_ref_spec

app = typer.Typer(
    help="Model references: named models such as fine-tunes, with their provenance.",
    no_args_is_help=True,
)


def _model_refs(ctx: typer.Context) -> ModelRefsClient:
    return cli_state(ctx).client().model_refs


def _show(ref: ModelRef) -> None:
    print_table(
        f"Model reference {ref.name}",
        ["field", "value"],
        [
            ("provider", ref.provider),
            ("provider_model", ref.provider_model),
            ("address", ref.address),
            ("base_model", ref.base_model or ""),
            ("training_data", ref.training_data or ""),
            ("notes", ref.notes),
            ("created", f"{ref.created_at:%Y-%m-%d %H:%M} by {ref.created_by}"),
        ],
    )


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reference's name.", show_default=False)],
    provider: Annotated[
        str, typer.Option("--provider", help="Provider profile that serves it.", show_default=False)
    ],
    provider_model: Annotated[
        str,
        typer.Option(
            "--provider-model",
            help="The provider's model id (a fine-tune's id).",
            show_default=False,
        ),
    ],
    base_model: Annotated[
        str | None, typer.Option("--base-model", help="The model it was tuned from.")
    ] = None,
    training_data: Annotated[
        str | None,
        typer.Option("--training-data", help="Where its training data came from, e.g. faq@3."),
    ] = None,
    notes: Annotated[str, typer.Option("--notes", help="Anything worth knowing.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Add a model reference; a name is added once and always means the same model."""
    spec = parse_model_ref_spec(
        {
            "provider": provider,
            "provider_model": provider_model,
            "base_model": base_model,
            "training_data": training_data,
            "notes": notes,
        }
    )
    ref = _model_refs(ctx).add(name, spec)
    if as_json:
        print_json(ref.model_dump(mode="json"))
        return
    console.print(f"added model reference [bold]{ref.name}[/bold] -> {ref.address}")


@app.command("list")
def list_refs(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the project's model references."""
    refs = _model_refs(ctx).list()
    if as_json:
        print_json([ref.model_dump(mode="json") for ref in refs])
        return
    print_table(
        "Model references",
        ["name", "address", "base model", "training data"],
        [(r.name, r.address, r.base_model or "", r.training_data or "") for r in refs],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The reference's name.", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Show one model reference."""
    ref = _model_refs(ctx).get(name)
    if as_json:
        print_json(ref.model_dump(mode="json"))
        return
    _show(ref)
