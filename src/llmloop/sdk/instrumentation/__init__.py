"""Instrumentation of model client libraries (``openai``, ``anthropic``), reversible.

``llmloop.instrument()`` patches every supported library that is installed;
``llmloop.uninstrument()`` restores them. Each library is imported only here, when asked.
"""

from __future__ import annotations

import importlib.util

from llmloop.sdk.instrumentation.anthropic import instrument_anthropic, uninstrument_anthropic
from llmloop.sdk.instrumentation.openai import instrument_openai, uninstrument_openai

__all__ = ["instrument", "instrument_anthropic", "instrument_openai", "uninstrument"]


def instrument() -> list[str]:
    """Instrument every supported library that is installed; return their names."""
    done: list[str] = []
    if importlib.util.find_spec("openai") is not None:
        instrument_openai()
        done.append("openai")
    if importlib.util.find_spec("anthropic") is not None:
        instrument_anthropic()
        done.append("anthropic")
    return done


def uninstrument() -> None:
    """Undo :func:`instrument` (and the per-library calls)."""
    uninstrument_openai()
    uninstrument_anthropic()
