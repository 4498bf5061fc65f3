"""What ``get_prompt`` costs an application per call: cached, against fetching every time.

One process, one SQLite store, one real llmloop server on loopback. Per call, timed on the
caller's thread with ``perf_counter_ns``, in interleaved rounds so machine noise hits all alike:

- ``http_fetch``: the baseline, ``client.prompts.get(name, label=...)`` over HTTP every call
  (what an application without a cache pays);
- ``embedded_fetch``: the same against the embedded store (one SQLite transaction per call);
- ``cached``: ``PromptFetcher.get`` with a fresh entry (what ``llmloop.get_prompt`` pays
  between refreshes);
- ``render``: rendering the served chat prompt (4 messages, 2 variables) in the sandbox.

    .venv/bin/python benchmarks/prompt_fetch.py             # full size
    .venv/bin/python benchmarks/prompt_fetch.py --smoke     # what CI runs
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.domain.prompts import PromptContent
from llmloop.sdk.prompts import PromptFetcher
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import load_settings

CONTENT = PromptContent.model_validate(
    {
        "kind": "chat",
        "messages": [
            {
                "role": "system",
                "content": "You are {{ tone }} support for Acme." + " Be brief." * 20,
            },
            {"role": "user", "content": "How do I reset my password?"},
            {"role": "assistant", "content": "Open Settings, then Security."},
            {"role": "user", "content": "{{ question }}"},
        ],
        "variables": [{"name": "tone", "default": "friendly"}, {"name": "question"}],
        "parameters": {"model": "gpt-4o-mini", "temperature": 0.2},
    }
)


def _p50_us(samples: Sequence[int]) -> float:
    return statistics.median(samples) / 1000


def _timed(call: Callable[[], Any], count: int, out: list[int]) -> None:
    clock = time.perf_counter_ns
    for _ in range(count):
        started = clock()
        call()
        out.append(clock() - started)


def measure(calls_per_round: int, rounds: int) -> dict[str, Any]:
    """Run every way of getting the prompt in interleaved rounds; return medians and ratios."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(home=Path(folder))
        local = LocalClient.from_settings(settings)
        local.prompts.push("support", CONTENT)
        local.prompts.set_label("support", "production", 1, reason="benchmark")
        secret = local.keys.create("bench", project="default").secret
        app = create_app(settings, database=local.context.database)
        with ServerThread(app) as server:
            remote = HttpClient.from_settings(load_settings(server_url=server.url, api_key=secret))
            fetcher = PromptFetcher(remote, ttl_s=3600)
            served = fetcher.get("support", label="production")
            ways: dict[str, Callable[[], Any]] = {
                "http_fetch": lambda: remote.prompts.get("support", label="production"),
                "embedded_fetch": lambda: local.prompts.get("support", label="production"),
                "cached": lambda: fetcher.get("support", label="production"),
                "render": lambda: served.render(question="Where is my order?"),
            }
            samples: dict[str, list[int]] = {name: [] for name in ways}
            for call in ways.values():  # warm-up
                _timed(call, 5, [])
            for _ in range(rounds):
                for name, call in ways.items():
                    _timed(call, calls_per_round, samples[name])
            fetcher.close()
            remote.close()
        local.close()
    p50 = {name: _p50_us(values) for name, values in samples.items()}
    return {
        "calls_each": calls_per_round * rounds,
        **{f"{name}_p50_us": round(value, 2) for name, value in p50.items()},
        "ratio_cached_to_http_fetch": round(p50["cached"] / p50["http_fetch"], 5),
        "ratio_cached_to_embedded_fetch": round(p50["cached"] / p50["embedded_fetch"], 5),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run at full or smoke size and print the figures as JSON."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run, as CI does")
    args = parser.parse_args(argv)
    calls, rounds = (10, 2) if args.smoke else (400, 5)
    result = measure(calls, rounds)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
