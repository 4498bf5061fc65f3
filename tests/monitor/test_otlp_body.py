"""Decoding OTLP/HTTP bodies: protobuf, JSON with hex ids, gzip, and every way to get it wrong."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from llmloop.domain.traces import IngestResult
from llmloop.monitor.otlp_body import (
    OtlpBodyError,
    OtlpFormat,
    decode_export_request,
    encode_export_response,
)
from tests.monitor.otlp_builders import agent_trace, make_request

LIMIT = 1_000_000

JSON_REQUEST: dict[str, Any] = {
    "resourceSpans": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "bot"}}]},
            "scopeSpans": [
                {
                    "scope": {"name": "manual"},
                    "spans": [
                        {
                            "traceId": "5b8efff798038103d269b633813fc60c",
                            "spanId": "eee19b7ec3c1b174",
                            "parentSpanId": "eee19b7ec3c1b173",
                            "name": "chat",
                            "kind": 3,
                            "startTimeUnixNano": "1767225600000000000",
                            "endTimeUnixNano": "1767225601000000000",
                            "attributes": [
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "42"}}
                            ],
                            "links": [
                                {
                                    "traceId": "00000000000000000000000000000001",
                                    "spanId": "0000000000000002",
                                }
                            ],
                            "status": {"code": 2, "message": "boom"},
                            "futureField": {"ignored": True},
                        }
                    ],
                }
            ],
        }
    ]
}


def _decode(body: bytes, content_type: str = "application/json", **kwargs: Any) -> Any:
    return decode_export_request(body, content_type=content_type, max_bytes=LIMIT, **kwargs)


def test_protobuf_round_trip() -> None:
    request = make_request(agent_trace(1))
    decoded, body_format = _decode(request.SerializeToString(), "application/x-protobuf")
    assert decoded == request
    assert body_format is OtlpFormat.PROTOBUF


def test_json_hex_ids_and_string_int64s_decode_exactly() -> None:
    decoded, body_format = _decode(json.dumps(JSON_REQUEST).encode())
    span = decoded.resource_spans[0].scope_spans[0].spans[0]
    assert body_format is OtlpFormat.JSON
    assert span.trace_id.hex() == "5b8efff798038103d269b633813fc60c"
    assert span.span_id.hex() == "eee19b7ec3c1b174"
    assert span.parent_span_id.hex() == "eee19b7ec3c1b173"
    assert span.links[0].trace_id.hex() == "00000000000000000000000000000001"
    assert span.start_time_unix_nano == 1_767_225_600_000_000_000
    assert span.attributes[0].value.int_value == 42
    assert (span.kind, span.status.code, span.status.message) == (3, 2, "boom")


def test_json_ids_that_are_not_hex_leave_the_span_without_ids() -> None:
    document = json.loads(json.dumps(JSON_REQUEST))
    document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] = "not-hex!"
    decoded, _ = _decode(json.dumps(document).encode())
    assert decoded.resource_spans[0].scope_spans[0].spans[0].trace_id == b""


def test_gzip_bodies_decode_and_content_type_parameters_are_ignored() -> None:
    body = gzip.compress(json.dumps(JSON_REQUEST).encode())
    decoded, _ = _decode(body, "application/json; charset=utf-8", content_encoding="gzip")
    assert decoded.resource_spans[0].scope_spans[0].spans[0].name == "chat"


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "status", "reason"),
    [
        (b"{}", "text/plain", None, 415, "is not an OTLP/HTTP encoding"),
        (b"{}", None, None, 415, "is not an OTLP/HTTP encoding"),
        (b"{}", "application/json", "br", 415, "Content-Encoding 'br' is not supported"),
        (b"\xff\xff\xff", "application/x-protobuf", None, 400, "not a valid OTLP protobuf"),
        (b"{not json", "application/json", None, 400, "not a valid OTLP JSON"),
        (b"[1, 2]", "application/json", None, 400, "the top level is a list"),
        (
            b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "soon"}]}]}]}',
            "application/json",
            None,
            400,
            "not a valid OTLP JSON",
        ),
        (
            b'{"resourceSpans": "many"}',
            "application/json",
            None,
            400,
            "not a valid OTLP JSON",
        ),
        (b"not gzip", "application/json", "gzip", 400, "not valid gzip"),
        (gzip.compress(b"{}", mtime=0)[:-6], "application/json", "gzip", 400, "truncated"),
        (b"x" * (LIMIT + 1), "application/json", None, 413, "larger than"),
        (
            gzip.compress(b" " * (LIMIT + 1), mtime=0),
            "application/json",
            "gzip",
            413,
            "larger than",
        ),
    ],
)
def test_unusable_bodies_are_refused_with_the_reason(
    body: bytes, content_type: str | None, encoding: str | None, status: int, reason: str
) -> None:
    with pytest.raises(OtlpBodyError, match=reason) as raised:
        _decode(body, content_type, content_encoding=encoding)  # type: ignore[arg-type]
    assert raised.value.http_status == status


def test_responses_match_the_request_encoding() -> None:
    empty = IngestResult(accepted=3, rejected=0)
    assert encode_export_response(empty, OtlpFormat.PROTOBUF) == b""
    assert json.loads(encode_export_response(empty, OtlpFormat.JSON)) == {}
    partial = IngestResult(accepted=1, rejected=2, errors=["span a: x", "span b: y"])
    reply = ExportTraceServiceResponse.FromString(
        encode_export_response(partial, OtlpFormat.PROTOBUF)
    )
    assert reply.partial_success.rejected_spans == 2
    assert reply.partial_success.error_message == "span a: x; span b: y"
    assert json.loads(encode_export_response(partial, OtlpFormat.JSON)) == {
        "partialSuccess": {"rejectedSpans": "2", "errorMessage": "span a: x; span b: y"}
    }


def test_an_empty_request_is_valid() -> None:
    decoded, _ = _decode(b"", "application/x-protobuf")
    assert decoded == ExportTraceServiceRequest()
