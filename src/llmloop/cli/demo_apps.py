"""The demo's apps chapter: a prompt app and a Python app, run with the offline local model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

import llmloop
from llmloop.build.providers.registry import ProviderRegistry
from llmloop.cli.output import console, print_table
from llmloop.client.local import LocalClient
from llmloop.domain.apps import AppRun, PythonAppSpec
from llmloop.domain.prompts import PromptContent, PromptKind, PromptMessage, PromptVariable
from llmloop.sdk.apps import push_app
from llmloop.settings import Settings
from llmloop.store.traces import SpanRow

__all__ = ["apps_chapter", "support_app"]

KNOWLEDGE = (
    "The Team plan costs 29 dollars per month and includes single sign-on. "
    "Refunds are available within 30 days of the first payment. "
    "Phone support is open from 8:00 to 18:00 on weekdays."
)
APP_YAML = """\
name: answer-bot
description: Grounded answers from the help centre
kind: prompt
prompt: grounded-answer
model: local/extractive
params: {max_tokens: 60}
"""


def support_app(input: Any, ctx: Any) -> dict[str, Any]:
    """The demo's Python app: answer, then check the answer is short enough for a chat bubble."""
    question = str(input["question"])
    context = f"Context:\n{ctx.config['knowledge']}\n\nQuestion: {question}"
    full = ctx.chat(context)
    short = ctx.chat(context, system="Answer in at most 6 words.")
    return {"answer": short.text, "source": full.text}


def _push(local: LocalClient, settings: Settings) -> None:
    local.prompts.push(
        "grounded-answer",
        PromptContent(
            kind=PromptKind.CHAT,
            messages=[
                PromptMessage(
                    role="system",
                    content='Answer using only the context. If it does not say, answer "unknown".',
                ),
                PromptMessage(
                    role="user", content=f"Context:\n{KNOWLEDGE}\n\nQuestion: {{{{ question }}}}"
                ),
            ],
            variables=[PromptVariable(name="question")],
        ),
    )
    folder = settings.home / "apps"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "answer-bot.yaml").write_text(APP_YAML, encoding="utf-8")
    providers = ProviderRegistry(settings.providers)
    console.print(f"$ llmloop app push {folder / 'answer-bot.yaml'}")
    for source, kwargs in (
        (folder / "answer-bot.yaml", {}),
        (
            PythonAppSpec(
                entrypoint="llmloop.cli.demo_apps:support_app",
                model="local/extractive",
                config={"knowledge": KNOWLEDGE},
            ),
            {"name": "support-code", "message": "Support bot kept in code"},
        ),
    ):
        result = push_app(source, client=local, providers=providers, **kwargs)
        version = result.version
        resolved = getattr(version.spec, "prompt", None)
        console.print(
            f"  {version.reference}: version {version.version}, kind {version.spec.kind}"
            + (f", prompt resolved to {resolved}" if resolved else "")
        )
    again = push_app(folder / "answer-bot.yaml", client=local, providers=providers)
    console.print(f"pushing the same spec again creates nothing: created={again.created}")


def _output(run: AppRun) -> str:
    if isinstance(run.output, dict):
        return str(run.output.get("answer"))
    return str(run.output)


def _show_runs(runs: list[AppRun]) -> None:
    print_table(
        "Runs (local model: no key, no network, byte-identical reruns)",
        ["app", "output", "calls", "tokens", "cost $", "trace"],
        [
            (
                run.app,
                _output(run),
                run.model_calls,
                f"{run.usage.input_tokens}/{run.usage.output_tokens}",
                "unknown" if run.cost_usd is None else f"{run.cost_usd:.2f}",
                run.trace_id[:8],
            )
            for run in runs
        ],
    )


def _show_traces(local: LocalClient, runs: list[AppRun]) -> None:
    with local.context.database.session() as session:
        rows = session.scalars(
            select(SpanRow)
            .where(SpanRow.trace_id.in_([run.trace_id for run in runs]))
            .order_by(SpanRow.start_time, SpanRow.id)
        ).all()
        table = [
            (
                row.trace_id[:8],
                ("└ " if row.parent_span_id else "") + row.name,
                row.kind,
                "" if row.input_tokens is None else f"{row.input_tokens}/{row.output_tokens}",
                "" if row.cost_usd is None else f"{row.cost_usd:.2f}",
                row.status,
            )
            for row in rows
        ]
    print_table(
        "Their traces in the store: a span per run, a child per model call",
        ["trace", "span", "kind", "tokens", "cost $", "status"],
        table,
    )


def apps_chapter(settings: Settings, step: Callable[[str], None]) -> None:
    """Push a prompt app and a Python app, run both with the local model, show their traces."""
    step("Apps: content-hashed versions, run with the offline local model")
    local = LocalClient.from_settings(settings)
    try:
        llmloop.configure(client=local, environment="demo")
        _push(local, settings)
        providers = ProviderRegistry(settings.providers)
        runs = [
            llmloop.run(
                "answer-bot",
                {"question": "When are refunds available?"},
                client=local,
                providers=providers,
            ),
            llmloop.run(
                "answer-bot", {"question": "Who founded Acme?"}, client=local, providers=providers
            ),
            llmloop.run(
                "support-code",
                {"question": "How much does the Team plan cost?"},
                client=local,
                providers=providers,
            ),
        ]
        _show_runs(runs)
        llmloop.flush(10)
        _show_traces(local, runs)
    finally:
        llmloop.shutdown(5)
        local.close()
