"""The ingestion benchmark runs at smoke size, so it cannot rot (no time is asserted)."""

from __future__ import annotations

import os

import pytest

from benchmarks import ingest_throughput


def test_ingest_benchmark_runs_at_smoke_size(capsys: pytest.CaptureFixture[str]) -> None:
    result = ingest_throughput.main(["--smoke"])
    assert result["spans_per_run"] == 64
    dialects = ["sqlite"] + (["postgresql"] if os.environ.get("LLMLOOP_TEST_POSTGRES_URL") else [])
    for dialect in dialects:
        figures = result[dialect]
        assert figures["server_spans_per_s"] > 0
        assert figures["raw_spans_per_s"] > 0
        assert figures["ratio_server_to_raw"] > 0
    assert '"ratio_server_to_raw"' in capsys.readouterr().out


def test_the_workload_has_the_promised_shape() -> None:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    workload = ingest_throughput.make_workload(2)
    request = ExportTraceServiceRequest.FromString(workload.bodies[0])
    spans = request.resource_spans[0].scope_spans[0].spans
    assert len(spans) == 512
    assert len({span.trace_id for span in spans}) == 128
    attribute_bytes = sum(
        len(kv.key) + kv.value.ByteSize() for span in spans for kv in span.attributes
    ) / len(spans)
    assert 1_000 < attribute_bytes < 2_000  # ~1.5 KB of attributes per span
