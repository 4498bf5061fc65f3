"""Every endpoint but /healthz needs a key, and a key sees only its own project."""

from __future__ import annotations

import re
from typing import Any

import httpx2
import pytest

from llmloop.client.local import LocalClient
from llmloop.domain.apps import PromptAppSpec
from llmloop.domain.model_refs import ModelRefSpec
from llmloop.domain.projects import KeyScope, Principal
from llmloop.domain.prompts import PromptContent, PromptKind
from llmloop.domain.scores import ScoreConfigSpec, ScoreDataType
from llmloop.server.run import ServerThread
from tests.monitor.otlp_builders import agent_trace, make_request

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
    ("GET", "/api/v1/prompts"): {},
    ("GET", "/api/v1/prompts/{prompt}"): {"params": {"label": "production"}},
    ("GET", "/api/v1/prompts/{prompt}/versions"): {},
    ("POST", "/api/v1/prompts/{prompt}/versions"): {
        "json": {"content": {"kind": "text", "text": "overwritten"}, "message": "mine now"}
    },
    ("PUT", "/api/v1/prompts/{prompt}/labels/{label}"): {"json": {"version": 1, "reason": "x"}},
    ("DELETE", "/api/v1/prompts/{prompt}/labels/{label}"): {"params": {"reason": "x"}},
    ("GET", "/api/v1/prompts/{prompt}/history"): {},
    ("GET", "/api/v1/apps"): {},
    ("GET", "/api/v1/apps/{app}"): {},
    ("GET", "/api/v1/apps/{app}/versions"): {},
    ("GET", "/api/v1/apps/{app}/versions/{version}"): {},
    # An app pushed with the attacker's key lands in the attacker's project.
    ("POST", "/api/v1/apps/{app}/versions"): {
        "json": {"spec": {"kind": "python", "entrypoint": "mine.bot:answer"}}
    },
    ("GET", "/api/v1/model-refs"): {},
    ("GET", "/api/v1/model-refs/{model_ref}"): {},
    # Metrics and samples read only the key's own project: the victim's traces stay out.
    ("GET", "/api/v1/metrics"): {"params": {"app": "support-bot", "group_by": "version"}},
    ("GET", "/api/v1/metrics/samples"): {"params": {"app": "support-bot", "versions": "1"}},
    # A model reference added with the attacker's key lands in the attacker's project.
    ("POST", "/api/v1/model-refs"): {
        "json": {"name": "support-ft", "spec": {"provider": "local", "provider_model": "mine"}}
    },
    ("GET", "/api/v1/scores"): {"params": {"trace_id": "0af7651916cd43dd8448eb211c80319c"}},
    ("GET", "/api/v1/scores/{score_id}"): {},
    # A score or feedback sent with the attacker's key lands in the attacker's project.
    ("POST", "/api/v1/scores"): {
        "json": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "name": "q", "value": 0.0}
    },
    ("POST", "/api/v1/feedback"): {
        "json": {"trace_id": "0af7651916cd43dd8448eb211c80319c", "thumbs": False}
    },
    ("GET", "/api/v1/score-configs"): {},
    ("GET", "/api/v1/traces"): {"params": {"app": "support-bot", "tags": "eval"}},
    ("GET", "/api/v1/traces/{trace_id}"): {},
    ("GET", "/api/v1/sessions"): {},
    ("GET", "/api/v1/sessions/{session_id}"): {},
    ("GET", "/api/v1/score-configs/{score_config}"): {},
    ("PUT", "/api/v1/score-configs/{score_config}"): {"json": {"data_type": "boolean"}},
    # Spans sent with the attacker's key land in the attacker's project (tests/server/test_otlp).
    ("POST", "/v1/traces"): {
        "json": {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": [{"key": "llmloop.app", "value": {"stringValue": "victim"}}]
                    },
                    "scopeSpans": [
                        {
                            "spans": [
                                {
                                    "traceId": "0af7651916cd43dd8448eb211c80319c",
                                    "spanId": "b7ad6b7169203331",
                                    "name": "planted",
                                    "startTimeUnixNano": "1767225000000000000",
                                    "endTimeUnixNano": "1767225000100000000",
                                }
                            ]
                        }
                    ],
                }
            ]
        }
    },
}
UNAUTHENTICATED = {("GET", "/healthz")}
DOCS = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}


def _routes(server: ServerThread) -> set[tuple[str, str]]:
    document = httpx2.get(f"{server.url}/api/v1/openapi.json").json()
    return {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}


def test_every_route_is_covered(server: ServerThread) -> None:
    routes = _routes(server) - UNAUTHENTICATED - DOCS
    assert routes == set(CROSS_PROJECT_REQUESTS)


def _victim_client(local_admin: LocalClient) -> LocalClient:
    return LocalClient(
        local_admin.context.database,
        Principal(actor="local:victim", project="victim", admin=False),
        clock=local_admin.context.clock,
    )


def _victim_prompts(local_admin: LocalClient) -> tuple[Any, ...]:
    victim = _victim_client(local_admin)
    prompts = victim.prompts
    apps = (victim.apps.list(), victim.apps.versions("support-bot"))
    model_refs = victim.model_refs.list()
    scores = (victim.scores.list(), victim.scores.list_configs())
    traces = (victim.traces.list(), victim.traces.sessions())
    return (
        prompts.list(),
        prompts.versions("plans"),
        prompts.history("plans"),
        apps,
        model_refs,
        scores,
        traces,
    )


@pytest.fixture
def victim(local_admin: LocalClient) -> dict[str, str]:
    local_admin.projects.create("victim", description="secret plans")
    victim_key = local_admin.keys.create("victim-ci", project="victim")
    local_admin.projects.create("attacker")
    attacker_key = local_admin.keys.create("attacker-ci", project="attacker")
    prompts = _victim_client(local_admin).prompts
    prompts.push("plans", PromptContent(kind=PromptKind.TEXT, text="secret plans"))
    prompts.set_label("plans", "production", 1, reason="launch")
    app = _victim_client(local_admin).apps.push(
        "support-bot", PromptAppSpec(prompt="plans:production", model="local/extractive")
    )
    _victim_client(local_admin).model_refs.add(
        "support-ft", ModelRefSpec(provider="openai", provider_model="ft:victim-secret")
    )
    victim_scores = _victim_client(local_admin).scores
    victim_scores.set_config("q", ScoreConfigSpec(data_type=ScoreDataType.NUMERIC, max_value=1))
    score = victim_scores.add("0af7651916cd43dd8448eb211c80319c", "q", 1.0, comment="secret")
    victim_trace = agent_trace(7, session="victim-session", user="victim-user")
    _victim_client(local_admin).traces.ingest(make_request(victim_trace))
    return {
        "trace_id": victim_trace[0].trace_id.hex(),
        "session_id": "victim-session",
        "score_id": score.score_id,
        "score_config": "q",
        "model_ref": "support-ft",
        "app": "support-bot",
        "version": str(app.version.version),
        "prompt": "plans",
        "label": "production",
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
        _victim_prompts(local_admin),
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
        _victim_prompts(local_admin),
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
