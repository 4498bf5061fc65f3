"""Ingest results: OTLP's partial-success message names every reason, or says how many more."""

from __future__ import annotations

from llmloop.domain.traces import MAX_REPORTED_ERRORS, IngestResult


def test_the_error_message_joins_the_reasons() -> None:
    result = IngestResult(accepted=1, rejected=2, errors=["span a: x", "span b: y"])
    assert result.error_message == "span a: x; span b: y"
    assert IngestResult(accepted=3, rejected=0).error_message == ""


def test_reasons_beyond_the_limit_are_counted() -> None:
    reasons = [f"span {n}: bad" for n in range(MAX_REPORTED_ERRORS)]
    result = IngestResult(accepted=0, rejected=MAX_REPORTED_ERRORS + 5, errors=reasons)
    assert result.error_message.endswith("span 19: bad; and 5 more")
