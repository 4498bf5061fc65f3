"""What the root command hands its subcommands: settings overrides and a lazily made client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import typer

from llmloop.client import connect
from llmloop.client.protocols import Client
from llmloop.settings import Settings, load_settings

__all__ = ["CliState", "cli_state"]


@dataclass
class CliState:
    """Options given to ``llmloop`` itself, and the client built from them on first use."""

    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    _client: Client | None = None

    def settings(self) -> Settings:
        """Settings: these options > environment > llmloop.yaml > defaults."""
        if self._settings is None:
            self._settings = load_settings(**self.overrides)
        return self._settings

    def client(self) -> Client:
        """The resource client the settings call for (server or embedded store)."""
        if self._client is None:
            self._client = connect(self.settings())
        return self._client

    def close(self) -> None:
        """Release the client's connections."""
        if self._client is not None:
            self._client.close()


def cli_state(ctx: typer.Context) -> CliState:
    """The state the root command put on the context."""
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state
