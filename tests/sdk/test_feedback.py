"""``llmloop.feedback``: stores feedback through the configured client, never raises at run time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

import llmloop
from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.domain.projects import KeyScope
from llmloop.domain.scores import ScoreSource
from llmloop.errors import ValidationError
from llmloop.sdk import feedback as feedback_module
from llmloop.server.run import ServerThread
from llmloop.settings import load_settings

TRACE = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture(autouse=True)
def _fresh_default_client() -> Iterator[None]:
    feedback_module.close_default_client()
    yield
    feedback_module.close_default_client()


def test_feedback_is_stored_through_a_given_client(local_admin: LocalClient) -> None:
    result = llmloop.feedback(TRACE, thumbs=True, comment="thanks", client=local_admin)
    assert result.ok
    assert result.score is not None
    assert result.score.source is ScoreSource.USER_FEEDBACK
    assert [s.name for s in local_admin.scores.list().items] == ["thumbs"]


def test_the_default_client_comes_from_settings(
    server: ServerThread, local_admin: LocalClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = local_admin.keys.create("widget", project="default", scope=KeyScope.FEEDBACK)
    monkeypatch.setenv("LLMLOOP_SERVER_URL", server.url)
    monkeypatch.setenv("LLMLOOP_API_KEY", key.secret)
    result = llmloop.feedback(TRACE, rating=4, user_id="u-7", idempotency_key="k1")
    assert result.ok, result.error
    again = llmloop.feedback(TRACE, rating=4, user_id="u-7", idempotency_key="k1")
    assert again.score == result.score
    stored = local_admin.scores.list(source="user_feedback").items
    assert [(s.name, s.value, s.metadata) for s in stored] == [("rating", 4.0, {"user_id": "u-7"})]


def test_run_time_failures_are_returned_counted_and_logged(
    server: ServerThread,
    local_admin: LocalClient,
    http_client_for: Callable[[str], HttpClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = local_admin.keys.create("widget", project="default", scope=KeyScope.FEEDBACK)
    client = http_client_for(key.secret)
    before = feedback_module.failure_count()
    with caplog.at_level(logging.WARNING, logger="llmloop.sdk.feedback"):
        out_of_range = llmloop.feedback(TRACE, rating=6, client=client)
    assert not out_of_range.ok
    assert out_of_range.error is not None
    assert "rating: 6 is above the maximum 5" in out_of_range.error
    assert "feedback was not recorded" in caplog.text
    assert key.secret not in caplog.text
    unreachable = HttpClient.from_settings(
        load_settings(server_url="http://127.0.0.1:9", api_key=key.secret, http_timeout_s=2)
    )
    try:
        down = llmloop.feedback(TRACE, thumbs=True, client=unreachable)
    finally:
        unreachable.close()
    assert not down.ok
    assert down.error is not None
    assert "could not be reached" in down.error
    assert feedback_module.failure_count() == before + 2
    assert local_admin.scores.list().items == []


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({}, "exactly one of thumbs or rating"),
        ({"thumbs": True, "rating": 3}, "exactly one of thumbs or rating"),
        ({"thumbs": True, "comment": "x" * 2001}, "comment"),
    ],
)
def test_programming_errors_raise_at_once(
    local_admin: LocalClient, kwargs: dict[str, object], named: str
) -> None:
    before = feedback_module.failure_count()
    with pytest.raises(ValidationError, match=named):
        llmloop.feedback(TRACE, client=local_admin, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="trace_id"):
        llmloop.feedback("not-a-trace-id", thumbs=True, client=local_admin)
    assert feedback_module.failure_count() == before
    assert local_admin.scores.list().items == []
