"""The demo's tracing chapter: an application traced with the SDK into the embedded store."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

import llmloop
from llmloop.cli.output import console, print_table
from llmloop.client.local import LocalClient
from llmloop.settings import Settings
from llmloop.store.traces import SpanRow

__all__ = ["tracing_chapter"]

_DOCS = {
    "password": "Open Settings, then Security, and choose Reset password.",
    "invoice": "Invoices are under Billing, one PDF per month.",
}


def _support_bot() -> Callable[[str], str]:
    """A tiny support bot, traced (made on first use: tracing loads only for this chapter)."""

    @llmloop.observe(kind="retrieval", name="retrieve")
    def retrieve(question: str) -> list[str]:
        return [text for word, text in _DOCS.items() if word in question.lower()]

    @llmloop.observe(kind="llm", name="chat")
    def call_model(question: str, documents: list[str]) -> str:
        # Stands in for a model call: an instrumented openai/anthropic client records it itself.
        llmloop.set_model("gpt-4o-mini", provider="openai")
        llmloop.set_usage(input_tokens=40 + 12 * len(documents), output_tokens=18, cached_tokens=32)
        return documents[0] if documents else "Let me hand you to a colleague."

    @llmloop.observe(kind="agent", name="answer")
    def answer(question: str) -> str:
        return call_model(question, retrieve(question))

    return answer


def tracing_chapter(settings: Settings, step: Callable[[str], None]) -> None:
    """Trace three requests of a tiny support bot and show what the store kept."""
    step("Tracing an application: @observe, context, flush")
    local = LocalClient.from_settings(settings)
    try:
        llmloop.configure(client=local, app="support-bot", environment="demo")
        answer = _support_bot()
        for user, question in (
            ("ada", "How do I reset my password?"),
            ("ada", "Where is my invoice?"),
            ("grace", "Can I pay in yen?"),
        ):
            with llmloop.context(user_id=user, session_id=f"session-{user}"):
                answer(question)
        result = llmloop.flush(10)
        console.print(
            f"flush(): sent {result.sent}, dropped {result.dropped}, failed {result.failed} "
            "(spans were exported on a background thread; the app never waited)"
        )
        with local.context.database.session() as session:
            rows = [
                (
                    row.name,
                    row.kind,
                    row.user_id or "",
                    row.model or "",
                    "" if row.input_tokens is None else str(row.input_tokens),
                    "" if row.cost_usd is None else f"{row.cost_usd:.6f}",
                )
                for row in session.scalars(select(SpanRow).order_by(SpanRow.start_time, SpanRow.id))
            ]
        print_table("Stored spans", ["span", "kind", "user", "model", "in tokens", "cost $"], rows)
    finally:
        llmloop.shutdown(5)
        local.close()
