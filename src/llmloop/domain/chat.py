"""What a model provider is asked and what it answers: chat requests, responses, usage, streams.

Token usage is :class:`llmloop.domain.pricing.TokenUsage` (re-exported here), the one type
that pricing, traces and providers share: ``input_tokens`` is the whole prompt, cache reads
and writes included; ``reasoning_tokens`` are part of ``output_tokens``.

These types are provider-neutral: every adapter (OpenAI-compatible, Anthropic, the offline
``local`` model, the scripted fake) turns them into its own wire format and back. They are
immutable pydantic models so a request can be logged, hashed and replayed as it was sent.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from llmloop.domain.pricing import TokenUsage

__all__ = [
    "ChatMessage",
    "ChatRequest",
    "ChatResponse",
    "EmbeddingRequest",
    "EmbeddingResponse",
    "FinishReason",
    "Role",
    "StreamCompleted",
    "StreamEvent",
    "TextDelta",
    "TokenUsage",
    "ToolCall",
    "ToolDefinition",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Role(StrEnum):
    """Who speaks a chat message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


class ToolCall(_Frozen):
    """The model asks the caller to run tool *name* with JSON *arguments*."""

    id: str
    name: str
    arguments: dict[str, JsonValue] = Field(default_factory=dict)


class ChatMessage(_Frozen):
    """One message of a conversation.

    ``tool_calls`` appear on assistant messages that asked for tools; ``tool_call_id`` on the
    tool message that answers one of them.
    """

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        """A system message."""
        return cls(role=Role.SYSTEM, content=content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        """A user message."""
        return cls(role=Role.USER, content=content)

    @classmethod
    def assistant(cls, content: str, tool_calls: tuple[ToolCall, ...] = ()) -> ChatMessage:
        """An assistant message, optionally carrying the tool calls it made."""
        return cls(role=Role.ASSISTANT, content=content, tool_calls=tool_calls)

    @classmethod
    def tool(cls, tool_call_id: str, content: str) -> ChatMessage:
        """The result of a tool call, sent back to the model."""
        return cls(role=Role.TOOL, content=content, tool_call_id=tool_call_id)


def _empty_object_schema() -> dict[str, JsonValue]:
    return {"type": "object", "properties": {}}


class ToolDefinition(_Frozen):
    """A tool the model may call: a name, what it does, and a JSON Schema of its arguments."""

    name: str
    description: str = ""
    parameters: dict[str, JsonValue] = Field(default_factory=_empty_object_schema)


class ChatRequest(_Frozen):
    """One chat call: the provider's model id, the conversation, tools and sampling settings.

    ``extras`` are passed to the provider as they are (e.g. ``top_p``, ``seed``,
    ``reasoning_effort``); a provider that does not know one refuses the request.
    """

    model: str = Field(min_length=1)
    messages: tuple[ChatMessage, ...] = Field(min_length=1)
    tools: tuple[ToolDefinition, ...] = ()
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    extras: dict[str, JsonValue] = Field(default_factory=dict)


class FinishReason(StrEnum):
    """Why the model stopped."""

    STOP = "stop"
    LENGTH = "length"
    TOOL_CALLS = "tool_calls"
    CONTENT_FILTER = "content_filter"
    OTHER = "other"


class ChatResponse(_Frozen):
    """What the model answered, what it cost and how long it took.

    ``cost_usd`` is ``None`` when the model has no known price (never 0 for "unknown");
    ``provider_model`` is the model id the provider reports having used.
    """

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: FinishReason = FinishReason.STOP
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None
    latency_ms: float = Field(default=0.0, ge=0)
    provider: str = ""
    provider_model: str = ""

    def as_message(self) -> ChatMessage:
        """The answer as an assistant message, to continue the conversation."""
        return ChatMessage.assistant(self.text, self.tool_calls)


class TextDelta(_Frozen):
    """A piece of streamed text."""

    type: Literal["text"] = "text"
    text: str


class StreamCompleted(_Frozen):
    """The end of a stream: the whole response, with tool calls, usage and cost."""

    type: Literal["completed"] = "completed"
    response: ChatResponse


StreamEvent = TextDelta | StreamCompleted


class EmbeddingRequest(_Frozen):
    """Texts to embed with one model."""

    model: str = Field(min_length=1)
    inputs: tuple[str, ...] = Field(min_length=1)

    @field_validator("inputs", mode="before")
    @classmethod
    def _one_text_is_a_list(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class EmbeddingResponse(_Frozen):
    """One vector per input text, in order."""

    vectors: tuple[tuple[float, ...], ...]
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = None
    latency_ms: float = Field(default=0.0, ge=0)
    provider: str = ""
    provider_model: str = ""
