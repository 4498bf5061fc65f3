"""Tracing's process-wide state: ``configure``, ``flush``, ``shutdown`` and the atexit hook.

With no ``configure()`` call, the first span configures tracing with the defaults and the
sink follows the settings (``LLMLOOP_SERVER_URL`` / ``LLMLOOP_API_KEY`` send to a server,
otherwise the embedded store). Settings and the sink are resolved on the exporter's thread,
so the first span costs the caller nothing but starting that thread.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from llmloop.errors import ValidationError
from llmloop.sdk import attributes as names
from llmloop.sdk.exporter import BatchExporter, FlushResult, RetryPolicy
from llmloop.sdk.sinks import EmbeddedSink, OtlpHttpSink, SpanSink
from llmloop.sdk.spans import LlmloopSpan, Recorder

if TYPE_CHECKING:
    from llmloop.domain.clock import Clock
    from llmloop.sdk.otlp import Mask

__all__ = ["FlushResult", "configure", "flush", "get_recorder", "shutdown"]

_lock = threading.Lock()


def _new_lock_after_fork() -> None:
    global _lock
    _lock = threading.Lock()  # a lock held by another thread at fork time stays held forever


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)
_recorder: Recorder | None = None
_exporter: BatchExporter | None = None
_atexit_timeout_s = 5.0
_atexit_registered = False


def _version() -> str:
    from llmloop import __version__

    return __version__


def _settings_sink(server_url: str | None, api_key: str | None, timeout_s: float) -> SpanSink:
    """The sink the settings call for (run on the exporter's thread)."""
    from llmloop.settings import load_settings

    settings = load_settings(server_url=server_url, api_key=api_key)
    if settings.server_url:
        key = settings.api_key.get_secret_value() if settings.api_key else None
        return OtlpHttpSink.for_server(settings.server_url, api_key=key, timeout_s=timeout_s)
    return EmbeddedSink.from_settings(settings)


def _check_range(name: str, value: float, low: float, high: float | None = None) -> None:
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValidationError(
            f"configure({name}={value!r}): must be {bounds}",
            hint=f"Pass a {name} {bounds}.",
        )


def configure(
    *,
    server_url: str | None = None,
    api_key: str | None = None,
    otlp_endpoint: str | None = None,
    client: Any = None,
    sink: SpanSink | None = None,
    sample_ratio: float = 1.0,
    capture_content: bool = True,
    mask: Mask | None = None,
    app: str | None = None,
    app_version: str | None = None,
    environment: str | None = None,
    service_name: str | None = None,
    max_queue_spans: int = 2048,
    max_batch_spans: int = 256,
    export_interval_s: float = 1.0,
    max_value_chars: int = 32_000,
    retry: RetryPolicy | None = None,
    export_timeout_s: float = 10.0,
    atexit_timeout_s: float = 5.0,
    clock: Clock | None = None,
) -> None:
    """Configure tracing for this process; call once at start-up (again replaces it).

    Where spans go, first match wins: *sink* (any :class:`SpanSink`); *client* (an embedded
    ``LocalClient``, through ``client.traces.ingest``); *otlp_endpoint* (the full URL of any
    OTLP/HTTP receiver); *server_url* / *api_key* (an llmloop server); else the settings
    (``LLMLOOP_SERVER_URL`` and ``LLMLOOP_API_KEY``, or the embedded store). A wrong URL or
    key is never raised here or later: the export fails, is counted and logged once.
    *sample_ratio* keeps that share of traces (decided per trace id); *capture_content*
    ``False`` records no inputs, outputs or messages; *mask* sees every content text before
    it leaves the process. *app*, *app_version* and *environment* go on every span.
    *clock* (tests, simulations) timestamps spans; by default the system's time does.
    """
    _check_range("sample_ratio", sample_ratio, 0.0, 1.0)
    _check_range("max_queue_spans", max_queue_spans, 1)
    _check_range("max_batch_spans", max_batch_spans, 1)
    _check_range("export_interval_s", export_interval_s, 0.001)
    _check_range("max_value_chars", max_value_chars, 16)
    if mask is not None and not callable(mask):
        raise ValidationError(
            "configure(mask=...): the masking hook must be a function of one string",
            hint="Pass a callable like `lambda text: text.replace(secret, '***')`.",
        )
    if sink is not None:
        chosen: SpanSink = sink

        def sink_factory() -> SpanSink:
            return chosen

    elif client is not None:

        def sink_factory() -> SpanSink:
            return EmbeddedSink(client)

    elif otlp_endpoint is not None:

        def sink_factory() -> SpanSink:
            return OtlpHttpSink(otlp_endpoint, api_key=api_key, timeout_s=export_timeout_s)

    else:

        def sink_factory() -> SpanSink:
            return _settings_sink(server_url, api_key, export_timeout_s)

    defaults = {
        key: value
        for key, value in (
            (names.APP, app),
            (names.APP_VERSION, app_version),
            (names.ENVIRONMENT, environment),
        )
        if value is not None
    }
    resource = {
        "service.name": service_name or app or "unknown_service",
        "telemetry.sdk.name": "llmloop",
        "telemetry.sdk.language": "python",
        "telemetry.sdk.version": _version(),
    }
    _install(
        sink_factory,
        resource=resource,
        mask=mask,
        sample_ratio=sample_ratio,
        capture_content=capture_content,
        max_value_chars=max_value_chars,
        defaults=defaults,
        exporter_options={
            "max_queue_spans": max_queue_spans,
            "max_batch_spans": max_batch_spans,
            "export_interval_s": export_interval_s,
            "retry": retry,
        },
        atexit_timeout_s=atexit_timeout_s,
        clock=clock,
    )


def _install(
    sink_factory: Callable[[], SpanSink],
    *,
    resource: Mapping[str, Any],
    mask: Mask | None,
    sample_ratio: float,
    capture_content: bool,
    max_value_chars: int,
    defaults: Mapping[str, str],
    exporter_options: Mapping[str, Any],
    atexit_timeout_s: float,
    clock: Clock | None,
) -> None:
    global _recorder, _exporter, _atexit_timeout_s, _atexit_registered
    version = _version()

    def encode(spans: list[LlmloopSpan]) -> Any:
        from llmloop.sdk.otlp import encode_spans  # protobuf loads on the exporter's thread

        return encode_spans(spans, resource=resource, scope_version=version, mask=mask)

    exporter = BatchExporter(sink_factory, encode, **exporter_options)
    recorder = Recorder(
        sample_ratio=sample_ratio,
        capture_content=capture_content,
        max_value_chars=max_value_chars,
        on_end=exporter.offer,
        default_attributes=defaults,
        clock=clock,
    )
    with _lock:
        previous = _exporter
        _recorder, _exporter = recorder, exporter
        _atexit_timeout_s = atexit_timeout_s
        if not _atexit_registered:
            atexit.register(_at_exit)
            _atexit_registered = True
    if previous is not None:
        previous.shutdown(atexit_timeout_s)


def get_recorder() -> Recorder:
    """The recorder in force; the first call with no ``configure()`` configures defaults."""
    recorder = _recorder
    if recorder is None:
        with _lock:
            configured = _recorder is not None
        if not configured:
            configure()
        recorder = _recorder
        assert recorder is not None
    return recorder


def flush(timeout: float = 5.0) -> FlushResult:
    """Export every span ended so far, waiting at most *timeout* seconds; never raises.

    Returns how many spans were sent, dropped and failed since the previous flush, and how
    many were still pending when the time ran out.
    """
    exporter = _exporter
    if exporter is None:
        return FlushResult()
    return exporter.flush(timeout)


def shutdown(timeout: float = 5.0) -> FlushResult:
    """Flush, stop the exporter thread and stop tracing (``configure()`` starts it again)."""
    global _recorder, _exporter
    with _lock:
        exporter = _exporter
        _exporter = None
        # Spans started after shutdown are not recorded at all: a ratio of 0 samples none.
        _recorder = Recorder(
            sample_ratio=0.0, capture_content=False, max_value_chars=16, on_end=_ignore
        )
    if exporter is None:
        return FlushResult()
    return exporter.shutdown(timeout)


def reset_for_tests() -> None:
    """Shut tracing down and forget it, so the next span configures defaults again."""
    global _recorder
    shutdown(1.0)
    with _lock:
        _recorder = None


def _ignore(span: LlmloopSpan) -> None:
    return None


def _at_exit() -> None:
    exporter = _exporter
    if exporter is not None:
        exporter.shutdown(_atexit_timeout_s)
