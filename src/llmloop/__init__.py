"""llmloop: build, evaluate, deploy and monitor LLM applications as one loop.

``import llmloop`` stays light: the public names below load their modules on first use, so an
application that only traces calls never imports the web server, the database layer or a
model SDK.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from llmloop.sdk import connect
    from llmloop.sdk.apps import push_app, run
    from llmloop.sdk.exporter import FlushResult
    from llmloop.sdk.feedback import FeedbackResult, feedback
    from llmloop.sdk.instrumentation import (
        instrument,
        instrument_anthropic,
        instrument_openai,
        uninstrument,
    )
    from llmloop.sdk.prompts import get_prompt
    from llmloop.sdk.runtime import configure, flush, shutdown
    from llmloop.sdk.tracing import (
        context,
        current_span,
        observe,
        set_attributes,
        set_input,
        set_model,
        set_output,
        set_usage,
        span,
    )

__all__ = ["__version__", "connect", "get_prompt"]

_LAZY = {"connect": "llmloop.sdk", "get_prompt": "llmloop.sdk.prompts"}

# Tracing (the SDK's hot path lives in llmloop.sdk.spans; these are its public names).
_TRACING = {
    "FlushResult": "llmloop.sdk.exporter",
    "configure": "llmloop.sdk.runtime",
    "flush": "llmloop.sdk.runtime",
    "shutdown": "llmloop.sdk.runtime",
    "observe": "llmloop.sdk.tracing",
    "span": "llmloop.sdk.tracing",
    "context": "llmloop.sdk.tracing",
    "current_span": "llmloop.sdk.tracing",
    "set_input": "llmloop.sdk.tracing",
    "set_output": "llmloop.sdk.tracing",
    "set_model": "llmloop.sdk.tracing",
    "set_usage": "llmloop.sdk.tracing",
    "set_attributes": "llmloop.sdk.tracing",
    "instrument": "llmloop.sdk.instrumentation",
    "instrument_openai": "llmloop.sdk.instrumentation",
    "instrument_anthropic": "llmloop.sdk.instrumentation",
    "uninstrument": "llmloop.sdk.instrumentation",
}
_LAZY.update(_TRACING)
__all__ += [
    "FlushResult",
    "configure",
    "context",
    "current_span",
    "flush",
    "instrument",
    "instrument_anthropic",
    "instrument_openai",
    "observe",
    "set_attributes",
    "set_input",
    "set_model",
    "set_output",
    "set_usage",
    "shutdown",
    "span",
    "uninstrument",
]

# Apps: run a version and get its output with a run record; push a spec (issue 7).
_LAZY.update({"run": "llmloop.sdk.apps", "push_app": "llmloop.sdk.apps"})
__all__ += ["push_app", "run"]

# End-user feedback on a trace, stored as a score; never raises at run time (issue 6).
_LAZY.update({"feedback": "llmloop.sdk.feedback", "FeedbackResult": "llmloop.sdk.feedback"})
__all__ += ["FeedbackResult", "feedback"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmloop' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
