"""Prompts over the REST API."""

from __future__ import annotations

import builtins
from typing import Any
from urllib.parse import quote

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.prompts import (
    LabelEvent,
    PromptContent,
    PromptSummary,
    PromptVersion,
    PushResult,
)

__all__ = ["HttpPrompts"]


def _path(name: str, *rest: str) -> str:
    return "/".join(["/api/v1/prompts", quote(name, safe=""), *(quote(r, safe="") for r in rest)])


class HttpPrompts:
    """``PromptsClient`` over ``/api/v1/prompts``; the key's project is the one used."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def push(self, name: str, content: PromptContent, *, message: str = "") -> PushResult:
        """Store *content* as the next version, unless it equals the newest one."""
        body = self._http.request(
            "POST",
            _path(name, "versions"),
            json={"content": content.model_dump(mode="json"), "message": message},
        )
        return PushResult.model_validate(body)

    def list(self) -> list[PromptSummary]:
        """Every prompt with its newest version and labels."""
        body = self._http.request("GET", "/api/v1/prompts")
        return [PromptSummary.model_validate(item) for item in body["items"]]

    def get(
        self, name: str, *, version: int | None = None, label: str | None = None
    ) -> PromptVersion:
        """One version: by number, by label, or the newest when neither is given."""
        params: dict[str, Any] = {}
        if version is not None:
            params["version"] = version
        if label is not None:
            params["label"] = label
        return PromptVersion.model_validate(self._http.request("GET", _path(name), params=params))

    def versions(self, name: str) -> builtins.list[PromptVersion]:
        """Every version of a prompt, oldest first."""
        body = self._http.request("GET", _path(name, "versions"))
        return [PromptVersion.model_validate(item) for item in body["items"]]

    def set_label(self, name: str, label: str, version: int, *, reason: str = "") -> LabelEvent:
        """Point *label* at *version*; protected labels need a reason and are audited."""
        body = self._http.request(
            "PUT", _path(name, "labels", label), json={"version": version, "reason": reason}
        )
        return LabelEvent.model_validate(body)

    def delete_label(self, name: str, label: str, *, reason: str = "") -> LabelEvent:
        """Remove *label*; protected labels need a reason and are audited."""
        body = self._http.request("DELETE", _path(name, "labels", label), params={"reason": reason})
        return LabelEvent.model_validate(body)

    def history(self, name: str, *, label: str | None = None) -> builtins.list[LabelEvent]:
        """Every label change of a prompt (of one label when given), newest first."""
        params = {"label": label} if label is not None else None
        body = self._http.request("GET", _path(name, "history"), params=params)
        return [LabelEvent.model_validate(item) for item in body["items"]]
