"""The HTTP transport of the resource clients: one place for auth, errors and timeouts."""

from __future__ import annotations

from typing import Any

import httpx2

from llmloop.errors import (
    AuthenticationError,
    ConfigurationError,
    LlmloopError,
    RemoteError,
    ServerUnavailableError,
    error_class_for_code,
)

__all__ = ["HttpTransport"]

USER_AGENT = "llmloop-client"


class HttpTransport:
    """Sends requests to an llmloop server and turns its error replies into llmloop errors."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        timeout_s: float = 10.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"server URL {base_url!r} is not an http:// or https:// URL",
                hint="Set LLMLOOP_SERVER_URL to e.g. http://127.0.0.1:7800.",
            )
        if not api_key:
            raise ConfigurationError(
                "no API key is set for the server at " + base_url,
                hint="Set LLMLOOP_API_KEY to a key made with `llmloop key create`.",
            )
        self.base_url = base_url.rstrip("/")
        self._client = httpx2.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT},
            timeout=timeout_s,
            transport=transport,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON body (None for an empty reply)."""
        try:
            response = self._client.request(method, path, json=json, params=params)
        except httpx2.TimeoutException:
            raise ServerUnavailableError(
                f"the llmloop server at {self.base_url} did not answer in time",
                hint="Check that it is running and reachable, or raise LLMLOOP_HTTP_TIMEOUT_S.",
            ) from None
        except httpx2.TransportError as exc:
            raise ServerUnavailableError(
                f"the llmloop server at {self.base_url} could not be reached "
                f"({type(exc).__name__})",
                hint="Start it with `llmloop server`, or check LLMLOOP_SERVER_URL.",
            ) from None
        if response.status_code >= 400:
            raise self._error(response)
        if not response.content:
            return None
        return response.json()

    def post_bytes(self, path: str, content: bytes, *, content_type: str) -> bytes:
        """POST a binary body (OTLP protobuf); return the raw reply body."""
        try:
            response = self._client.post(
                path, content=content, headers={"Content-Type": content_type}
            )
        except httpx2.TimeoutException:
            raise ServerUnavailableError(
                f"the llmloop server at {self.base_url} did not answer in time",
                hint="Check that it is running and reachable, or raise LLMLOOP_HTTP_TIMEOUT_S.",
            ) from None
        except httpx2.TransportError as exc:
            raise ServerUnavailableError(
                f"the llmloop server at {self.base_url} could not be reached "
                f"({type(exc).__name__})",
                hint="Start it with `llmloop server`, or check LLMLOOP_SERVER_URL.",
            ) from None
        if response.status_code >= 400:
            raise self._error(response)
        return response.content

    def _error(self, response: httpx2.Response) -> LlmloopError:
        try:
            error = response.json()["error"]
            code, message = str(error["code"]), str(error["message"])
        except (ValueError, KeyError, TypeError):
            if response.status_code == 401:
                return AuthenticationError(
                    f"the server at {self.base_url} refused the API key",
                    hint="Check LLMLOOP_API_KEY.",
                )
            return RemoteError(
                f"the server at {self.base_url} answered HTTP {response.status_code} "
                "with no llmloop error body",
                hint="Check that LLMLOOP_SERVER_URL points at an llmloop server.",
            )
        return error_class_for_code(code)(message)

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()
