"""Anthropic's Messages API through the official ``anthropic`` SDK.

The SDK's retries and its built-in OpenTelemetry spans are off (``max_retries=0``,
``open_telemetry=False``): llmloop retries once, in one policy, and records each provider
call in its own trace, so a call is never traced twice. Anthropic reports ``input_tokens``
without the cached part; the adapter adds cache reads and writes so that ``input_tokens`` is
the whole prompt, as everywhere in llmloop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from llmloop.build.providers.failures import (
    connection_error,
    error_for_status,
    scrub,
    timeout_error,
)
from llmloop.build.providers.openai_provider import parse_arguments
from llmloop.build.providers.retries import (
    acall_with_retries,
    call_with_retries,
    parse_retry_after_s,
)
from llmloop.build.providers.runtime import ProviderRuntime
from llmloop.domain.chat import (
    ChatMessage,
    ChatRequest,
    ChatResponse,
    FinishReason,
    Role,
    StreamCompleted,
    StreamEvent,
    TextDelta,
    TokenUsage,
    ToolCall,
)
from llmloop.errors import LlmloopError, ProviderError

__all__ = ["DEFAULT_ANTHROPIC_BASE_URL", "DEFAULT_MAX_TOKENS", "AnthropicProvider"]

DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com"
# The Messages API requires max_tokens; this is used when a request leaves it open.
DEFAULT_MAX_TOKENS = 1024
_FINISH = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "pause_turn": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "tool_use": FinishReason.TOOL_CALLS,
    "refusal": FinishReason.CONTENT_FILTER,
}


def _field(value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _blocks(message: ChatMessage) -> tuple[str, list[dict[str, Any]]]:
    """The Anthropic role and content blocks of one message."""
    if message.role is Role.TOOL:
        return "user", [
            {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content,
            }
        ]
    blocks: list[dict[str, Any]] = []
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    for call in message.tool_calls:
        blocks.append(
            {"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments}
        )
    return message.role.value, blocks


def messages_arguments(request: ChatRequest) -> dict[str, Any]:
    """The keyword arguments of ``messages.create`` for *request*.

    System messages become the ``system`` parameter; consecutive messages of one role are
    merged (the API wants user and assistant turns to alternate; tool results are user turns).
    """
    system = [m.content for m in request.messages if m.role is Role.SYSTEM]
    turns: list[dict[str, Any]] = []
    for message in request.messages:
        if message.role is Role.SYSTEM:
            continue
        role, blocks = _blocks(message)
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    arguments: dict[str, Any] = {
        "model": request.model,
        "messages": turns,
        "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
    }
    if system:
        arguments["system"] = "\n\n".join(system)
    if request.tools:
        arguments["tools"] = [
            {"name": tool.name, "description": tool.description, "input_schema": tool.parameters}
            for tool in request.tools
        ]
    body: dict[str, Any] = {}
    if request.temperature is not None:
        # Anthropic's range is 0..1 (llmloop's is OpenAI's 0..2). SDK 2.x no longer takes
        # sampling parameters as arguments, so they travel in the request body.
        body["temperature"] = min(request.temperature, 1.0)
    body.update(request.extras)
    if body:
        arguments["extra_body"] = body
    return arguments


def usage_from(usage: Any) -> TokenUsage:
    """Token usage with ``input_tokens`` made the whole prompt (cache reads and writes added)."""
    if usage is None:
        return TokenUsage()
    cache_read = _field(usage, "cache_read_input_tokens") or 0
    cache_write = _field(usage, "cache_creation_input_tokens") or 0
    return TokenUsage(
        input_tokens=(_field(usage, "input_tokens") or 0) + cache_read + cache_write,
        output_tokens=_field(usage, "output_tokens") or 0,
        cache_read_tokens=cache_read,
        cache_write_tokens=cache_write,
    )


class _StreamAssembly:
    """Builds the whole message from stream events."""

    def __init__(self) -> None:
        self.text_parts: list[str] = []
        self.calls: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, int] = {}
        self.stop_reason: str | None = None
        self.model = ""

    def _merge_usage(self, usage: Any) -> None:
        for name in (
            "input_tokens",
            "output_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
        ):
            value = _field(usage, name)
            if value is not None:
                self.usage[name] = value

    def add(self, event: Any) -> str:
        """Take one event; return the text it carried (empty when none)."""
        kind = _field(event, "type")
        if kind == "message_start":
            message = _field(event, "message")
            self.model = _field(message, "model") or self.model
            self._merge_usage(_field(message, "usage"))
        elif kind == "content_block_start":
            block = _field(event, "content_block")
            if _field(block, "type") == "tool_use":
                self.calls[_field(event, "index") or 0] = {
                    "id": _field(block, "id") or "",
                    "name": _field(block, "name") or "",
                    "json": "",
                }
        elif kind == "content_block_delta":
            delta = _field(event, "delta")
            if _field(delta, "type") == "text_delta":
                text = str(_field(delta, "text") or "")
                self.text_parts.append(text)
                return text
            if _field(delta, "type") == "input_json_delta":
                call = self.calls.get(_field(event, "index") or 0)
                if call is not None:
                    call["json"] += _field(delta, "partial_json") or ""
        elif kind == "message_delta":
            self.stop_reason = _field(_field(event, "delta"), "stop_reason") or self.stop_reason
            self._merge_usage(_field(event, "usage"))
        return ""

    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The tool calls in block order."""
        return tuple(
            ToolCall(id=call["id"], name=call["name"], arguments=parse_arguments(call["json"]))
            for _, call in sorted(self.calls.items())
        )


