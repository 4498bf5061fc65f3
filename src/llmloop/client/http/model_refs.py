"""Model references over the REST API."""

from __future__ import annotations

import builtins
from urllib.parse import quote

from llmloop.client.http.transport import HttpTransport
from llmloop.domain.model_refs import ModelRef, ModelRefSpec

__all__ = ["HttpModelRefs"]

_BASE = "/api/v1/model-refs"


class HttpModelRefs:
    """``ModelRefsClient`` over ``/api/v1/model-refs``; the key's project is the one used."""

    def __init__(self, transport: HttpTransport) -> None:
        self._http = transport

    def add(self, name: str, spec: ModelRefSpec) -> ModelRef:
        """Store a new model reference; an existing name is a ``ConflictError``."""
        body = self._http.request(
            "POST", _BASE, json={"name": name, "spec": spec.model_dump(mode="json")}
        )
        return ModelRef.model_validate(body)

    def list(self) -> builtins.list[ModelRef]:
        """Every model reference of the project, by name."""
        body = self._http.request("GET", _BASE)
        return [ModelRef.model_validate(item) for item in body["items"]]

    def get(self, name: str) -> ModelRef:
        """The model reference named *name*."""
        return ModelRef.model_validate(self._http.request("GET", f"{_BASE}/{quote(name, safe='')}"))
