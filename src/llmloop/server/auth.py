"""Authentication: every request but ``/healthz`` carries ``Authorization: Bearer <key>``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from llmloop.client.local import LocalClient
from llmloop.domain.projects import ApiKeyInfo, KeyScope, Principal
from llmloop.errors import AuthenticationError, PermissionDeniedError
from llmloop.server.state import ServerState
from llmloop.store.projects import ApiKeyRepository

__all__ = [
    "ClientForFeedbackKey",
    "ClientForKey",
    "client_for_feedback_key",
    "client_for_key",
]

_bearer = HTTPBearer(auto_error=False, description="An llmloop API key.")


def client_for_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> LocalClient:
    """The embedded client acting as the key's holder, limited to the key's project.

    Feedback keys are refused: they are public (shipped in web pages), so they may only post
    end-user feedback (see :func:`client_for_feedback_key`).
    """
    info = _authenticate(request, credentials)
    if info.scope is KeyScope.FEEDBACK:
        raise PermissionDeniedError(
            "a feedback key can only write feedback (POST /api/v1/feedback)",
            hint="Use a project key (`llmloop key create NAME`) for everything else.",
        )
    return _client_for(request, info)


def client_for_feedback_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> LocalClient:
    """The embedded client of a feedback key or a project key: what the feedback endpoint uses."""
    return _client_for(request, _authenticate(request, credentials))


def _authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> ApiKeyInfo:
    if credentials is None or not credentials.credentials:
        raise AuthenticationError(
            "this endpoint needs an API key",
            hint="Send 'Authorization: Bearer <key>'; make a key with `llmloop key create`.",
        )
    state = ServerState.of(request.app)
    with state.database.session() as session:
        info = ApiKeyRepository(session).authenticate(credentials.credentials)
    if info is None:
        raise AuthenticationError(
            "the API key is unknown or revoked",
            hint="Check the key, or make a new one with `llmloop key create`.",
        )
    return info


def _client_for(request: Request, info: ApiKeyInfo) -> LocalClient:
    state = ServerState.of(request.app)
    principal = Principal(
        actor=f"key:{info.key_id}", project=info.project, admin=info.scope is KeyScope.ADMIN
    )
    return LocalClient(
        state.database,
        principal,
        clock=state.clock,
        protected_labels=state.settings.protected_labels,
    )


ClientForKey = Annotated[LocalClient, Depends(client_for_key)]
ClientForFeedbackKey = Annotated[LocalClient, Depends(client_for_feedback_key)]
