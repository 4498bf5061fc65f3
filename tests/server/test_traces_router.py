"""REST specifics of /api/v1/traces and /api/v1/sessions: query parameters and their errors."""

from __future__ import annotations

import httpx2
import pytest

from llmloop.client.local import LocalClient
from llmloop.domain.projects import KeyScope
from llmloop.server.run import ServerThread
from tests.monitor.otlp_builders import agent_trace, make_request


@pytest.fixture
def secret(local_admin: LocalClient) -> str:
    local_admin.traces.ingest(make_request(agent_trace(1) + agent_trace(2, session="s-2")))
    return local_admin.keys.create("reader", project="default", scope=KeyScope.PROJECT).secret


def _get(server: ServerThread, secret: str, path: str, params: object = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx2.get(server.url + path, headers=headers, params=params, timeout=10)


@pytest.mark.parametrize("path", ["/api/v1/traces", "/api/v1/sessions"])
def test_an_unknown_query_parameter_is_refused_by_name(
    server: ServerThread, secret: str, path: str
) -> None:
    response = _get(server, secret, path, {"colour": "red", "limit": 5})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert "colour" in response.json()["error"]["message"]


def test_filters_arrive_as_query_parameters(server: ServerThread, secret: str) -> None:
    ok = _get(server, secret, "/api/v1/traces", [("app", "support-bot"), ("limit", "1")])
    body = ok.json()
    assert ok.status_code == 200, body
    assert len(body["items"]) == 1
    assert body["next_cursor"]
    second = _get(
        server, secret, "/api/v1/traces", {"app": "support-bot", "cursor": body["next_cursor"]}
    )
    assert len(second.json()["items"]) == 1
    assert second.json()["items"][0]["trace_id"] != body["items"][0]["trace_id"]
    tagged = _get(server, secret, "/api/v1/traces", [("tags", "eval"), ("tags", "other")])
    assert tagged.json()["items"] == []


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, "start"),
        ({"start": "2026-01-02T00:00:00"}, "start"),  # no time zone
        ({"sort": "tokens"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_values_are_422_naming_the_field(
    server: ServerThread, secret: str, params: dict[str, str], named: str
) -> None:
    response = _get(server, secret, "/api/v1/traces", params)
    assert response.status_code == 422
    assert named in response.json()["error"]["message"]


def test_unknown_trace_and_session_are_404(server: ServerThread, secret: str) -> None:
    assert _get(server, secret, "/api/v1/traces/" + "e" * 32).status_code == 404
    assert _get(server, secret, "/api/v1/sessions/nobody").status_code == 404
    assert _get(server, secret, "/api/v1/sessions/s-2").json()["session"]["trace_count"] == 1
