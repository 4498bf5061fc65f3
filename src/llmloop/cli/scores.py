"""`llmloop scores` and `llmloop score-config`: scores of traces and spans, and their configs."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from llmloop.cli.output import JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.cli.time_options import parse_moment
from llmloop.client.protocols import ScoresClient
from llmloop.domain.scores import (
    Score,
    ScoreConfig,
    ScoreConfigSpec,
    ScoreDataType,
    ScorePage,
    ScoreValue,
    parse_model,
)
from llmloop.errors import NotFoundError, UsageError

__all__ = ["config_app", "print_score_page", "scores_app"]

scores_app = typer.Typer(
    help="Scores on traces and spans: human labels, evaluator results, user feedback.",
    no_args_is_help=True,
)
config_app = typer.Typer(
    help="Score configs: what a named score must look like (type, range, categories).",
    no_args_is_help=True,
)

TraceOption = Annotated[str | None, typer.Option("--trace", help="Only scores of this trace.")]
LimitOption = Annotated[
    int, typer.Option("--limit", min=1, max=500, help="At most this many, newest first.")
]
CursorOption = Annotated[
    str | None, typer.Option("--cursor", help="next_cursor of the previous page.")
]
StartOption = Annotated[
    str | None,
    typer.Option("--start", help="From this time (ISO 8601, inclusive; UTC if no offset)."),
]
EndOption = Annotated[
    str | None,
    typer.Option("--end", help="Before this time (ISO 8601, exclusive; UTC if no offset)."),
]


def _scores(ctx: typer.Context) -> ScoresClient:
    return cli_state(ctx).client().scores


def _shown_value(score: Score) -> str:
    if score.data_type is ScoreDataType.NUMERIC and score.value is not None:
        return f"{score.value:g}"
    return score.string_value or ""


def print_score_page(title: str, page: ScorePage, *, as_json: bool) -> None:
    """Print one page of scores as a table (or JSON), with the cursor of the next page."""
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    print_table(
        title,
        ["created (UTC)", "trace", "span", "name", "value", "source", "comment", "score id"],
        [
            (
                f"{s.created_at:%Y-%m-%d %H:%M:%S}",
                s.trace_id,
                s.span_id or "",
                s.name,
                _shown_value(s),
                s.source.value,
                (s.comment or "")[:60],
                s.score_id,
            )
            for s in page.items
        ],
    )
    if page.next_cursor:
        console.print(f"[dim]more: --cursor {page.next_cursor}[/dim]")


def _parse_value(raw: str, data_type: ScoreDataType | None) -> ScoreValue:
    """Read a value typed on the command line as the score's type (guessed when unknown)."""
    lowered = raw.strip().lower()
    if data_type is ScoreDataType.CATEGORICAL:
        return raw
    if data_type is ScoreDataType.BOOLEAN or (data_type is None and lowered in ("true", "false")):
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise UsageError(
            f"value {raw!r} is not a boolean", hint="Write true or false for a boolean score."
        )
    try:
        number = float(raw)
    except ValueError:
        if data_type is ScoreDataType.NUMERIC:
            raise UsageError(
                f"value {raw!r} is not a number", hint="Write a number, e.g. 0.8."
            ) from None
        return raw
    return (
        int(number) if number.is_integer() and "." not in raw and math.isfinite(number) else number
    )


