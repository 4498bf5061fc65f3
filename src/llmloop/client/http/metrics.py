"""Metrics over the REST API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.metrics import MetricsResult, SampleSet

__all__ = ["HttpMetrics"]

_BASE = "/api/v1/metrics"


def _params(fields: dict[str, Any]) -> dict[str, Any]:
    """Query parameters: unset fields left out, times as ISO 8601, lists as repeated keys."""
    params: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or value == () or value == []:
            continue
        if isinstance(value, datetime):
            params[name] = value.isoformat()
        elif isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, str | int):
            params[name] = value
        else:
            params[name] = list(value)
    return params


class HttpMetrics:
    """``MetricsClient`` over ``/api/v1/metrics``; the key's project is the one measured."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def query(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        bucket: str = "1h",
        group_by: str | Sequence[str] = (),
        app: str | None = None,
        version: str | None = None,
        environment: str | None = None,
        variant: str | None = None,
        include_eval: bool = False,
    ) -> MetricsResult:
        """Request metrics per bucket (and group) over ``[start, end)``; default the last 24h."""
        params = _params(
            {
                "start": start,
                "end": end,
                "bucket": bucket,
                "group_by": group_by,
                "app": app,
                "version": version,
                "environment": environment,
                "variant": variant,
                "include_eval": include_eval,
            }
        )
        return MetricsResult.model_validate(self._http.request("GET", _BASE, params=params))

    def samples(
        self,
        app: str,
        *,
        versions: Sequence[str] = (),
        variants: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        environment: str | None = None,
        include_eval: bool = False,
        limit: int = 1_000,
    ) -> SampleSet:
        """The raw requests of two versions (or variants) of *app*, oldest first."""
        params = _params(
            {
                "app": app,
                "versions": versions,
                "variants": variants,
                "start": start,
                "end": end,
                "environment": environment,
                "include_eval": include_eval,
                "limit": limit,
            }
        )
        body = self._http.request("GET", f"{_BASE}/samples", params=params)
        return SampleSet.model_validate(body)
