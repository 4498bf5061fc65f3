"""The demo's monitor chapter: find traces, read one as a tree, take feedback, read metrics.

Everything here reads what the earlier chapters recorded (the RAG app ``docs-bot`` ran two
versions on the same questions), through the same clients the CLI and the REST API use. The
feedback comes the way a web page sends it: over HTTP, with the project's public feedback key,
from an allowed origin; the same key is then refused for reading.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx2

import llmloop
from llmloop.cli.demo_rag import is_right
from llmloop.cli.output import console, print_table
from llmloop.cli.traces import print_trace_tree
from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.domain.apps import AppRun
from llmloop.domain.metrics import MetricsResult, ScoreMean
from llmloop.domain.projects import KeyScope
from llmloop.domain.trace_queries import TracePage, TraceQuery
from llmloop.errors import PermissionDeniedError
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import Settings, load_settings

__all__ = ["WIDGET_ORIGIN", "monitor_chapter"]

#: The origin of the demo's (imaginary) web page that sends feedback.
WIDGET_ORIGIN = "http://127.0.0.1:8080"


def _browser_feedback(settings: Settings, local: LocalClient, runs: Sequence[AppRun]) -> None:
    """Thumbs from a web page: a public feedback key, CORS, and nothing readable with it."""
    key = local.keys.create("support-widget", project=settings.project, scope=KeyScope.FEEDBACK)
    served = load_settings(
        home=settings.home,
        database_url=settings.database_url,
        feedback_allowed_origins=(WIDGET_ORIGIN,),
    )
    with ServerThread(create_app(served, database=local.context.database)) as server:
        headers = {"Authorization": f"Bearer {key.secret}", "Origin": WIDGET_ORIGIN}
        with httpx2.Client(base_url=server.url, headers=headers, timeout=10) as browser:
            for run in runs:
                # The demo's user gives a thumbs up exactly when the answer was right.
                reply = browser.post(
                    "/api/v1/feedback", json={"trace_id": run.trace_id, "thumbs": is_right(run)}
                )
                reply.raise_for_status()
        allowed = reply.headers.get("access-control-allow-origin")
        console.print(
            f"a page at {WIDGET_ORIGIN} sent {len(runs)} thumbs with the public key "
            f"{key.info.key_id} (the server answered Access-Control-Allow-Origin: {allowed})"
        )
        reader = HttpClient.from_settings(
            load_settings(home=settings.home, server_url=server.url, api_key=key.secret)
        )
        try:
            reader.traces.list()
        except PermissionDeniedError as error:
            console.print(f"the same key cannot read: [dim]{error}[/dim]")
        finally:
            reader.close()


def _version_names(rag_runs: Sequence[Sequence[AppRun]]) -> dict[str, str]:
    """Stored version label (a short content hash) -> 'version N', as the RAG chapter named them."""
    return {runs[0].content_hash: f"version {runs[0].version}" for runs in rag_runs if runs}


def _named(version: str | None, names: dict[str, str]) -> str:
    for content_hash, name in names.items():
        if version and content_hash.startswith(version):
            return name
    return version or "-"


def _print_traces(page: TracePage, names: dict[str, str]) -> None:
    print_table(
        "The newest traces of docs-bot (`llmloop traces list --app docs-bot`)",
        ["trace", "version", "status", "ms", "tokens", "question"],
        [
            (
                item.trace_id[:8],
                _named(item.app_version, names),
                item.status.value,
                f"{item.duration_ms:.1f}",
                item.total_tokens,
                (item.input_preview or "")[:44],
            )
            for item in page.items
        ],
    )


def _print_metrics(result: MetricsResult, names: dict[str, str]) -> None:
    def mean(scores: dict[str, ScoreMean], name: str) -> str:
        found = scores.get(name)
        return "-" if found is None else f"{found.mean:.2f} (n={found.count})"

    print_table(
        "Last 24 h per version (`llmloop metrics --app docs-bot --group-by version`)",
        ["version", "requests", "errors", "p50 ms", "p95 ms", "thumbs up", "rating"],
        [
            (
                _named(point.group.get("version"), names),
                point.request_count,
                f"{point.error_rate:.0%}",
                f"{point.p50_latency_ms:.1f}",
                f"{point.p95_latency_ms:.1f}",
                mean(point.scores, "thumbs"),
                mean(point.scores, "rating"),
            )
            for point in result.points
        ],
    )


def monitor_chapter(
    settings: Settings, step: Callable[[str], None], rag_runs: Sequence[Sequence[AppRun]]
) -> None:
    """List the RAG app's traces, show one tree, record feedback, show metrics per version."""
    step("Monitoring: trace list, a trace tree, end-user feedback, metrics per version")
    local = LocalClient.from_settings(settings)
    try:
        names = _version_names(rag_runs)
        _print_traces(local.traces.list(TraceQuery(app="docs-bot", limit=5)), names)
        first, second = rag_runs
        console.print(
            f"one run of version 2 as a tree (`llmloop traces show {second[0].trace_id}`):"
        )
        print_trace_tree(local.traces.get(second[0].trace_id))

        _browser_feedback(settings, local, [*first, *second])
        result = llmloop.feedback(
            second[0].trace_id, rating=5, comment="exactly what I needed", client=local
        )
        console.print(
            f"and from application code, llmloop.feedback() stored a rating of "
            f"{second[0].trace_id[:8]}: {'ok' if result.ok else result.error}"
        )

        metrics = local.metrics.query(app="docs-bot", group_by="version", bucket="1d")
        _print_metrics(metrics, names)
    finally:
        local.close()
