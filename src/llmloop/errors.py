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
    │   │   └── ContextLengthError    context_length_exceeded 422
    │   ├── NotFoundError             not_found            404
    │   │   └── UnknownModelError     unknown_model        404
    │   ├── ConflictError             conflict             409
    │   ├── AuthenticationError       unauthenticated      401
    │   ├── PermissionDeniedError     permission_denied    403
    │   └── ConfigurationError        invalid_configuration 400
    │       └── ProviderCredentialsError provider_credentials 400
    └── OperationError                operation_failed     500
        ├── StoreUnavailableError     store_unavailable    503
        ├── SchemaVersionError        schema_too_new       503
        ├── ServerUnavailableError    server_unavailable   503
        ├── OverloadedError           overloaded           429
        ├── RemoteError               remote_error         502
        └── ProviderError             provider_error       502
            ├── ProviderTimeoutError  provider_timeout     504
            └── ProviderRateLimitError provider_rate_limited 429
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AuthenticationError",
    "ConfigurationError",
    "ConflictError",
    "ContextLengthError",
    "LlmloopError",
    "NotFoundError",
    "OperationError",
    "OverloadedError",
    "PermissionDeniedError",
    "ProviderCredentialsError",
    "ProviderError",
    "ProviderRateLimitError",
    "ProviderTimeoutError",
    "RemoteError",
    "SchemaVersionError",
    "ServerUnavailableError",
    "StoreUnavailableError",
    "UnknownModelError",
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


class ContextLengthError(ValidationError):
    """The conversation does not fit the model's context window."""

    code = "context_length_exceeded"


class UnknownModelError(NotFoundError):
    """The model provider does not know the model id it was asked for."""

    code = "unknown_model"


class ProviderCredentialsError(ConfigurationError):
    """A model provider profile has no API key, or the provider refused the key."""

    code = "provider_credentials"


class ProviderError(OperationError):
    """A model provider failed to answer (after any retries).

    ``status`` is the provider's HTTP status when there was one; ``retry_after_s`` what the
    provider asked the caller to wait; ``retryable`` whether trying again may succeed.
    """

    code = "provider_error"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        retry_after_s: float | None = None,
        retryable: bool = False,
    ) -> None:
        self.status = status
        self.retry_after_s = retry_after_s
        self.retryable = retryable
        super().__init__(message, hint=hint)


class ProviderTimeoutError(ProviderError):
    """A model provider did not answer within the profile's timeout."""

    code = "provider_timeout"


class ProviderRateLimitError(ProviderError):
    """A model provider refused the call for now (rate limit or overload)."""

    code = "provider_rate_limited"


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
