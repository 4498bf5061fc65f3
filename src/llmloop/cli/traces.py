"""`llmloop traces list|show|tail` and `llmloop sessions list|show`: reading traces back."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from llmloop.cli.output import JsonOption, console, print_json, print_table
from llmloop.cli.state import cli_state
from llmloop.cli.time_options import parse_window
from llmloop.cli.trace_tail import TailOptions, tail_traces
from llmloop.client.protocols import TracesClient
from llmloop.domain.clock import SystemClock
from llmloop.domain.scores import Score
from llmloop.domain.trace_queries import (
    SessionQuery,
    SessionView,
    SpanNode,
    TracePage,
    TraceQuery,
    TraceSummary,
    TraceTree,
    parse_query,
)

__all__ = ["app", "print_trace_page", "print_trace_tree", "sessions_app"]

app = typer.Typer(help="Traces: list and filter them, show one as a span tree, follow new ones.")
sessions_app = typer.Typer(help="Sessions: traces that share a session id, as conversations.")


StartOption = Annotated[
    str | None,
    typer.Option("--start", help="Traces starting at or after this ISO time (UTC if no zone)."),
]
EndOption = Annotated[
    str | None, typer.Option("--end", help="Traces starting before this ISO time (exclusive).")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Only the last 30m, 24h, 7d... (instead of --start)."),
]
LimitOption = Annotated[int, typer.Option("--limit", help="Rows per page (at most 500).")]
CursorOption = Annotated[
    str | None, typer.Option("--cursor", help="The next cursor a previous page printed.")
]
AppOption = Annotated[str | None, typer.Option("--app", help="Only this app.")]
EnvOption = Annotated[str | None, typer.Option("--env", help="Only this environment.")]
UserOption = Annotated[str | None, typer.Option("--user", help="Only this user id.")]


def _traces(ctx: typer.Context) -> TracesClient:
    return cli_state(ctx).client().traces


def _window(since: str | None, start: str | None, end: str | None) -> dict[str, datetime | None]:
    first, until = parse_window(since=since, start=start, end=end, clock=SystemClock())
    return {"start": first, "end": until}


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, [], ())}


def _money(cost_usd: float | None) -> str:
    return "?" if cost_usd is None else f"${cost_usd:.4f}"


def print_trace_page(page: TracePage) -> None:
    """Print a page of traces as a table, and the next page's cursor if there is one."""
    if not page.items:
        console.print("[dim]no traces[/dim]")
        return
    table = Table(title="Traces", title_justify="left", show_edge=False)
    table.add_column("start (UTC)", no_wrap=True)
    # Trace ids are what people copy into `traces show`: never wrapped or cut.
    table.add_column("trace", no_wrap=True, min_width=32)
    for column in ("name", "app", "env", "status", "ms", "tokens", "cost", "input"):
        table.add_column(column, overflow="ellipsis", no_wrap=column == "input")
    for item in page.items:
        table.add_row(
            f"{item.start_time:%m-%d %H:%M:%S}",
            item.trace_id,
            item.name or "",
            f"{item.app or ''} {item.app_version or ''}".strip(),
            item.environment or "",
            item.status.value,
            f"{item.duration_ms:.0f}",
            str(item.total_tokens),
            _money(item.cost_usd),
            (item.input_preview or "")[:60],
        )
    console.print(table)
    if page.next_cursor:
        console.out(f"next page: --cursor {page.next_cursor}", highlight=False)


