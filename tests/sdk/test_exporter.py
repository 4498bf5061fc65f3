"""The exporter: OTLP/HTTP to a collector, retries, drops, failures, flush, shutdown, atexit."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import llmloop
from llmloop.sdk.exporter import RetryPolicy
from llmloop.sdk.otlp import spans_in
from llmloop.sdk.sinks import ExportOutcome, RetryableExportError
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import FakeCollector, attributes_of

FAST_RETRY = RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.05, give_up_after_s=60)


def _wait_until(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def test_spans_reach_an_otlp_collector_with_the_key(collector: FakeCollector) -> None:
    llmloop.configure(otlp_endpoint=collector.endpoint, api_key="llk_secret", service_name="shop")
    with llmloop.span("checkout", kind="agent"):
        llmloop.set_input("buy")
    result = llmloop.flush(10)
    assert (result.sent, result.dropped, result.failed, result.pending) == (1, 0, 0, 0)
    (span,) = collector.spans()
    assert span.name == "checkout"
    assert attributes_of(span)["input.value"] == "buy"
    assert collector.authorizations == ["Bearer llk_secret"]
    resource = {
        a.key: a.value.string_value
        for a in collector.requests[0].resource_spans[0].resource.attributes
    }
    assert resource["service.name"] == "shop"
    assert resource["telemetry.sdk.name"] == "llmloop"


def test_server_url_targets_the_llmloop_otlp_path(collector: FakeCollector) -> None:
    llmloop.configure(server_url=collector.url + "/", api_key="k")
    with llmloop.span("x"):
        pass
    assert llmloop.flush(10).sent == 1


def test_export_happens_off_the_callers_thread(memory_sink: MemorySink) -> None:
    with llmloop.span("x"):
        pass
    llmloop.flush(10)
    assert memory_sink.threads == {"llmloop-exporter"}


def test_429_and_503_are_retried_honouring_retry_after(collector: FakeCollector) -> None:
    collector.replies = [(503, {"Retry-After": "0"}), (429, {"Retry-After": "0.01"})]
    llmloop.configure(otlp_endpoint=collector.endpoint, retry=FAST_RETRY)
    with llmloop.span("eventually"):
        pass
    result = llmloop.flush(10)
    assert (result.sent, result.failed) == (1, 0)
    assert len(collector.authorizations) == 3  # two refusals, then the delivery
    assert [s.name for s in collector.spans()] == ["eventually"]


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "refused the API key"), (403, "refused the API key"), (404, "no OTLP trace endpoint")],
)
def test_a_refused_key_or_wrong_url_fails_the_spans_with_one_log_line(
    collector: FakeCollector, caplog: pytest.LogCaptureFixture, status: int, message: str
) -> None:
    caplog.set_level(logging.WARNING, logger="llmloop.sdk")
    collector.replies = [(status, {})] * 3
    llmloop.configure(otlp_endpoint=collector.endpoint, api_key="llk_topsecret")
    for _ in range(3):
        with llmloop.span("lost"):
            pass
        llmloop.flush(10)
    assert collector.spans() == []
    lines = [r.getMessage() for r in caplog.records if message in r.getMessage()]
    assert len(lines) == 1  # once per process, however many batches fail
    assert "llk_topsecret" not in caplog.text


def test_failed_spans_are_counted(collector: FakeCollector) -> None:
    collector.replies = [(401, {})]
    llmloop.configure(otlp_endpoint=collector.endpoint, api_key="wrong")
    with llmloop.span("lost"):
        pass
    result = llmloop.flush(10)
    assert (result.sent, result.failed) == (0, 1)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/v1/traces", "not a url at all"])
def test_an_unusable_url_fails_without_raising(url: str) -> None:
    llmloop.configure(otlp_endpoint=url)
    with llmloop.span("x"):
        pass
    result = llmloop.flush(10)
    assert (result.sent, result.failed) == (0, 1)


def test_an_unreachable_server_is_retried_then_given_up() -> None:
    llmloop.configure(
        otlp_endpoint="http://127.0.0.1:9/v1/traces",
        retry=RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.02, give_up_after_s=0.1),
    )
    with llmloop.span("x"):
        pass
    result = llmloop.flush(10)
    assert (result.sent, result.failed) == (0, 1)


class _GatedSink:
    """Blocks every export until ``gate`` opens: stands for a slow or hung receiver."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.received: list[bytes] = []

    def export(self, request: Any, span_count: int) -> ExportOutcome:
        self.gate.wait(30)
        self.received.extend(span.span_id for span in spans_in(request))
        return ExportOutcome(span_count)

    def close(self) -> None:
        return None


def test_a_full_queue_drops_and_counts_and_never_blocks_the_caller() -> None:
    sink = _GatedSink()
    llmloop.configure(sink=sink, max_queue_spans=5, max_batch_spans=2)
    for _ in range(50):  # the caller carries on while the receiver hangs
        with llmloop.span("burst"):
            pass
    blocked = llmloop.flush(0.01)
    assert blocked.pending > 0
    assert not blocked.complete
    sink.gate.set()
    result = llmloop.flush(10)
    total_sent = blocked.sent + result.sent
    total_dropped = blocked.dropped + result.dropped
    assert total_sent + total_dropped == 50
    assert total_dropped >= 50 - 5 - 2
    assert len(sink.received) == len(set(sink.received)) == total_sent


