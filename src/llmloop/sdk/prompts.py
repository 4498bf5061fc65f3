"""Fetching prompts at run time: ``llmloop.get_prompt("support-reply", label="production")``.

A label is fetched from the embedded store or a server (whichever the settings name) and
cached for ``prompt_cache_ttl_s``; after that the cached copy is served while one background
refresh fetches the label again (stale-while-revalidate). While the server is down the last
good copy is served. When the server says the label or prompt is gone (404), the copy is
dropped and the next call raises; when the label moved, the refresh serves the new version.
An exact version (``version=3``) never changes, so it is fetched once.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmloop.errors import ValidationError
from llmloop.sdk.cache import RefreshingCache

if TYPE_CHECKING:
    from llmloop.client.protocols import Client
    from llmloop.domain.clock import Clock
    from llmloop.domain.prompts import PromptContent, PromptVersion, RenderedPrompt

__all__ = ["DEFAULT_LABEL", "PromptFetcher", "ServedPrompt", "close_default_fetcher", "get_prompt"]

DEFAULT_LABEL = "production"


@dataclass(frozen=True)
class ServedPrompt:
    """The prompt version that was served, and what asked for it."""

    name: str
    version: int
    label: str | None  # the label it was fetched by; None when fetched by version
    hash: str
    content: PromptContent
    message: str = ""

    @classmethod
    def of(cls, version: PromptVersion, label: str | None) -> ServedPrompt:
        """Wrap a fetched version."""
        return cls(
            name=version.name,
            version=version.version,
            label=label,
            hash=version.content_hash,
            content=version.content,
            message=version.message,
        )

    @property
    def reference(self) -> str:
        """``name@version``: exactly what was served."""
        return f"{self.name}@{self.version}"

    def render(self, **variables: Any) -> RenderedPrompt:
        """Render with *variables* in the sandbox; raises ``ValidationError`` naming a bad one."""
        # Imported here so that fetching a prompt does not load Jinja2 until it is rendered.
        from llmloop.build.prompts.rendering import render_prompt

        return render_prompt(self.content, variables)


class PromptFetcher:
    """Fetches prompts through a client and caches them (see the module's docstring)."""

    def __init__(
        self,
        client: Client,
        *,
        ttl_s: float = 60.0,
        clock: Clock | None = None,
        owns_client: bool = False,
    ) -> None:
        self._client = client
        self._owns_client = owns_client
        self._labels: RefreshingCache[tuple[str, str], ServedPrompt] = RefreshingCache(
            self._load_label, ttl_s=ttl_s, clock=clock, thread_name="llmloop-prompts"
        )
        self._versions: dict[tuple[str, int], ServedPrompt] = {}
        self._lock = threading.Lock()

    @property
    def cache(self) -> RefreshingCache[tuple[str, str], ServedPrompt]:
        """The label cache (its ``stats`` count hits, stale serves and failed refreshes)."""
        return self._labels

    def _load_label(self, key: tuple[str, str]) -> ServedPrompt:
        name, label = key
        return ServedPrompt.of(self._client.prompts.get(name, label=label), label)

    def get(
        self, name: str, *, label: str | None = None, version: int | None = None
    ) -> ServedPrompt:
        """The prompt by *version*, or by *label* (``production`` when neither is given)."""
        if version is not None:
            if label is not None:
                raise ValidationError(
                    "give a version or a label, not both", hint="Use version=3 or label='staging'."
                )
            with self._lock:
                cached = self._versions.get((name, version))
            if cached is not None:
                return cached
            served = ServedPrompt.of(self._client.prompts.get(name, version=version), None)
            with self._lock:
                self._versions[(name, version)] = served
            return served
        return self._labels.get((name, label or DEFAULT_LABEL))

    def close(self) -> None:
        """Stop background refreshes (and close the client if this fetcher made it)."""
        self._labels.close()
        if self._owns_client:
            self._client.close()


_default_lock = threading.Lock()
_default_fetcher: PromptFetcher | None = None


def _default() -> PromptFetcher:
    global _default_fetcher
    with _default_lock:
        if _default_fetcher is None:
            from llmloop.client import connect
            from llmloop.settings import load_settings

            settings = load_settings()
            _default_fetcher = PromptFetcher(
                connect(settings), ttl_s=settings.prompt_cache_ttl_s, owns_client=True
            )
            atexit.register(close_default_fetcher)
        return _default_fetcher


def close_default_fetcher() -> None:
    """Close the fetcher behind :func:`get_prompt`; the next call makes a new one."""
    global _default_fetcher
    with _default_lock:
        fetcher, _default_fetcher = _default_fetcher, None
    if fetcher is not None:
        fetcher.close()


def get_prompt(name: str, *, label: str | None = None, version: int | None = None) -> ServedPrompt:
    """Fetch a prompt by label (default ``production``) or version, cached per settings.

    The store or server comes from the settings (``LLMLOOP_SERVER_URL`` and
    ``LLMLOOP_API_KEY``, else the embedded store); the cache lifetime from
    ``LLMLOOP_PROMPT_CACHE_TTL_S``.
    """
    return _default().get(name, label=label, version=version)
