"""The prompts REST API: wire shapes and refusals of bad bodies, which store nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest

from llmloop.client.local import LocalClient
from llmloop.server.run import ServerThread

P = "/api/v1/prompts"


@pytest.fixture
def api(server: ServerThread, local_admin: LocalClient) -> Iterator[httpx2.Client]:
    secret = local_admin.keys.create("ci", project="default").secret
    with httpx2.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {secret}"}, timeout=10
    ) as client:
        yield client


def test_push_label_and_fetch_over_the_wire(api: httpx2.Client) -> None:
    body = {"content": {"kind": "text", "text": "Hi {{ who }}", "variables": [{"name": "who"}]}}
    pushed = api.post(f"{P}/greet/versions", json={**body, "message": "first"})
    assert pushed.status_code == 200
    assert pushed.json()["created"] is True
    assert pushed.json()["version"]["version"] == 1
    again = api.post(f"{P}/greet/versions", json=body)
    assert (again.status_code, again.json()["created"]) == (200, False)
    labelled = api.put(f"{P}/greet/labels/production", json={"version": 1, "reason": "launch"})
    assert labelled.json()["protected"] is True
    fetched = api.get(f"{P}/greet", params={"label": "production"}).json()
    assert (fetched["version"], fetched["labels"]) == (1, ["production"])
    assert len(fetched["content_hash"]) == 64
    history = api.get(f"{P}/greet/history").json()["items"]
    assert [(e["label"], e["to_version"], e["reason"]) for e in history] == [
        ("production", 1, "launch")
    ]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"content": {"kind": "chat"}}, "content"),
        ({"content": {"kind": "text", "text": "x"}, "surprise": 1}, "surprise"),
        ({"content": {"kind": "text", "text": "{{ x }}"}}, "'x'"),
        ({"content": {"kind": "text", "text": "{{ x"}}, "not valid"),
    ],
)
def test_bad_push_bodies_are_422_and_store_nothing(
    api: httpx2.Client, body: dict[str, object], named: str
) -> None:
    response = api.post(f"{P}/greet/versions", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert named in response.json()["error"]["message"]
    assert api.get(P).json()["items"] == []


def test_a_protected_label_without_a_reason_is_422(api: httpx2.Client) -> None:
    api.post(f"{P}/greet/versions", json={"content": {"kind": "text", "text": "hi"}})
    api.put(f"{P}/greet/labels/production", json={"version": 1, "reason": "launch"})
    refused = api.delete(f"{P}/greet/labels/production")
    assert refused.status_code == 422
    assert "needs a reason" in refused.json()["error"]["message"]
    assert api.get(f"{P}/greet", params={"label": "production"}).status_code == 200
    missing = api.put(f"{P}/greet/labels/staging", json={"version": 5})
    assert missing.status_code == 404
