"""What a user's application imports: a client for the store or server, and tracing.

Nothing heavy is imported here: the embedded store loads on the first call that needs it.
Tracing lives in ``tracing`` (the API), ``spans`` (the recorder), ``runtime`` (configure,
flush, shutdown), ``exporter`` and ``sinks`` (the background export), ``otlp`` (encoding) and
``instrumentation`` (openai, anthropic); ``llmloop`` re-exports the public names lazily.
"""

from llmloop.sdk.connection import connect

__all__ = ["connect"]
