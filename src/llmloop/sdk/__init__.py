"""What a user's application imports: a client for the store or server, and (soon) tracing.

Nothing heavy is imported here: the embedded store loads on the first call that needs it.
"""

from llmloop.sdk.connection import connect

__all__ = ["connect"]
