"""SDK overhead on the caller's thread, side by side with a bare OpenTelemetry SDK span.

Per span: an LLM-call-like span (8 attributes, 500-character input and output) nested under a
parent, timed on the caller's thread with ``perf_counter_ns``. Baseline: the OpenTelemetry
SDK's own span with a ``BatchSpanProcessor`` and an exporter that discards. Both run in the
same process, in interleaved rounds, so machine noise hits both alike. Also: the import time
of ``llmloop`` (fresh subprocesses, median of several runs, minus a bare interpreter) and the
memory (max RSS) that importing and using the tracer adds.

    .venv/bin/python benchmarks/sdk_overhead.py             # full size
    .venv/bin/python benchmarks/sdk_overhead.py --smoke     # what CI runs
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

TEXT_IN = "q" * 500
TEXT_OUT = "a" * 500
QUEUE = 65_536


def _percentile(values: Sequence[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * len(ordered)))])


def _otel_baseline() -> tuple[Callable[[int, list[int]], None], Callable[[], None]]:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Discard(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    # A queue large enough that neither tracer drops: this measures recording, not dropping.
    provider.add_span_processor(BatchSpanProcessor(Discard(), max_queue_size=QUEUE))
    tracer = provider.get_tracer("benchmark")
    clock = time.perf_counter_ns

    def run(count: int, out: list[int]) -> None:
        with tracer.start_as_current_span("request"):
            for _ in range(count):
                started = clock()
                with tracer.start_as_current_span("chat") as span:
                    span.set_attribute("llmloop.kind", "llm")
                    span.set_attribute("gen_ai.request.model", "gpt-4o-mini")
                    span.set_attribute("gen_ai.provider.name", "openai")
                    span.set_attribute("gen_ai.request.temperature", 0.2)
                    span.set_attribute("input.value", TEXT_IN)
                    span.set_attribute("output.value", TEXT_OUT)
                    span.set_attribute("gen_ai.usage.input_tokens", 120)
                    span.set_attribute("gen_ai.usage.output_tokens", 80)
                out.append(clock() - started)

    return run, provider.shutdown


def _llmloop() -> tuple[Callable[[int, list[int]], None], Callable[[], None]]:
    import llmloop
    from llmloop.sdk.sinks import ExportOutcome

    class Discard:
        def export(self, request: Any, span_count: int) -> ExportOutcome:
            return ExportOutcome(span_count)

        def close(self) -> None:
            return None

    llmloop.configure(sink=Discard(), max_queue_spans=QUEUE)
    span = llmloop.span
    clock = time.perf_counter_ns
    dropped: list[int] = []

    def run(count: int, out: list[int]) -> None:
        with span("request", kind="chain"):
            for _ in range(count):
                started = clock()
                with span("chat", kind="llm") as current:
                    current.set_model("gpt-4o-mini", provider="openai")
                    current.set_attribute("gen_ai.request.temperature", 0.2)
                    current.set_input(TEXT_IN)
                    current.set_output(TEXT_OUT)
                    current.set_usage(input_tokens=120, output_tokens=80)
                out.append(clock() - started)

    def stop() -> None:
        result = llmloop.shutdown(30.0)
        dropped.append(result.dropped)

    run.dropped = dropped  # type: ignore[attr-defined]
    return run, stop


def measure_spans(spans_per_round: int, rounds: int) -> dict[str, Any]:
    """Interleaved rounds of both tracers; per-span p50/p99 in microseconds and the ratio."""
    baseline_run, baseline_stop = _otel_baseline()
    llmloop_run, llmloop_stop = _llmloop()
    baseline: list[int] = []
    ours: list[int] = []
    baseline_run(min(200, spans_per_round), [])  # warm both up
    llmloop_run(min(200, spans_per_round), [])
    gc.collect()
    for _ in range(rounds):
        baseline_run(spans_per_round, baseline)
        llmloop_run(spans_per_round, ours)
    baseline_stop()
    llmloop_stop()
    result: dict[str, Any] = {
        "spans_each": len(ours),
        "llmloop_dropped": sum(llmloop_run.dropped),  # type: ignore[attr-defined]
    }
    for name, values in (("otel_sdk", baseline), ("llmloop", ours)):
        result[name] = {
            "p50_us": round(_percentile(values, 0.50) / 1000, 2),
            "p99_us": round(_percentile(values, 0.99) / 1000, 2),
            "mean_us": round(statistics.fmean(values) / 1000, 2),
        }
    result["ratio_p50"] = round(result["llmloop"]["p50_us"] / result["otel_sdk"]["p50_us"], 3)
    result["ratio_p99"] = round(result["llmloop"]["p99_us"] / result["otel_sdk"]["p99_us"], 3)
    return result


def _run_python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


def _times_ms(code: str, runs: int) -> tuple[float, float]:
    """Median and minimum wall time of *runs* fresh interpreters running *code*."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        _run_python(code)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, min(times) * 1000


# Peak RSS of this process image (VmHWM; ru_maxrss would include the forking parent's).
_RSS = (
    "print(next(int(line.split()[1]) for line in open('/proc/self/status') "
    "if line.startswith('VmHWM:')))"
)
_USE = (
    "import llmloop; llmloop.configure(sink=type('S', (), {'export': lambda s, r, n: None, "
    "'close': lambda s: None})()); \nwith llmloop.span('x'): pass\nllmloop.flush(5)\n"
)


def measure_import(runs: int) -> dict[str, Any]:
    """Import time (median and best of *runs*, minus a bare interpreter) and added memory."""
    bare = _times_ms("pass", runs)
    result: dict[str, Any] = {"runs": runs, "interpreter_ms": round(bare[0], 1)}
    for name, code in (
        ("import_llmloop", "import llmloop"),
        ("import_llmloop_tracing", "import llmloop; llmloop.observe"),
        ("import_opentelemetry_api", "import opentelemetry.trace"),
    ):
        median, best = _times_ms(code, runs)
        result[f"{name}_ms"] = round(median - bare[0], 1)
        result[f"{name}_best_ms"] = round(best - bare[1], 1)
    rss_bare = int(_run_python(_RSS))
    result["rss_import_kib"] = int(_run_python("import llmloop\n" + _RSS)) - rss_bare
    result["rss_tracing_kib"] = int(_run_python(_USE + _RSS)) - rss_bare
    return result


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark and print one JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=2000, help="spans per round and tracer")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--import-runs", type=int, default=9)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    options = parser.parse_args(argv)
    if options.smoke:
        options.spans, options.rounds, options.import_runs = 50, 2, 1
    result = {
        "spans": measure_spans(options.spans, options.rounds),
        "import": measure_import(options.import_runs),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
