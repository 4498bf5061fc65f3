"""The llmloop server: REST API, OTLP endpoint and gateway behind `create_app(settings)`."""

from llmloop.server.app import create_app

__all__ = ["create_app"]
