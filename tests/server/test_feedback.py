"""The browser-safe feedback endpoint: feedback keys, CORS for it alone, body limits."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator

import httpx2
import pytest

from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.domain.clock import ManualClock
from llmloop.domain.projects import KeyScope
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import Settings, load_settings
from llmloop.store.database import Database
from tests.server.test_auth import CROSS_PROJECT_REQUESTS

TRACE = "0af7651916cd43dd8448eb211c80319c"
ALLOWED = "http://shop.example"
FEEDBACK = "/api/v1/feedback"


@pytest.fixture
def cors_server(
    settings: Settings, database: Database, clock: ManualClock
) -> Iterator[ServerThread]:
    """A server that lets pages from ALLOWED post feedback."""
    allowing = settings.model_copy(update={"feedback_allowed_origins": (ALLOWED,)})
    with ServerThread(create_app(allowing, database=database, clock=clock)) as running:
        yield running


@pytest.fixture
def feedback_key(local_admin: LocalClient) -> str:
    """A public feedback key of project 'default'."""
    created = local_admin.keys.create("web-widget", scope=KeyScope.FEEDBACK, project="default")
    assert created.info.scope is KeyScope.FEEDBACK
    return created.secret


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_feedback_key_posts_feedback(
    cors_server: ServerThread, feedback_key: str, local_admin: LocalClient
) -> None:
    response = httpx2.post(
        cors_server.url + FEEDBACK,
        json={"trace_id": TRACE, "rating": 5, "comment": "spot on", "user_id": "u-1"},
        headers=_auth(feedback_key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["value"], body["source"]) == ("rating", 5.0, "user_feedback")
    stored = local_admin.scores.list(source="user_feedback").items
    assert [(s.name, s.value, s.metadata) for s in stored] == [("rating", 5.0, {"user_id": "u-1"})]
    assert stored[0].author
    assert stored[0].author.startswith("key:")


@pytest.mark.parametrize("endpoint", sorted(set(CROSS_PROJECT_REQUESTS) - {("POST", FEEDBACK)}))
def test_a_feedback_key_may_do_nothing_else(
    server: ServerThread,
    feedback_key: str,
    local_admin: LocalClient,
    endpoint: tuple[str, str],
) -> None:
    method, path = endpoint
    url = server.url + re.sub(r"\{(\w+)\}", "default", path)
    before = (local_admin.scores.list(), local_admin.keys.list(project="default"))
    response = httpx2.request(
        method, url, headers=_auth(feedback_key), timeout=10, **CROSS_PROJECT_REQUESTS[endpoint]
    )
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert "a feedback key can only write feedback" in error["message"]
    assert (local_admin.scores.list(), local_admin.keys.list(project="default")) == before


def test_project_keys_may_post_feedback_too(server: ServerThread, local_admin: LocalClient) -> None:
    secret = local_admin.keys.create("backend", project="default").secret
    response = httpx2.post(
        server.url + FEEDBACK, json={"trace_id": TRACE, "thumbs": False}, headers=_auth(secret)
    )
    assert response.status_code == 200
    assert response.json()["string_value"] == "false"


def test_preflight_from_an_allowed_origin_is_answered(cors_server: ServerThread) -> None:
    response = httpx2.options(
        cors_server.url + FEEDBACK,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers


def test_preflight_from_another_origin_is_refused(cors_server: ServerThread) -> None:
    response = httpx2.options(
        cors_server.url + FEEDBACK,
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_replies_carry_cors_headers_even_errors(
    cors_server: ServerThread, feedback_key: str
) -> None:
    headers = {**_auth(feedback_key), "Origin": ALLOWED}
    ok = httpx2.post(
        cors_server.url + FEEDBACK, json={"trace_id": TRACE, "thumbs": True}, headers=headers
    )
    assert ok.headers["access-control-allow-origin"] == ALLOWED
    refused = httpx2.post(
        cors_server.url + FEEDBACK, json={"trace_id": TRACE, "rating": 6}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.headers["access-control-allow-origin"] == ALLOWED
    assert "rating: 6 is above the maximum 5" in refused.json()["error"]["message"]


def test_no_other_endpoint_gets_cors_headers(
    cors_server: ServerThread, local_admin: LocalClient
) -> None:
    secret = local_admin.keys.create("backend", project="default").secret
    headers = {**_auth(secret), "Origin": ALLOWED}
    for path in ("/api/v1/scores", "/api/v1/project", "/api/v1/score-configs"):
        response = httpx2.get(cors_server.url + path, headers=headers)
        assert response.status_code == 200
        assert not any(h.startswith("access-control-") for h in response.headers)
        preflight = httpx2.options(
            cors_server.url + path,
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in preflight.headers


def test_by_default_no_origin_is_allowed(server: ServerThread) -> None:
    response = httpx2.options(
        server.url + FEEDBACK, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"trace_id": TRACE, "thumbs": True, "mood": "happy"}, 422, "mood: is not a field"),
        ({"trace_id": TRACE}, 422, "exactly one of thumbs or rating"),
        ({"trace_id": TRACE, "rating": 6}, 422, "rating"),
        ({"trace_id": TRACE, "thumbs": "yes"}, 422, "thumbs"),
        ({"trace_id": TRACE, "thumbs": True, "comment": "x" * 2001}, 422, "comment"),
        ({"trace_id": TRACE, "thumbs": True, "comment": "x" * 20_000}, 413, "larger than"),
        ([1, 2], 422, "JSON object"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(
    server: ServerThread,
    feedback_key: str,
    local_admin: LocalClient,
    body: object,
    status: int,
    named: str,
) -> None:
    response = httpx2.post(server.url + FEEDBACK, json=body, headers=_auth(feedback_key))
    assert response.status_code == status, response.text
    assert named in response.json()["error"]["message"]
    assert local_admin.scores.list().items == []


def test_a_body_that_is_not_json_is_refused(server: ServerThread, feedback_key: str) -> None:
    response = httpx2.post(
        server.url + FEEDBACK,
        content=b"thumbs=up",
        headers={**_auth(feedback_key), "Content-Type": "text/plain"},
    )
    assert response.status_code == 422
    assert "not JSON" in response.json()["error"]["message"]


def test_unknown_score_query_parameters_are_named(
    server: ServerThread, local_admin: LocalClient
) -> None:
    secret = local_admin.keys.create("backend", project="default").secret
    response = httpx2.get(
        server.url + "/api/v1/scores", params={"trace": TRACE}, headers=_auth(secret)
    )
    assert response.status_code == 422
    assert "trace" in response.json()["error"]["message"]


def test_concurrent_retries_over_http_store_one_score(
    server: ServerThread, feedback_key: str, local_admin: LocalClient
) -> None:
    body = {"trace_id": TRACE, "thumbs": True, "idempotency_key": "click-1"}
    replies: list[httpx2.Response] = []
    start = threading.Barrier(6)

    def post() -> None:
        start.wait()
        replies.append(
            httpx2.post(server.url + FEEDBACK, json=body, headers=_auth(feedback_key), timeout=30)
        )

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in replies] == [200] * 6
    assert len({r.json()["score_id"] for r in replies}) == 1
    assert len(local_admin.scores.list().items) == 1
    conflicting = httpx2.post(
        server.url + FEEDBACK, json={**body, "thumbs": False}, headers=_auth(feedback_key)
    )
    assert conflicting.status_code == 409
    assert "'click-1' was already used" in conflicting.json()["error"]["message"]


def test_allowed_origins_come_from_a_json_list_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().feedback_allowed_origins == ()
    monkeypatch.setenv("LLMLOOP_FEEDBACK_ALLOWED_ORIGINS", '["https://shop.example", "*"]')
    assert load_settings().feedback_allowed_origins == ("https://shop.example", "*")


def test_feedback_keys_are_made_over_http_and_stop_when_revoked(
    server: ServerThread,
    local_admin: LocalClient,
    http_client_for: Callable[[str], HttpClient],
) -> None:
    admin = http_client_for(local_admin.keys.create("ops", scope=KeyScope.ADMIN).secret)
    made = admin.keys.create("widget", project="default", scope=KeyScope.FEEDBACK)
    assert made.info.scope is KeyScope.FEEDBACK
    assert [k.scope for k in admin.keys.list(project="default")] == [KeyScope.FEEDBACK]
    body = {"trace_id": TRACE, "thumbs": True}
    ok = httpx2.post(server.url + FEEDBACK, json=body, headers=_auth(made.secret))
    assert ok.status_code == 200
    admin.keys.revoke(made.info.key_id, project="default")
    refused = httpx2.post(server.url + FEEDBACK, json=body, headers=_auth(made.secret))
    assert refused.status_code == 401
    missing = httpx2.post(server.url + FEEDBACK, json=body)
    assert missing.status_code == 401
