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

__all__ = ["__version__", "connect"]

_LAZY = {"connect": "llmloop.sdk"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmloop' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
