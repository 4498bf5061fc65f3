"""``POST /v1/traces``: the OTLP/HTTP trace receiver.

Protobuf or JSON, gzip or not, authenticated by a project key (``Authorization: Bearer``,
which is also what ``OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<key>`` sends). The
reply comes only after the spans are committed, and is encoded like the request.

Decision: error replies are llmloop's JSON error body for both encodings, not
``google.rpc.Status`` protobuf. OTLP exporters act on the status code (and ``Retry-After``),
not on the body, and one error shape keeps every llmloop client and log alike.

At most ``ingest_max_concurrent_requests`` requests are ingested at once; one more is refused
at once with 429 and ``Retry-After`` rather than queued, so a burst cannot pile up requests
(and their bodies) until the server falls over.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from llmloop.client.local import LocalClient
from llmloop.client.local.traces import LocalTraces
from llmloop.domain.traces import IngestResult
from llmloop.errors import OverloadedError, ValidationError
from llmloop.monitor.ingest import TraceIngestor, ingestor_from_settings
from llmloop.monitor.otlp_body import (
    OtlpBodyError,
    OtlpFormat,
    decode_export_request,
    encode_export_response,
    otlp_format,
)
from llmloop.server.auth import ClientForKey
from llmloop.server.errors import ErrorBody, error_response
from llmloop.server.state import ServerState

__all__ = ["OtlpReceiver", "receiver_of", "router"]

router = APIRouter(tags=["otlp"], responses={401: {"model": ErrorBody}})

RETRY_AFTER_S = 1
_receiver_lock = threading.Lock()


@dataclass
class OtlpReceiver:
    """What the endpoint keeps for the app's lifetime: the ingestor and the in-flight limit."""

    ingestor: TraceIngestor
    in_flight: threading.BoundedSemaphore
    max_body_bytes: int


def receiver_of(state: ServerState, app_state: object) -> OtlpReceiver:
    """The app's receiver, made on first use from its settings."""
    with _receiver_lock:
        receiver = getattr(app_state, "llmloop_otlp", None)
        if receiver is None:
            settings = state.settings
            receiver = OtlpReceiver(
                ingestor=ingestor_from_settings(settings, state.clock),
                in_flight=threading.BoundedSemaphore(settings.ingest_max_concurrent_requests),
                max_body_bytes=settings.otlp_max_body_bytes,
            )
            setattr(app_state, "llmloop_otlp", receiver)  # noqa: B010 - Starlette State
        assert isinstance(receiver, OtlpReceiver)
        return receiver


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise OtlpBodyError(
            f"the request body ({declared} bytes) is larger than {max_bytes} bytes",
            hint="Send smaller batches, or raise LLMLOOP_OTLP_MAX_BODY_BYTES on the server.",
            http_status=413,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise OtlpBodyError(
                f"the request body is larger than {max_bytes} bytes",
                hint="Send smaller batches, or raise LLMLOOP_OTLP_MAX_BODY_BYTES on the server.",
                http_status=413,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _ingest(
    client: LocalClient,
    ingestor: TraceIngestor,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    max_bytes: int,
) -> tuple[IngestResult, OtlpFormat]:
    export: ExportTraceServiceRequest
    export, body_format = decode_export_request(
        body, content_type=content_type, content_encoding=content_encoding, max_bytes=max_bytes
    )
    return LocalTraces(client.context, ingestor).ingest(export), body_format


@router.post(
    "/v1/traces",
    summary="Receive spans (OTLP/HTTP, protobuf or JSON)",
    response_class=Response,
    responses={
        200: {
            "description": "Spans committed; `partial_success` names the spans refused.",
            "content": {"application/x-protobuf": {}, "application/json": {}},
        },
        400: {"model": ErrorBody, "description": "Malformed body, or every span refused."},
        413: {"model": ErrorBody, "description": "Body larger than the limit."},
        415: {"model": ErrorBody, "description": "Not protobuf or JSON, or not gzip."},
        429: {"model": ErrorBody, "description": "Too many requests in flight; see Retry-After."},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "An OTLP ExportTraceServiceRequest, optionally gzip-compressed.",
            "content": {
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def receive_traces(request: Request, client: ClientForKey) -> Response:
    """Store the spans of one OTLP request in the key's project, then reply."""
    state = ServerState.of(request.app)
    receiver = receiver_of(state, request.app.state)
    if not receiver.in_flight.acquire(blocking=False):
        error = OverloadedError(
            "the server is ingesting as many trace requests as it allows at once",
            hint=f"Retry after {RETRY_AFTER_S} s; exporters do this by themselves.",
        )
        response = error_response(429, error.code, str(error))
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response
    try:
        content_type = request.headers.get("content-type")
        try:
            otlp_format(content_type)  # a wrong type is refused before the body is read
            body = await _read_body(request, receiver.max_body_bytes)
            result, body_format = await run_in_threadpool(
                _ingest,
                client,
                receiver.ingestor,
                body,
                content_type,
                request.headers.get("content-encoding"),
                receiver.max_body_bytes,
            )
        except OtlpBodyError as exc:
            return error_response(exc.http_status, exc.code, str(exc))
        except ValidationError as exc:
            # Every span refused: OTLP/HTTP says 400 for data that can never be accepted.
            return error_response(400, exc.code, str(exc))
    finally:
        receiver.in_flight.release()
    return Response(encode_export_response(result, body_format), media_type=body_format.value)
