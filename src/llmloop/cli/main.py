"""The root `llmloop` command: global options, subcommands, and error-to-exit-code mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

# Typer 0.29 vendors Click; its Group.invoke takes the vendored Context.
from typer import _click as click
from typer.core import TyperGroup

from llmloop import __version__
from llmloop.cli import apps, db, demo, init, keys, model_refs, projects, prompts, server
from llmloop.cli import feedback as feedback_cli
from llmloop.cli import metrics as metrics_cli
from llmloop.cli import scores as scores_cli
from llmloop.cli import traces as traces_cli
from llmloop.cli.output import ExitCode, error_console
from llmloop.cli.state import CliState
from llmloop.errors import LlmloopError, UsageError


class LlmloopGroup(TyperGroup):
    """The root group: an llmloop error anywhere below becomes a message and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LlmloopError as error:
            error_console.print(Text.assemble(("error: ", "bold red"), str(error)))
            ctx.exit(ExitCode.USAGE if isinstance(error, UsageError) else ExitCode.RUNTIME)


app = typer.Typer(
    cls=LlmloopGroup,
    name="llmloop",
    help="Build, evaluate, deploy and monitor LLM applications as one loop.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmloop {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option(help="Folder of the embedded store (LLMLOOP_HOME).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Store URL (LLMLOOP_DATABASE_URL).")
    ] = None,
    server_url: Annotated[
        str | None, typer.Option(help="Talk to this server (LLMLOOP_SERVER_URL).")
    ] = None,
    project: Annotated[
        str | None, typer.Option(help="Project of the embedded store (LLMLOOP_PROJECT).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Options here win over LLMLOOP_* variables, which win over llmloop.yaml."""
    state = CliState(
        overrides={
            "home": home,
            "database_url": database_url,
            "server_url": server_url,
            "project": project,
        }
    )
    ctx.obj = state
    ctx.call_on_close(state.close)


app.command("init")(init.init)
app.command("demo")(demo.demo)
app.command("server")(server.server)
app.add_typer(db.app, name="db")
app.add_typer(projects.app, name="project")
app.add_typer(keys.app, name="key")
app.add_typer(prompts.app, name="prompt")
app.add_typer(apps.app, name="app")
app.add_typer(model_refs.app, name="model")
app.add_typer(scores_cli.scores_app, name="scores")
app.add_typer(scores_cli.config_app, name="score-config")
app.add_typer(feedback_cli.app, name="feedback")
app.add_typer(traces_cli.app, name="traces")
app.add_typer(traces_cli.sessions_app, name="sessions")
app.command("metrics")(metrics_cli.metrics)


def main() -> None:
    """Entry point of the `llmloop` command."""
    app()
