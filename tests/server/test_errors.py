"""Errors reach HTTP clients as JSON with a code and a message that says what to do."""

from __future__ import annotations

import httpx2
import pytest

from llmloop.client.local import LocalClient
from llmloop.domain.projects import KeyScope
from llmloop.errors import (
    ConflictError,
    ContextLengthError,
    LlmloopError,
    NotFoundError,
    OperationError,
    ProviderCredentialsError,
    ProviderError,
    ProviderRateLimitError,
    ProviderTimeoutError,
    StoreUnavailableError,
    UnknownModelError,
    ValidationError,
)
from llmloop.server.errors import status_for
from llmloop.server.run import ServerThread


@pytest.fixture
def admin_headers(local_admin: LocalClient) -> dict[str, str]:
    secret = local_admin.keys.create("admin", scope=KeyScope.ADMIN).secret
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "JSON"),
        (b'{"description": "no name"}', "body.name"),
        (b'{"name": "ok", "surprise": 1}', "body.surprise"),
        (b'{"name": 42}', "body.name"),
    ],
)
def test_malformed_bodies_get_422_naming_the_field(
    server: ServerThread,
    admin_headers: dict[str, str],
    local_admin: LocalClient,
    body: bytes,
    needle: str,
) -> None:
    before = local_admin.projects.list()
    response = httpx2.post(
        f"{server.url}/api/v1/projects",
        content=body,
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert needle in error["message"]
    assert local_admin.projects.list() == before


def test_unknown_routes_are_json_404(server: ServerThread, admin_headers: dict[str, str]) -> None:
    response = httpx2.get(f"{server.url}/api/v1/nothing-here", headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("x"), 422),
        (NotFoundError("x"), 404),
        (ConflictError("x"), 409),
        (StoreUnavailableError("x"), 503),
        (ContextLengthError("x"), 422),
        (UnknownModelError("x"), 404),
        (ProviderCredentialsError("x"), 400),
        (ProviderError("x"), 502),
        (ProviderTimeoutError("x"), 504),
        (ProviderRateLimitError("x"), 429),
        (OperationError("x"), 500),
        (LlmloopError("x"), 500),
    ],
)
def test_each_error_class_has_one_status(error: LlmloopError, status: int) -> None:
    assert status_for(error) == status
