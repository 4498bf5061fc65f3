"""`llmloop feedback`: end-user feedback (thumbs and ratings) on traces."""

from __future__ import annotations

from typing import Annotated

import typer

from llmloop.cli.output import JsonOption, console, print_json
from llmloop.cli.scores import (
    CursorOption,
    EndOption,
    LimitOption,
    StartOption,
    TraceOption,
    print_score_page,
)
from llmloop.cli.state import cli_state
from llmloop.cli.time_options import parse_moment
from llmloop.domain.scores import ScoreSource
from llmloop.errors import UsageError

app = typer.Typer(
    help="End-user feedback: thumbs up/down and ratings, stored as user_feedback scores.",
    no_args_is_help=True,
)


@app.command("add")
def add(
    ctx: typer.Context,
    trace_id: Annotated[str, typer.Argument(help="The trace the user reacted to.")],
    up: Annotated[bool, typer.Option("--up", help="Thumbs up.")] = False,
    down: Annotated[bool, typer.Option("--down", help="Thumbs down.")] = False,
    rating: Annotated[
        float | None, typer.Option("--rating", help="A rating, 1-5 unless configured.")
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="What the user wrote.")] = None,
    user: Annotated[str | None, typer.Option("--user", help="Your app's id of the user.")] = None,
    span: Annotated[str | None, typer.Option("--span", help="The span reacted to.")] = None,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Retrying with it stores nothing new.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a user's thumbs up/down or rating of a trace."""
    if sum((up, down, rating is not None)) != 1:
        raise UsageError(
            "give exactly one of --up, --down or --rating",
            hint="e.g. `llmloop feedback add TRACE_ID --up --comment 'spot on'`.",
        )
    score = (
        cli_state(ctx)
        .client()
        .scores.feedback(
            trace_id,
            thumbs=up if (up or down) else None,
            rating=rating,
            comment=comment,
            span_id=span,
            user_id=user,
            idempotency_key=idempotency_key,
        )
    )
    if as_json:
        print_json(score.model_dump(mode="json"))
        return
    console.print(
        f"recorded {score.name} = {score.string_value or score.value} on trace "
        f"{score.trace_id} ({score.score_id})"
    )


@app.command("list")
def list_feedback(
    ctx: typer.Context,
    trace: TraceOption = None,
    start: StartOption = None,
    end: EndOption = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List user feedback, newest first."""
    page = (
        cli_state(ctx)
        .client()
        .scores.list(
            trace_id=trace,
            source=ScoreSource.USER_FEEDBACK,
            start=parse_moment(start, "--start"),
            end=parse_moment(end, "--end"),
            limit=limit,
            cursor=cursor,
        )
    )
    print_score_page("User feedback", page, as_json=as_json)