@app.command("list")
def list_traces(
    ctx: typer.Context,
    app_name: AppOption = None,
    version: Annotated[str | None, typer.Option("--version", help="Only this app version.")] = None,
    env: EnvOption = None,
    variant: Annotated[str | None, typer.Option("--variant", help="Only this variant.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="ok or error.")] = None,
    min_duration_ms: Annotated[float | None, typer.Option("--min-duration-ms")] = None,
    max_duration_ms: Annotated[float | None, typer.Option("--max-duration-ms")] = None,
    user: UserOption = None,
    session: Annotated[str | None, typer.Option("--session", help="Only this session id.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Must carry this tag (repeatable).")
    ] = None,
    score: Annotated[
        str | None, typer.Option("--score", help="Only traces with a score of this name.")
    ] = None,
    score_min: Annotated[float | None, typer.Option("--score-min")] = None,
    score_max: Annotated[float | None, typer.Option("--score-max")] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="Substring of the input/output preview.")
    ] = None,
    start: StartOption = None,
    end: EndOption = None,
    since: SinceOption = None,
    sort: Annotated[str, typer.Option("--sort", help="start_time, duration_ms or cost_usd.")] = (
        "start_time"
    ),
    ascending: Annotated[bool, typer.Option("--asc", help="Smallest first.")] = False,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List traces, newest first; filters combine; prints the cursor of the next page."""
    filters = {
        "app": app_name,
        "app_version": version,
        "environment": env,
        "variant": variant,
        "status": status,
        "min_duration_ms": min_duration_ms,
        "max_duration_ms": max_duration_ms,
        "user_id": user,
        "session_id": session,
        "tags": tag,
        "score_name": score,
        "score_min": score_min,
        "score_max": score_max,
        "text": text,
        "sort": sort,
        "order": "asc" if ascending else "desc",
        "limit": limit,
        "cursor": cursor,
        **_window(since, start, end),
    }
    page = _traces(ctx).list(parse_query(TraceQuery, _given(filters)))
    if as_json:
        print_json(page)
        return
    print_trace_page(page)


def _node_label(node: SpanNode) -> str:
    parts = [f"[bold]{escape(node.name)}[/bold]", f"[cyan]{node.kind}[/cyan]"]
    parts.append(f"{node.duration_ms:.1f} ms")
    if node.model:
        parts.append(escape(node.model))
    if node.total_tokens is not None:
        parts.append(f"{node.total_tokens} tok")
    if node.cost_usd is not None:
        parts.append(_money(node.cost_usd))
    if node.status == "error":
        parts.append(
            "[red]error[/red]" + (f": {escape(node.status_message)}" if node.status_message else "")
        )
    if node.orphan:
        parts.append("[yellow](orphan: parent not received)[/yellow]")
    return "  ".join(parts)


def _add_nodes(branch: Tree, nodes: list[SpanNode]) -> None:
    pending = [(branch, node) for node in nodes]
    while pending:
        parent, node = pending.pop(0)
        child = parent.add(_node_label(node))
        pending += [(child, grandchild) for grandchild in node.children]


def _score_text(scores: list[Score]) -> str:
    return ", ".join(
        f"{score.name}={score.string_value if score.value is None else f'{score.value:g}'}"
        for score in scores
    )


def print_trace_tree(tree: TraceTree) -> None:
    """Print one trace as a Rich tree of spans (kind, duration, tokens, cost) and its scores."""
    trace = tree.trace
    title = (
        f"[bold]trace {trace.trace_id}[/bold]  {trace.status.value}  "
        f"{trace.duration_ms:.1f} ms  {trace.total_tokens} tok  {_money(trace.cost_usd)}"
    )
    where = " ".join(
        f"{key}={value}"
        for key, value in (
            ("app", trace.app),
            ("version", trace.app_version),
            ("env", trace.environment),
            ("variant", trace.variant),
            ("session", trace.session_id),
            ("user", trace.user_id),
        )
        if value
    )
    root = Tree(title + (f"\n{escape(where)}" if where else ""))
    _add_nodes(root, tree.spans)
    console.print(root)
    if tree.scores:
        console.print(f"scores: {escape(_score_text(tree.scores))}")


@app.command("show")
def show_trace(
    ctx: typer.Context,
    trace_id: Annotated[str, typer.Argument(help="The trace id (32 hex characters).")],
    as_json: JsonOption = False,
) -> None:
    """Show one trace as a tree of spans (kind, duration, tokens, cost) and its scores."""
    tree = _traces(ctx).get(trace_id)
    if as_json:
        print_json(tree)
        return
    print_trace_tree(tree)


def _tail_line(trace: TraceSummary) -> str:
    return (
        f"{trace.start_time:%H:%M:%S} {trace.trace_id} {trace.status.value:5} "
        f"{trace.duration_ms:8.0f} ms {_money(trace.cost_usd):>9} "
        f"{trace.app or ''} {(trace.input_preview or '')[:60]}"
    )


@app.command("tail")
def tail(
    ctx: typer.Context,
    app_name: AppOption = None,
    env: EnvOption = None,
    status: Annotated[str | None, typer.Option("--status", help="ok or error.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Must carry this tag.")] = None,
    interval_s: Annotated[float, typer.Option("--interval", help="Seconds between polls.")] = 2.0,
    lookback_s: Annotated[
        float,
        typer.Option("--lookback", help="Also show traces that started this many seconds ago."),
    ] = 300.0,
    max_traces: Annotated[
        int | None, typer.Option("--max", help="Stop after printing this many traces.")
    ] = None,
    timeout_s: Annotated[
        float | None, typer.Option("--timeout", help="Stop after this many seconds.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Print new traces as they arrive, each once (Ctrl-C, --max or --timeout stops it)."""
    query = parse_query(
        TraceQuery, _given({"app": app_name, "environment": env, "status": status, "tags": tag})
    )

    def emit(trace: TraceSummary) -> None:
        if as_json:
            console.out(json.dumps(trace.model_dump(mode="json")), highlight=False)
        else:
            console.out(_tail_line(trace), highlight=False)

    options = TailOptions(
        query=query,
        interval_s=interval_s,
        lookback_s=lookback_s,
        max_traces=max_traces,
        timeout_s=timeout_s,
    )
    try:
        tail_traces(_traces(ctx), options, clock=SystemClock(), sleep=time.sleep, emit=emit)
    except KeyboardInterrupt:
        return


@sessions_app.command("list")
def list_sessions(
    ctx: typer.Context,
    app_name: AppOption = None,
    env: EnvOption = None,
    user: UserOption = None,
    start: StartOption = None,
    end: EndOption = None,
    since: SinceOption = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
    as_json: JsonOption = False,
) -> None:
    """List sessions, most recently active first; prints the cursor of the next page."""
    filters = {
        "app": app_name,
        "environment": env,
        "user_id": user,
        "limit": limit,
        "cursor": cursor,
        **_window(since, start, end),
    }
    page = _traces(ctx).sessions(parse_query(SessionQuery, _given(filters)))
    if as_json:
        print_json(page)
        return
    rows = [
        (
            item.session_id,
            f"{item.first_time:%Y-%m-%d %H:%M}",
            f"{item.last_time:%Y-%m-%d %H:%M}",
            item.trace_count,
            item.error_count,
            item.total_tokens,
            _money(item.cost_usd),
            ", ".join(item.users[:3]) + (" ..." if len(item.users) > 3 else ""),
        )
        for item in page.items
    ]
    columns = ["session", "first (UTC)", "last (UTC)", "traces", "errors", "tokens", "cost"]
    print_table("Sessions", [*columns, "users"], rows)
    if page.next_cursor:
        console.out(f"next page: --cursor {page.next_cursor}", highlight=False)


def _print_session(view: SessionView) -> None:
    session = view.session
    console.print(
        f"[bold]session {escape(session.session_id)}[/bold]  {session.trace_count} traces  "
        f"{session.error_count} errors  {session.total_tokens} tok  {_money(session.cost_usd)}  "
        f"users: {escape(', '.join(session.users))}"
    )
    for turn in view.turns:
        trace = turn.trace
        console.print(
            f"\n[dim]{trace.start_time:%Y-%m-%d %H:%M:%S}  {trace.trace_id}  "
            f"{trace.status.value}  {trace.duration_ms:.0f} ms[/dim]"
        )
        console.print(f"[bold]user:[/bold] {escape(turn.input or '')}")
        console.print(f"[bold]app:[/bold]  {escape(turn.output or '')}")
        if turn.scores:
            console.print(f"[dim]scores: {escape(_score_text(turn.scores))}[/dim]")
    if view.more_turns:
        console.print("[yellow]only the first turns are shown[/yellow]")


@sessions_app.command("show")
def show_session(
    ctx: typer.Context,
    session_id: Annotated[str, typer.Argument(help="The session id.")],
    as_json: JsonOption = False,
) -> None:
    """Show one session as a conversation: each trace's input, output and scores."""
    view = _traces(ctx).session(session_id)
    if as_json:
        print_json(view)
        return
    _print_session(view)
