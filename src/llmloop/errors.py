"""The one exception tree of llmloop.

Every error that reaches a user says what was wrong and what to do about it. Errors fall in
two families: *misuse* (the caller must change something: input, configuration, credentials)
and *run-time failures* (something outside the caller's request failed: a database, a server,
a model provider). The server maps each class to an HTTP status in one place
(``llmloop.server.errors``); the HTTP client maps the ``code`` back to the same class, so code
that talks to a server sees the same exceptions as code that talks to the embedded store::

    LlmloopError                      code                 HTTP
    ├── UsageError                    usage_error          400
    │   ├── ValidationError           invalid_input        422
    │   ├── NotFoundError             not_found            404
    │   ├── ConflictError             conflict             409
    │   ├── AuthenticationError       unauthenticated      401
    │   ├── PermissionDeniedError     permission_denied    403
    │   └── ConfigurationError        invalid_configuration 400
    └── OperationError                operation_failed     500
        ├── StoreUnavailableError     store_unavailable    503
        ├── SchemaVersionError        schema_too_new       503
        ├── ServerUnavailableError    server_unavailable   503
        ├── OverloadedError           overloaded           429
        └── RemoteError               remote_error         502
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "LlmloopError",
    "NotFoundError",
    "OperationError",
    "OverloadedError",
    "PermissionDeniedError",
    "RemoteError",
    "SchemaVersionError",
    "ServerUnavailableError",
    "StoreUnavailableError",
    "UsageError",
    "ValidationError",
    "error_class_for_code",
]


class LlmloopError(Exception):
    """Base of every error llmloop raises on purpose.

    ``message`` says what was wrong; ``hint`` says what to do. ``str(error)`` joins both.
    """

    code: ClassVar[str] = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message.rstrip('.')}. {self.hint}"
        return self.message


class UsageError(LlmloopError):
    """Misuse: the caller must change something (input, configuration, credentials)."""

    code = "usage_error"


class ValidationError(UsageError):
    """The input is malformed or breaks a rule; the message names the field."""

    code = "invalid_input"


class NotFoundError(UsageError):
    """The named thing does not exist (or is not visible with these credentials)."""

    code = "not_found"


class ConflictError(UsageError):
    """The request clashes with what is stored (a duplicate name, a stale state)."""

    code = "conflict"


class AuthenticationError(UsageError):
    """No API key, or a key that is wrong or revoked."""

    code = "unauthenticated"


class PermissionDeniedError(UsageError):
    """The key is valid but may not do this."""

    code = "permission_denied"


class ConfigurationError(UsageError):
    """A setting is missing or wrong."""

    code = "invalid_configuration"


class OperationError(LlmloopError):
    """Run-time failure: something outside the caller's request failed."""

    code = "operation_failed"


class StoreUnavailableError(OperationError):
    """The database cannot be reached or used."""

    code = "store_unavailable"


class SchemaVersionError(OperationError):
    """The database was written by a newer llmloop than this one."""

    code = "schema_too_new"


class ServerUnavailableError(OperationError):
    """The llmloop server cannot be reached."""

    code = "server_unavailable"


class OverloadedError(OperationError):
    """The server is busy; retry after a pause."""

    code = "overloaded"


class RemoteError(OperationError):
    """The server answered with an error this client does not know."""

    code = "remote_error"


def _all_subclasses(cls: type[LlmloopError]) -> list[type[LlmloopError]]:
    found: list[type[LlmloopError]] = [cls]
    for sub in cls.__subclasses__():
        found.extend(_all_subclasses(sub))
    return found


def error_class_for_code(code: str) -> type[LlmloopError]:
    """Return the error class whose ``code`` is *code* (``RemoteError`` when unknown)."""
    for cls in _all_subclasses(LlmloopError):
        if cls.code == code:
            return cls
    return RemoteError
