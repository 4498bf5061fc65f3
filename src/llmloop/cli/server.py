"""`llmloop server`: run the REST API on uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from llmloop.cli.output import console
from llmloop.cli.state import cli_state
from llmloop.server.app import create_app
from llmloop.server.run import serve


def server(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to bind (LLMLOOP_SERVER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (LLMLOOP_SERVER_PORT).")] = None,
) -> None:
    """Run the llmloop server (REST API) until interrupted."""
    state = cli_state(ctx)
    state.overrides.update({"server_host": host, "server_port": port})
    settings = state.settings()
    app = create_app(settings)
    app.state.llmloop.database.ensure_ready()
    console.print(
        f"llmloop server on http://{settings.server_host}:{settings.server_port} "
        f"(store: {app.state.llmloop.database.redacted_url})"
    )
    serve(app, settings.server_host, settings.server_port)