class AnthropicProvider:
    """A provider profile of kind ``anthropic``."""

    def __init__(
        self,
        runtime: ProviderRuntime,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> None:
        self.name = runtime.name
        self.runtime = runtime
        self.base_url = (base_url or DEFAULT_ANTHROPIC_BASE_URL).rstrip("/")
        self.timeout_s = timeout_s
        self._api_key = api_key
        self._headers = dict(headers or {})
        self._query = dict(query or {})
        self._sync: Any = None
        self._async: Any = None

    def _options(self) -> dict[str, Any]:
        return {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout_s,
            "max_retries": 0,
            "default_headers": self._headers or None,
            "default_query": self._query or None,
            "open_telemetry": False,
        }

    def _client(self) -> Any:
        if self._sync is None:
            import anthropic

            self._sync = anthropic.Anthropic(**self._options())
        return self._sync

    def _aclient(self) -> Any:
        if self._async is None:
            import anthropic

            self._async = anthropic.AsyncAnthropic(**self._options())
        return self._async

    def close(self) -> None:
        """Close the SDK clients' connection pools."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None
        self._async = None

    def _errors(self) -> tuple[type[Exception], ...]:
        import anthropic
        import httpx2

        # A stream that breaks off surfaces as the transport's own error, not the SDK's.
        return (anthropic.AnthropicError, httpx2.HTTPError)

    def _translate(self, error: Exception, model: str) -> LlmloopError:
        import anthropic

        if isinstance(error, anthropic.APITimeoutError):
            return timeout_error(self.name, model, self.timeout_s)
        if isinstance(error, anthropic.APIConnectionError):
            return connection_error(self.name, self.base_url)
        if isinstance(error, anthropic.APIStatusError):
            body = error.body if isinstance(error.body, dict) else {}
            nested = body.get("error")
            detail: dict[str, Any] = nested if isinstance(nested, dict) else body
            return error_for_status(
                provider=self.name,
                model=model,
                status=error.status_code,
                code=str(detail.get("type")) if detail.get("type") else None,
                message=scrub(str(detail.get("message") or error.message), self._api_key),
                retry_after_s=parse_retry_after_s(
                    error.response.headers.get("retry-after"), self.runtime.clock.now()
                ),
            )
        return ProviderError(
            f"provider {self.name!r} (model {model!r}) failed: {scrub(str(error), self._api_key)}",
            hint="The provider sent something llmloop could not use; check its logs.",
        )

    def _response(self, message: Any, latency_ms: float, model: str) -> ChatResponse:
        text = "".join(
            _field(block, "text") or ""
            for block in _field(message, "content") or ()
            if _field(block, "type") == "text"
        )
        calls = tuple(
            ToolCall(
                id=_field(block, "id") or "",
                name=_field(block, "name") or "",
                arguments=dict(_field(block, "input") or {}),
            )
            for block in _field(message, "content") or ()
            if _field(block, "type") == "tool_use"
        )
        usage = usage_from(_field(message, "usage"))
        provider_model = _field(message, "model") or model
        return ChatResponse(
            text=text,
            tool_calls=calls,
            finish_reason=_FINISH.get(
                _field(message, "stop_reason") or "end_turn", FinishReason.OTHER
            ),
            usage=usage,
            cost_usd=self.runtime.cost_usd(provider_model, usage),
            latency_ms=latency_ms,
            provider=self.name,
            provider_model=provider_model,
        )

    def _assembled(
        self, assembly: _StreamAssembly, latency_ms: float, model: str
    ) -> StreamCompleted:
        usage = usage_from(assembly.usage)
        provider_model = assembly.model or model
        return StreamCompleted(
            response=ChatResponse(
                text="".join(assembly.text_parts),
                tool_calls=assembly.tool_calls(),
                finish_reason=_FINISH.get(assembly.stop_reason or "end_turn", FinishReason.OTHER),
                usage=usage,
                cost_usd=self.runtime.cost_usd(provider_model, usage),
                latency_ms=latency_ms,
                provider=self.name,
                provider_model=provider_model,
            )
        )

    def chat(self, request: ChatRequest) -> ChatResponse:
        """Send *request*; retries and the concurrency limit apply."""
        arguments = messages_arguments(request)
        started = self.runtime.clock.monotonic()

        def attempt() -> Any:
            try:
                return self._client().messages.create(**arguments)
            except self._errors() as error:
                raise self._translate(error, request.model) from None

        message = self.runtime.call(attempt)
        return self._response(message, self.runtime.elapsed_ms(started), request.model)

    async def achat(self, request: ChatRequest) -> ChatResponse:
        """The async twin of :meth:`chat`."""
        arguments = messages_arguments(request)
        started = self.runtime.clock.monotonic()

        async def attempt() -> Any:
            try:
                return await self._aclient().messages.create(**arguments)
            except self._errors() as error:
                raise self._translate(error, request.model) from None

        message = await self.runtime.acall(attempt)
        return self._response(message, self.runtime.elapsed_ms(started), request.model)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Stream *request*; opening the stream is retried, a break mid-stream is not."""
        arguments = {**messages_arguments(request), "stream": True}
        started = self.runtime.clock.monotonic()
        with self.runtime.limit.slot():

            def attempt() -> Any:
                try:
                    return self._client().messages.create(**arguments)
                except self._errors() as error:
                    raise self._translate(error, request.model) from None

            events = call_with_retries(attempt, self.runtime.policy, self.runtime.sleeper)
            assembly = _StreamAssembly()
            try:
                with events:
                    for event in events:
                        text = assembly.add(event)
                        if text:
                            yield TextDelta(text=text)
            except self._errors() as error:
                raise self._translate(error, request.model) from None
        yield self._assembled(assembly, self.runtime.elapsed_ms(started), request.model)

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The async twin of :meth:`stream`."""
        arguments = {**messages_arguments(request), "stream": True}
        started = self.runtime.clock.monotonic()
        async with self.runtime.limit.aslot():

            async def attempt() -> Any:
                try:
                    return await self._aclient().messages.create(**arguments)
                except self._errors() as error:
                    raise self._translate(error, request.model) from None

            events = await acall_with_retries(attempt, self.runtime.policy, self.runtime.sleeper)
            assembly = _StreamAssembly()
            try:
                async with events:
                    async for event in events:
                        text = assembly.add(event)
                        if text:
                            yield TextDelta(text=text)
            except self._errors() as error:
                raise self._translate(error, request.model) from None
        yield self._assembled(assembly, self.runtime.elapsed_ms(started), request.model)