@scores_app.command("add")
def add(
    ctx: typer.Context,
    trace_id: Annotated[str, typer.Argument(help="The trace scored (32 hex digits).")],
    name: Annotated[str, typer.Argument(help="The score's name, e.g. faithfulness.")],
    value: Annotated[str, typer.Argument(help="A number, a category, or true/false.")],
    span: Annotated[str | None, typer.Option("--span", help="Score this span.")] = None,
    data_type: Annotated[
        ScoreDataType | None,
        typer.Option("--type", help="Default: the name's config, else guessed from the value."),
    ] = None,
    source: Annotated[str, typer.Option("--source", help="Who gave it.")] = "human",
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    idempotency_key: Annotated[
        str | None, typer.Option("--idempotency-key", help="Retrying with it stores nothing new.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a score on a trace or span."""
    scores = _scores(ctx)
    if data_type is None:
        try:
            data_type = scores.get_config(name).data_type
        except NotFoundError:
            data_type = None
    score = scores.add(
        trace_id,
        name,
        _parse_value(value, data_type),
        span_id=span,
        data_type=data_type,
        source=source,
        comment=comment,
        idempotency_key=idempotency_key,
    )
    if as_json:
        print_json(score.model_dump(mode="json"))
        return
    console.print(
        f"scored trace {score.trace_id}: [bold]{score.name}[/bold] = {_shown_value(score)} "
        f"({score.score_id})"
    )


@scores_app.command("list")
def list_scores(
    ctx: typer.Context,
    trace: TraceOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Only this score.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only from this source.")] = None,
    start: StartOption = None,
    end: EndOption = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List scores, newest first."""
    page = _scores(ctx).list(
        trace_id=trace,
        name=name,
        source=source,
        start=parse_moment(start, "--start"),
        end=parse_moment(end, "--end"),
        limit=limit,
        cursor=cursor,
    )
    print_score_page("Scores", page, as_json=as_json)


@scores_app.command("show")
def show(
    ctx: typer.Context,
    score_id: Annotated[str, typer.Argument(help="The score's id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one score."""
    score = _scores(ctx).get(score_id)
    if as_json:
        print_json(score.model_dump(mode="json"))
        return
    print_table(
        f"Score {score.score_id}",
        ["field", "value"],
        [
            ("trace", score.trace_id),
            ("span", score.span_id or ""),
            ("name", score.name),
            ("type", score.data_type.value),
            ("value", _shown_value(score)),
            ("source", score.source.value),
            ("comment", score.comment or ""),
            ("author", score.author or ""),
            ("metadata", score.metadata),
            ("created (UTC)", f"{score.created_at:%Y-%m-%d %H:%M:%S}"),
        ],
    )


def _config_rows(configs: list[ScoreConfig]) -> list[tuple[str, ...]]:
    def allowed(config: ScoreConfig) -> str:
        if config.data_type is ScoreDataType.CATEGORICAL:
            return ", ".join(config.categories or [])
        if config.data_type is ScoreDataType.NUMERIC:
            low = "" if config.min_value is None else f"{config.min_value:g}"
            high = "" if config.max_value is None else f"{config.max_value:g}"
            return f"[{low}, {high}]" if low or high else "any number"
        return "true, false"

    return [
        (c.name, c.data_type.value, allowed(c), c.description, f"{c.updated_at:%Y-%m-%d %H:%M}")
        for c in configs
    ]


@config_app.command("set")
def set_config(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The score's name.")],
    data_type: Annotated[ScoreDataType, typer.Option("--type", help="The score's type.")],
    min_value: Annotated[
        float | None, typer.Option("--min", help="Numeric: lowest allowed value.")
    ] = None,
    max_value: Annotated[
        float | None, typer.Option("--max", help="Numeric: highest allowed value.")
    ] = None,
    categories: Annotated[
        list[str] | None,
        typer.Option("--category", help="Categorical: an allowed value (repeat the option)."),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="What it measures.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Create or replace a score config; scores recorded from now on must match it."""
    spec = parse_model(
        ScoreConfigSpec,
        {
            "data_type": data_type,
            "min_value": min_value,
            "max_value": max_value,
            "categories": categories or None,
            "description": description,
        },
        what="score config",
    )
    config = _scores(ctx).set_config(name, spec)
    if as_json:
        print_json(config.model_dump(mode="json"))
        return
    console.print(f"score config [bold]{config.name}[/bold] set ({config.data_type.value})")


@config_app.command("list")
def list_configs(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List score configs."""
    configs = _scores(ctx).list_configs()
    if as_json:
        print_json([c.model_dump(mode="json") for c in configs])
        return
    print_table(
        "Score configs",
        ["name", "type", "allowed", "description", "updated (UTC)"],
        _config_rows(configs),
    )


@config_app.command("show")
def show_config(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The score's name.")],
    as_json: JsonOption = False,
) -> None:
    """Show one score config."""
    config = _scores(ctx).get_config(name)
    if as_json:
        print_json(config.model_dump(mode="json"))
        return
    print_table(
        f"Score config {config.name}",
        ["name", "type", "allowed", "description", "updated (UTC)"],
        _config_rows([config]),
    )