class _FlakySink:
    """Fails with a retryable error while ``down`` is set."""

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def export(self, request: Any, span_count: int) -> ExportOutcome:
        self.calls += 1
        if self.down:
            raise RetryableExportError("down", retry_after_s=0.0)
        return ExportOutcome(span_count)

    def close(self) -> None:
        return None


def test_shutdown_gives_up_on_retries_at_its_deadline() -> None:
    sink = _FlakySink()
    llmloop.configure(sink=sink, retry=RetryPolicy(initial_backoff_s=0.01, max_backoff_s=0.01))
    with llmloop.span("x"):
        pass
    _wait_until(lambda: sink.calls > 0)
    result = llmloop.shutdown(0.05)
    assert result.sent == 0
    assert result.failed + result.pending == 1
    with llmloop.span("after-shutdown") as span:
        assert not span.is_recording()


def test_spans_are_flushed_at_exit(collector: FakeCollector, tmp_path: Any) -> None:
    script = tmp_path / "app.py"
    script.write_text(
        "import llmloop\n"
        f"llmloop.configure(otlp_endpoint={collector.endpoint!r}, export_interval_s=60)\n"
        "with llmloop.span('last-words'):\n"
        "    pass\n"
    )
    subprocess.run([sys.executable, str(script)], check=True, timeout=60)
    assert [s.name for s in collector.spans()] == ["last-words"]


@pytest.fixture
def stoppable_collector() -> Iterator[FakeCollector]:
    fake = FakeCollector()
    fake.start()
    yield fake
    fake.stop()


def test_outage_loses_nothing_that_fitted_the_queue(stoppable_collector: FakeCollector) -> None:
    collector = stoppable_collector
    llmloop.configure(
        otlp_endpoint=collector.endpoint, max_queue_spans=20, max_batch_spans=5, retry=FAST_RETRY
    )
    with llmloop.span("before"):
        pass
    assert llmloop.flush(10).sent == 1
    collector.stop()  # the server goes away; the app keeps working

    @llmloop.observe(name="during")
    def handle(i: int) -> int:
        return i * 2

    assert [handle(i) for i in range(60)] == [i * 2 for i in range(60)]
    during_outage = llmloop.flush(0.05)
    assert during_outage.sent == 0
    restarted = FakeCollector(port=collector.port)
    restarted.start()
    try:
        after = llmloop.flush(20)
        assert after.complete
        sent = during_outage.sent + after.sent
        dropped = during_outage.dropped + after.dropped
        assert sent + dropped == 60
        assert dropped > 0  # the queue holds 20 (+ one batch in flight)
        received = [s.span_id for s in restarted.spans()]
        assert len(received) == len(set(received)) == sent  # exactly once each
        assert during_outage.failed + after.failed == 0
    finally:
        restarted.stop()


class _FakeTraces:
    """Stands for ``client.traces`` of the embedded client."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.names: list[str] = []

    def ingest(self, request: Any) -> Any:
        if self.errors:
            raise self.errors.pop(0)
        names = [span.name for span in spans_in(request)]
        self.names.extend(n for n in names if n != "refused")
        rejected = names.count("refused")
        return type("Result", (), {"accepted": len(names) - rejected, "rejected": rejected})()


def test_the_embedded_sink_ingests_retries_outages_and_counts_refusals() -> None:
    from llmloop.errors import StoreUnavailableError, ValidationError

    traces = _FakeTraces(StoreUnavailableError("database is locked"))
    client = type("Client", (), {"traces": traces})()
    llmloop.configure(client=client, retry=FAST_RETRY)
    for name in ("kept", "refused"):
        with llmloop.span(name):
            pass
    result = llmloop.flush(10)
    assert (result.sent, result.failed) == (1, 1)
    assert traces.names == ["kept"]

    traces.errors = [ValidationError("bad request")]
    with llmloop.span("invalid"):
        pass
    assert llmloop.flush(10).failed == 1


def test_a_request_too_large_for_the_receiver_is_split(collector: FakeCollector) -> None:
    collector.replies = [(413, {}), (413, {})]  # the batch of 4, then its first half of 2
    llmloop.configure(otlp_endpoint=collector.endpoint)
    for i in range(4):
        with llmloop.span(f"s{i}"):
            pass
    result = llmloop.flush(10)
    assert (result.sent, result.failed) == (4, 0)
    assert sorted(s.name for s in collector.spans()) == ["s0", "s1", "s2", "s3"]
    assert [len(r.resource_spans[0].scope_spans[0].spans) for r in collector.requests] == [1, 1, 2]


def test_a_forked_child_exports_through_its_own_thread(collector: FakeCollector) -> None:
    import os

    llmloop.configure(otlp_endpoint=collector.endpoint)
    with llmloop.span("parent"):
        pass
    assert llmloop.flush(10).sent == 1
    pid = os.fork()
    if pid == 0:  # the child: a new exporter thread, its own connections
        code = 2
        try:
            with llmloop.span("child"):
                pass
            code = 0 if llmloop.flush(10).sent == 1 else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sorted(s.name for s in collector.spans()) == ["child", "parent"]
