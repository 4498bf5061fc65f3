"""The HTTP implementation of the resource clients."""

from llmloop.client.http.client import HttpClient
from llmloop.client.http.transport import HttpTransport

__all__ = ["HttpClient", "HttpTransport"]
