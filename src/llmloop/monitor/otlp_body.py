"""OTLP/HTTP bodies: decode a request (protobuf or JSON, gzip or not) and encode the reply.

The JSON encoding of OTLP writes trace and span ids as hex, where protobuf's JSON mapping
(``json_format.ParseDict``) expects base64. A 32-character hex id is also valid base64, so a
naive parse yields 24 bytes of garbage without any error; the ids are therefore rewritten to
base64 before parsing. Unknown fields are ignored, as the OTLP specification requires.
"""

from __future__ import annotations

import base64
import json
import zlib
from enum import StrEnum
from typing import Any, Final

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from llmloop.domain.traces import IngestResult
from llmloop.errors import ValidationError

__all__ = [
    "OtlpBodyError",
    "OtlpFormat",
    "decode_export_request",
    "encode_export_response",
    "otlp_format",
]

_ID_FIELDS: Final = ("traceId", "spanId", "parentSpanId")
_PROTOBUF_TYPES: Final = ("application/x-protobuf", "application/protobuf")
_JSON_TYPES: Final = ("application/json",)


class OtlpFormat(StrEnum):
    """The two encodings of OTLP/HTTP."""

    PROTOBUF = "application/x-protobuf"
    JSON = "application/json"


class OtlpBodyError(ValidationError):
    """The request body cannot be used at all; ``http_status`` is 400, 413 or 415."""

    def __init__(self, message: str, *, hint: str, http_status: int) -> None:
        super().__init__(message, hint=hint)
        self.http_status = http_status


def otlp_format(content_type: str | None) -> OtlpFormat:
    """The encoding named by a Content-Type header; raise a 415 error for anything else."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type in _PROTOBUF_TYPES:
        return OtlpFormat.PROTOBUF
    if media_type in _JSON_TYPES:
        return OtlpFormat.JSON
    raise OtlpBodyError(
        f"Content-Type {media_type or '(none)'!r} is not an OTLP/HTTP encoding",
        hint="Send application/x-protobuf or application/json, as OTLP exporters do.",
        http_status=415,
    )


def _too_large(max_bytes: int) -> OtlpBodyError:
    return OtlpBodyError(
        f"the request body is larger than {max_bytes} bytes (after decompression)",
        hint="Send smaller batches (e.g. the exporter's max_export_batch_size), or raise "
        "LLMLOOP_OTLP_MAX_BODY_BYTES on the server.",
        http_status=413,
    )


def _decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise OtlpBodyError(
            f"Content-Encoding {encoding!r} is not supported",
            hint="Send the body uncompressed or gzip-compressed.",
            http_status=415,
        )
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        # Inflate at most one byte past the limit: a small bomb cannot fill memory.
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error:
        raise OtlpBodyError(
            "the body is not valid gzip",
            hint="Compress it with gzip, or drop the Content-Encoding header.",
            http_status=400,
        ) from None
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    if not inflater.eof:
        raise OtlpBodyError(
            "the gzip body is truncated",
            hint="Send the complete gzip stream.",
            http_status=400,
        )
    return data


def _hex_to_base64(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return base64.b64encode(bytes.fromhex(value)).decode("ascii")
    except ValueError:
        # Not hex: the span is left without that id and is rejected alone, with a reason.
        return ""


def _rewrite_ids(node: Any) -> None:
    """Rewrite every OTLP/JSON hex id in *node* (spans and span links) to base64, in place."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in _ID_FIELDS:
                    item[key] = _hex_to_base64(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(value for value in item if isinstance(value, dict | list))


def _malformed(what: str, detail: str) -> OtlpBodyError:
    return OtlpBodyError(
        f"the body is not a valid OTLP {what} ExportTraceServiceRequest ({detail[:300]})",
        hint="Send spans as an OpenTelemetry exporter does (OTLP/HTTP, /v1/traces).",
        http_status=400,
    )


def decode_export_request(
    body: bytes,
    *,
    content_type: str | None,
    content_encoding: str | None = None,
    max_bytes: int,
) -> tuple[ExportTraceServiceRequest, OtlpFormat]:
    """Decode one OTLP/HTTP trace request; raise :class:`OtlpBodyError` when it is unusable."""
    body_format = otlp_format(content_type)
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    data = _decompress(body, content_encoding, max_bytes)
    request = ExportTraceServiceRequest()
    if body_format is OtlpFormat.PROTOBUF:
        try:
            request.ParseFromString(data)
        except (DecodeError, RecursionError, ValueError) as exc:
            raise _malformed("protobuf", str(exc) or type(exc).__name__) from None
        return request, body_format
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise _malformed("JSON", f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _malformed("JSON", f"the top level is a {type(document).__name__}, not an object")
    _rewrite_ids(document)
    try:
        json_format.ParseDict(document, request, ignore_unknown_fields=True)
    except (json_format.ParseError, RecursionError, ValueError, TypeError) as exc:
        raise _malformed("JSON", str(exc) or type(exc).__name__) from None
    return request, body_format


def encode_export_response(result: IngestResult, body_format: OtlpFormat) -> bytes:
    """The OTLP reply: empty on full success, else ``partial_success`` with the reasons."""
    response = ExportTraceServiceResponse()
    if result.rejected:
        response.partial_success.rejected_spans = result.rejected
        response.partial_success.error_message = result.error_message
    if body_format is OtlpFormat.PROTOBUF:
        return response.SerializeToString()
    return json.dumps(json_format.MessageToDict(response)).encode()
