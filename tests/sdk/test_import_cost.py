"""Tracing stays light: the names an app uses load no protobuf, HTTP client or database."""

from __future__ import annotations

import json
import subprocess
import sys

NOT_ON_THE_HOT_PATH = (
    "google",  # protobuf: only the exporter's thread encodes
    "httpx2",
    "sqlalchemy",
    "pydantic_settings",
    "openai",
    "anthropic",
    "opentelemetry.sdk",
)


def _loaded_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(output.splitlines()[-1]))


def _heavy(modules: set[str]) -> set[str]:
    return {
        m
        for m in modules
        for heavy in NOT_ON_THE_HOT_PATH
        if m == heavy or m.startswith(heavy + ".")
    }


def test_tracing_api_loads_nothing_heavy() -> None:
    loaded = _loaded_after(
        "import llmloop\n"
        "llmloop.observe, llmloop.span, llmloop.context, llmloop.flush\n"
        "llmloop.configure(sink=type('S', (), {})(), export_interval_s=60)\n"
        "with llmloop.span('x'):\n"
        "    pass\n"
    )
    assert "opentelemetry.trace" in loaded
    assert _heavy(loaded) == set()
