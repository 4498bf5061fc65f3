"""The embedded implementation of the resource clients (imported only on first use)."""

from llmloop.client.local.client import LocalClient

__all__ = ["LocalClient"]
