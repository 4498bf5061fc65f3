"""Turning what a provider's HTTP API said into one llmloop error.

Both SDK adapters reduce their exceptions to an HTTP status, the provider's error code and
message and a Retry-After, then call :func:`error_for_status`, so "a 429 is retried", "a 401
is a credentials problem" and "a too-long prompt is a ContextLengthError" are decided once.
Provider messages are shortened and scrubbed of the configured key before they are shown.
"""

from __future__ import annotations

import re

from llmloop.errors import (
    ContextLengthError,
    LlmloopError,
    ProviderCredentialsError,
    ProviderError,
    ProviderRateLimitError,
    ProviderTimeoutError,
    UnknownModelError,
    ValidationError,
)

__all__ = [
    "connection_error",
    "error_for_status",
    "scrub",
    "timeout_error",
]

_MAX_MESSAGE_CHARS = 300
_CONTEXT_OVERFLOW = re.compile(
    r"context[_ ]length|context window|maximum context|prompt is too long|too many tokens"
    r"|input is too long",
    re.IGNORECASE,
)
# 529 is Anthropic's "overloaded"; 408 and 409 are documented as safe to retry by both vendors.
_RETRYABLE_CLIENT_STATUSES = frozenset({408, 409})


def scrub(message: str, secret: str | None) -> str:
    """Shorten a provider's message and remove the API key from it."""
    text = " ".join(message.split())
    if secret:
        text = text.replace(secret, "***")
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[: _MAX_MESSAGE_CHARS - 1] + "…"
    return text


def error_for_status(
    *,
    provider: str,
    model: str,
    status: int,
    code: str | None,
    message: str,
    retry_after_s: float | None,
) -> LlmloopError:
    """The llmloop error for an HTTP error reply of provider profile *provider*."""
    where = f"provider {provider!r} (model {model!r})"
    said = f": {message}" if message else ""
    if status in (401, 403):
        return ProviderCredentialsError(
            f"{where} refused the API key (HTTP {status})",
            hint="Check the key in the profile's api_key or api_key_env and that it may use "
            "this model.",
        )
    if code == "model_not_found" or (status == 404 and "model" in message.lower()):
        return UnknownModelError(
            f"{where} does not know that model{said}",
            hint="Check the model id against the provider's model list.",
        )
    if status in (400, 413, 422) and (
        code == "context_length_exceeded" or _CONTEXT_OVERFLOW.search(message)
    ):
        return ContextLengthError(
            f"the conversation is too long for {where}{said}",
            hint="Send fewer or shorter messages, lower max_tokens, or use a model with a "
            "larger context window.",
        )
    if status == 429 or status == 529:
        return ProviderRateLimitError(
            f"{where} is rate-limiting or overloaded (HTTP {status}){said}",
            hint="Lower the profile's max_concurrency, retry later, or raise your quota.",
            status=status,
            retry_after_s=retry_after_s,
            retryable=True,
        )
    if status >= 500 or status in _RETRYABLE_CLIENT_STATUSES:
        return ProviderError(
            f"{where} failed (HTTP {status}){said}",
            hint="This is on the provider's side; it was retried as the profile allows. Try "
            "again later.",
            status=status,
            retry_after_s=retry_after_s,
            retryable=True,
        )
    if status == 404:
        return ProviderError(
            f"{where} answered HTTP 404{said}",
            hint="Check the profile's base_url (OpenAI-compatible ones usually end in '/v1').",
            status=status,
        )
    return ValidationError(
        f"{where} refused the request (HTTP {status}){said}",
        hint="Check the request's parameters and extras against the provider's API.",
    )


def timeout_error(provider: str, model: str, timeout_s: float) -> ProviderTimeoutError:
    """The error for a call that got no answer in time (retryable)."""
    return ProviderTimeoutError(
        f"provider {provider!r} (model {model!r}) did not answer within {timeout_s:g} s",
        hint="Raise the profile's timeout_s or ask for fewer tokens.",
        retryable=True,
    )


def connection_error(provider: str, base_url: str) -> ProviderError:
    """The error for a provider that cannot be reached at all (retryable)."""
    return ProviderError(
        f"provider {provider!r} cannot be reached at {base_url}",
        hint="Check the profile's base_url and that the server is running and reachable.",
        retryable=True,
    )
