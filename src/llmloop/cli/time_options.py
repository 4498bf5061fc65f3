"""Time options shared by the CLI's listings: ISO 8601 moments and ``--since 24h`` windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from llmloop.domain.clock import Clock
from llmloop.domain.metrics import bucket_seconds
from llmloop.errors import ValidationError

__all__ = ["parse_moment", "parse_window"]


def parse_moment(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time given after *option*; one without a time zone is taken as UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            f"{option}: {value!r} is not an ISO 8601 time",
            hint=f"Write it like 2026-11-29T09:00:00Z or 2026-11-29 after {option}.",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_window(
    *, since: str | None, start: str | None, end: str | None, clock: Clock
) -> tuple[datetime | None, datetime | None]:
    """``(start, end)`` from ``--start``/``--end``, or ``--since 24h`` (ending at --end or now)."""
    until = parse_moment(end, "--end")
    if since is None:
        return parse_moment(start, "--start"), until
    if start is not None:
        raise ValidationError(
            "--since and --start both set the start of the window",
            hint="Give --since 24h alone, or --start/--end with ISO times.",
        )
    try:
        length = timedelta(seconds=bucket_seconds(since.strip()))
    except ValueError:
        raise ValidationError(
            f"--since: {since!r} is not a duration", hint="Write e.g. 30m, 24h or 7d."
        ) from None
    until = until or clock.now()
    return until - length, until
