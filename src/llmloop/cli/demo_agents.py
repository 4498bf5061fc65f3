"""The demo's agent chapter: a ``kind: agent`` app with two tools, run by the local model.

The offline local model calls tools by word match (see
:mod:`llmloop.build.providers.local_tools`), so the same app runs with both strategies: a ReAct
loop that calls ``order_status`` and answers from its result, and plan-then-execute, whose
``plan`` span lists both tools before their ``tool`` spans run in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

import llmloop
from llmloop.build.providers.registry import ProviderRegistry
from llmloop.cli.output import console, print_table
from llmloop.client.local import LocalClient
from llmloop.domain.apps import AppRun, parse_app_spec
from llmloop.sdk.apps import push_app
from llmloop.settings import Settings
from llmloop.store.traces import SpanRow

__all__ = ["AGENT_SPEC", "TASKS", "agent_chapter"]

AGENT_SPEC = {
    "kind": "agent",
    "model": "local/extractive",
    "tools": [
        "llmloop.build.agents.demo_tools:order_status",
        "llmloop.build.agents.demo_tools:convert_currency",
    ],
    "strategy": "react",
    "max_steps": 4,
    "time_budget_s": 30,
    "system_prompt": "Answer from the tools' results.",
}

#: (strategy, task) pairs the chapter runs.
TASKS: tuple[tuple[str, str], ...] = (
    ("react", "When does order A-17 arrive?"),
    ("plan_execute", "For order B-42, what is 120 dollars in EUR?"),
)


def _span_table(local: LocalClient, runs: list[AppRun]) -> None:
    with local.context.database.session() as session:
        rows = session.scalars(
            select(SpanRow)
            .where(SpanRow.trace_id.in_([run.trace_id for run in runs]))
            .order_by(SpanRow.start_time, SpanRow.id)
        ).all()
        depth = {row.span_id: 0 for row in rows if row.parent_span_id is None}
        table = []
        for row in rows:
            level = depth.get(row.parent_span_id or "", -1) + 1
            depth[row.span_id] = level
            table.append((row.trace_id[:8], "  " * level + row.name, row.kind, row.status))
    print_table(
        "Their traces: an agent span, plan and tool spans, a span per model call",
        ["trace", "span", "kind", "status"],
        table,
    )


def agent_chapter(settings: Settings, step: Callable[[str], None]) -> list[AppRun]:
    """Push an agent app per strategy, run each with the local model, show plan and tool spans."""
    step("Agents: tools by import path, ReAct and plan-then-execute, every call a span")
    local = LocalClient.from_settings(settings)
    providers = ProviderRegistry(settings.providers)
    try:
        llmloop.configure(client=local, environment="demo")
        runs = []
        for strategy, task in TASKS:
            spec = parse_app_spec({**AGENT_SPEC, "strategy": strategy})
            pushed = push_app(
                spec, name=f"orders-{strategy.replace('_', '-')}", client=local, providers=providers
            )
            console.print(f"  {pushed.version.reference}: kind agent, strategy {strategy}")
            runs.append(llmloop.run(pushed.version.name, task, client=local, providers=providers))
        print_table(
            "Runs of the local model with tools",
            ["app", "task", "tool calls", "answer"],
            [
                (
                    run.app,
                    task,
                    ", ".join(call["tool"] for call in _tool_calls(run)),
                    str(run.output["answer"]) if isinstance(run.output, dict) else run.error,
                )
                for run, (_, task) in zip(runs, TASKS, strict=True)
            ],
        )
        llmloop.flush(10)
        _span_table(local, runs)
        return runs
    finally:
        llmloop.shutdown(5)
        local.close()


def _tool_calls(run: AppRun) -> list[dict[str, Any]]:
    if not isinstance(run.output, dict):
        return []
    calls = run.output.get("tool_calls")
    return [call for call in calls if isinstance(call, dict)] if isinstance(calls, list) else []
