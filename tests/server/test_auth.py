"""Every endpoint but /healthz needs a key, and a key sees only its own project."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest

from llmloop.client.local import LocalClient
from llmloop.domain.projects import KeyScope
from llmloop.server.run import ServerThread

# One request per endpoint, aimed at project "victim"'s resources. {key_id} is a key of the
# victim project. A new endpoint must be added here, or test_every_route_is_covered fails.
CROSS_PROJECT_REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/projects"): {},
    ("POST", "/api/v1/projects"): {"json": {"name": "intruder"}},
    ("GET", "/api/v1/projects/{project}"): {},
    ("GET", "/api/v1/project"): {},
    ("GET", "/api/v1/projects/{project}/keys"): {},
    ("POST", "/api/v1/projects/{project}/keys"): {"json": {"name": "stolen"}},
    ("DELETE", "/api/v1/projects/{project}/keys/{key_id}"): {},
    ("GET", "/api/v1/admin-keys"): {},
    ("POST", "/api/v1/admin-keys"): {"json": {"name": "stolen"}},
    ("DELETE", "/api/v1/admin-keys/{key_id}"): {},
}
UNAUTHENTICATED = {("GET", "/healthz")}
DOCS = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}


def _routes(server: ServerThread) -> set[tuple[str, str]]:
    document = httpx2.get(f"{server.url}/api/v1/openapi.json").json()
    return {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}


def test_every_route_is_covered(server: ServerThread) -> None:
    routes = _routes(server) - UNAUTHENTICATED - DOCS
    assert routes == set(CROSS_PROJECT_REQUESTS)


@pytest.fixture
def victim(local_admin: LocalClient) -> dict[str, str]:
    local_admin.projects.create("victim", description="secret plans")
    victim_key = local_admin.keys.create("victim-ci", project="victim")
    local_admin.projects.create("attacker")
    attacker_key = local_admin.keys.create("attacker-ci", project="attacker")
    return {
        "project": "victim",
        "key_id": victim_key.info.key_id,
        "victim_secret": victim_key.secret,
        "attacker_secret": attacker_key.secret,
    }


def _send(
    server: ServerThread,
    method: str,
    path: str,
    secret: str | None,
    victim: dict[str, str],
    **kwargs: Any,
) -> httpx2.Response:
    url = server.url + re.sub(r"\{(\w+)\}", lambda m: victim[m.group(1)], path)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return httpx2.request(method, url, headers=headers, timeout=10, **kwargs)


@pytest.mark.parametrize("endpoint", sorted(CROSS_PROJECT_REQUESTS))
def test_another_projects_key_sees_and_changes_nothing(
    server: ServerThread,
    local_admin: LocalClient,
    victim: dict[str, str],
    endpoint: tuple[str, str],
) -> None:
    method, path = endpoint
    before = (
        local_admin.projects.list(),
        local_admin.keys.list(project="victim"),
        local_admin.keys.list(scope=KeyScope.ADMIN),
    )
    response = _send(
        server, method, path, victim["attacker_secret"], victim, **CROSS_PROJECT_REQUESTS[endpoint]
    )
    if response.status_code == 200:
        # Only reads of the attacker's own project may succeed.
        assert "victim" not in response.text
        assert victim["key_id"] not in response.text
    else:
        assert response.status_code in (403, 404), response.text
        assert response.json()["error"]["code"] in ("permission_denied", "not_found")
    after = (
        local_admin.projects.list(),
        local_admin.keys.list(project="victim"),
        local_admin.keys.list(scope=KeyScope.ADMIN),
    )
    assert after == before


@pytest.mark.parametrize("endpoint", sorted(CROSS_PROJECT_REQUESTS))
@pytest.mark.parametrize("secret", [None, "llk_000000000000_wrong", "not-even-a-key"])
def test_missing_or_wrong_keys_get_401(
    server: ServerThread, victim: dict[str, str], endpoint: tuple[str, str], secret: str | None
) -> None:
    method, path = endpoint
    response = _send(server, method, path, secret, victim, **CROSS_PROJECT_REQUESTS[endpoint])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_key_stops_at_once(
    server: ServerThread, local_admin: LocalClient, victim: dict[str, str]
) -> None:
    ok = _send(server, "GET", "/api/v1/project", victim["victim_secret"], victim)
    assert ok.json()["name"] == "victim"
    local_admin.keys.revoke(victim["key_id"], project="victim")
    refused = _send(server, "GET", "/api/v1/project", victim["victim_secret"], victim)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]["message"]


def test_healthz_needs_no_key(server: ServerThread) -> None:
    body = httpx2.get(f"{server.url}/healthz").json()
    assert body["status"] == "ok"
    assert body["schema_revision"]
