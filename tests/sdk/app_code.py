"""User code for Python-app tests: callables a spec's entrypoint names."""

from __future__ import annotations

from typing import Any


def answer(input: Any, ctx: Any) -> dict[str, Any]:
    """Ask the app's model twice: once to answer, once to shorten the answer."""
    question = input["question"]
    context = ctx.config["context"]
    long = ctx.chat(f"Context:\n{context}\n\nQuestion: {question}")
    short = ctx.chat(
        f"Context:\n{long.text}\n\nQuestion: {question}", system="Answer in at most 4 words."
    )
    return {"answer": short.text, "support": long.text}


def explode(input: Any, ctx: Any) -> str:
    """A Python app with a bug."""
    raise KeyError("customer_id")


def wrong_signature(question: str) -> str:
    """Takes one argument, not (input, ctx)."""
    return question


NOT_CALLABLE = 42
