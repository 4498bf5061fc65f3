"""Where exported spans go: an llmloop server (or any OTLP/HTTP endpoint), or the embedded store.

A sink takes one OTLP request and returns how many spans were accepted, or raises
:class:`RetryableExportError` (try again later: 429, 502-504, network errors) or
:class:`RejectedExportError` (trying again cannot help: bad key, bad URL, bad data). Sinks run
on the exporter's thread only, so they may block.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    from llmloop.settings import Settings

__all__ = [
    "EmbeddedSink",
    "ExportOutcome",
    "OtlpHttpSink",
    "PayloadTooLargeError",
    "RejectedExportError",
    "RetryableExportError",
    "SpanSink",
    "redact_url",
]

_RETRYABLE_STATUS = frozenset({408, 429, 502, 503, 504})


class ExportOutcome:
    """How many spans of one request the receiver accepted and rejected."""

    __slots__ = ("accepted", "rejected")

    def __init__(self, accepted: int, rejected: int = 0) -> None:
        self.accepted = accepted
        self.rejected = rejected


class RetryableExportError(Exception):
    """The export failed for a reason that may pass; ``retry_after_s`` is the server's wish."""

    def __init__(self, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class RejectedExportError(Exception):
    """The export failed for good (credentials, URL, data): the spans count as failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PayloadTooLargeError(RejectedExportError):
    """The receiver refused the request's size (413): smaller batches may pass."""


@runtime_checkable
class SpanSink(Protocol):
    """Receives OTLP requests from the exporter's thread."""

    def export(self, request: ExportTraceServiceRequest, span_count: int) -> ExportOutcome:
        """Deliver *request* (holding *span_count* spans); raise the errors above on failure."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def redact_url(url: str) -> str:
    """*url* without any ``user:password@`` part, for log lines."""
    return re.sub(r"//[^/@]*@", "//***@", url)


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


class OtlpHttpSink:
    """OTLP/HTTP protobuf POSTs with ``Authorization: Bearer <key>``, over httpx2."""

    def __init__(
        self, endpoint: str, *, api_key: str | None = None, timeout_s: float = 10.0
    ) -> None:
        import httpx2  # here, not at module import: `import llmloop` stays light

        self.endpoint = endpoint
        headers = {"Content-Type": "application/x-protobuf", "User-Agent": "llmloop-sdk"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._httpx = httpx2
        self._client = httpx2.Client(headers=headers, timeout=timeout_s)

    @classmethod
    def for_server(cls, server_url: str, **options: Any) -> OtlpHttpSink:
        """A sink for an llmloop server's OTLP endpoint, ``<server_url>/v1/traces``."""
        return cls(server_url.rstrip("/") + "/v1/traces", **options)

    def export(self, request: ExportTraceServiceRequest, span_count: int) -> ExportOutcome:
        """POST *request*; map the reply to an outcome or one of the two export errors."""
        where = redact_url(self.endpoint)
        try:
            response = self._client.post(self.endpoint, content=request.SerializeToString())
        except (self._httpx.InvalidURL, self._httpx.UnsupportedProtocol) as exc:
            raise RejectedExportError(
                f"the trace endpoint URL {where!r} is not usable ({type(exc).__name__}); "
                "check LLMLOOP_SERVER_URL or configure(server_url=...)"
            ) from None
        except self._httpx.TransportError as exc:
            raise RetryableExportError(f"could not reach {where} ({type(exc).__name__})") from None
        status = response.status_code
        if status in _RETRYABLE_STATUS:
            raise RetryableExportError(
                f"{where} answered {status}",
                retry_after_s=_retry_after_s(response.headers.get("Retry-After")),
            )
        if status in (401, 403):
            raise RejectedExportError(
                f"{where} refused the API key ({status}); check LLMLOOP_API_KEY: it must be "
                "a valid key of the project the traces belong to"
            )
        if status == 413:
            raise PayloadTooLargeError(
                f"{where} refused a request of {span_count} spans as too large"
            )
        if status == 404:
            raise RejectedExportError(
                f"{where} has no OTLP trace endpoint (404); check LLMLOOP_SERVER_URL"
            )
        if status >= 500:
            raise RetryableExportError(f"{where} answered {status}")
        if status >= 400:
            raise RejectedExportError(f"{where} rejected the spans ({status})")
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceResponse,
        )

        rejected = 0
        if response.content:
            try:
                reply = ExportTraceServiceResponse.FromString(response.content)
                rejected = int(reply.partial_success.rejected_spans)
            except Exception:
                rejected = 0  # a non-protobuf success body: trust the status
        return ExportOutcome(accepted=span_count - rejected, rejected=rejected)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()


class EmbeddedSink:
    """Spans straight into the embedded store through ``client.traces.ingest``."""

    def __init__(self, client: Any, *, owns_client: bool = False) -> None:
        self._client = client
        self._owns_client = owns_client

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbeddedSink:
        """Open the embedded store that *settings* name (SQLAlchemy loads here, off-thread)."""
        from llmloop.client.local import LocalClient

        return cls(LocalClient.from_settings(settings), owns_client=True)

    def export(self, request: ExportTraceServiceRequest, span_count: int) -> ExportOutcome:
        """Ingest *request*; a store outage is retried, anything else rejects the batch."""
        from llmloop.errors import OperationError, UsageError

        traces = getattr(self._client, "traces", None)
        if traces is None:
            raise RejectedExportError(
                "this llmloop installation has no trace ingestion (client.traces is missing)"
            )
        try:
            result = traces.ingest(request)
        except UsageError as exc:
            raise RejectedExportError(f"the store refused the spans: {exc}") from None
        except OperationError as exc:
            raise RetryableExportError(f"the store is unavailable: {exc}") from None
        rejected = int(getattr(result, "rejected", 0))
        accepted = int(getattr(result, "accepted", span_count - rejected))
        return ExportOutcome(accepted=accepted, rejected=rejected)

    def close(self) -> None:
        """Close the store if this sink opened it."""
        if self._owns_client:
            self._client.close()
