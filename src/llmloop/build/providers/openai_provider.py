"""Every OpenAI-compatible endpoint through the official ``openai`` SDK.

One adapter serves OpenAI, Azure OpenAI (its ``/openai/v1`` endpoint; extra headers and query
parameters come from the profile), Ollama, vLLM, llama.cpp's server and the many others that
speak ``POST /v1/chat/completions``; they differ only in ``base_url``. The SDK's own retries
are off: :class:`~llmloop.build.providers.runtime.ProviderRuntime` retries.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from llmloop.build.providers.failures import (
    connection_error,
    error_for_status,
    scrub,
    timeout_error,
)
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
    EmbeddingRequest,
    EmbeddingResponse,
    FinishReason,
    Role,
    StreamCompleted,
    StreamEvent,
    TextDelta,
    TokenUsage,
    ToolCall,
)
from llmloop.errors import LlmloopError, ProviderError

__all__ = ["DEFAULT_OPENAI_BASE_URL", "OpenAIProvider"]

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"
_FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
    "content_filter": FinishReason.CONTENT_FILTER,
}


def _field(value: Any, name: str) -> Any:
    """Read *name* from an SDK object or a dict (compatible servers add or omit fields)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": message.role.value, "content": message.content}
    if message.tool_calls:
        wire["content"] = message.content or None
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    if message.role is Role.TOOL:
        wire["tool_call_id"] = message.tool_call_id
    return wire


def chat_arguments(request: ChatRequest) -> dict[str, Any]:
    """The keyword arguments of ``chat.completions.create`` for *request*."""
    arguments: dict[str, Any] = {
        "model": request.model,
        "messages": [_wire_message(message) for message in request.messages],
    }
    if request.tools:
        arguments["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                },
            }
            for tool in request.tools
        ]
    if request.temperature is not None:
        arguments["temperature"] = request.temperature
    if request.max_tokens is not None:
        arguments["max_tokens"] = request.max_tokens
    if request.extras:
        arguments["extra_body"] = dict(request.extras)
    return arguments


def parse_arguments(text: str | None) -> dict[str, Any]:
    """Tool-call arguments as a dict; text that is not a JSON object is kept under ``_raw``."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_raw": text}


def usage_from(usage: Any) -> TokenUsage:
    """Token usage from an OpenAI ``usage`` object (``None`` when the server sent none)."""
    if usage is None:
        return TokenUsage()
    return TokenUsage(
        input_tokens=_field(usage, "prompt_tokens") or 0,
        output_tokens=_field(usage, "completion_tokens") or 0,
        cache_read_tokens=_field(_field(usage, "prompt_tokens_details"), "cached_tokens") or 0,
        reasoning_tokens=_field(_field(usage, "completion_tokens_details"), "reasoning_tokens")
        or 0,
    )


class _StreamAssembly:
    """Builds the whole response from streamed chunks (text, tool-call fragments, usage)."""

    def __init__(self) -> None:
        self.text_parts: list[str] = []
        self.calls: dict[int, dict[str, str]] = {}
        self.finish: str | None = None
        self.usage: Any = None
        self.model = ""

    def add(self, chunk: Any) -> str:
        """Take one chunk; return its text (empty when it carried none)."""
        self.model = _field(chunk, "model") or self.model
        if _field(chunk, "usage") is not None:
            self.usage = _field(chunk, "usage")
        text = ""
        for choice in _field(chunk, "choices") or ():
            delta = _field(choice, "delta")
            text += _field(delta, "content") or ""
            for fragment in _field(delta, "tool_calls") or ():
                call = self.calls.setdefault(
                    _field(fragment, "index") or 0, {"id": "", "name": "", "arguments": ""}
                )
                function = _field(fragment, "function")
                call["id"] = _field(fragment, "id") or call["id"]
                call["name"] = _field(function, "name") or call["name"]
                call["arguments"] += _field(function, "arguments") or ""
            self.finish = _field(choice, "finish_reason") or self.finish
        self.text_parts.append(text)
        return text

    def tool_calls(self) -> tuple[ToolCall, ...]:
        """The tool calls, in the order the model made them."""
        return tuple(
            ToolCall(id=call["id"], name=call["name"], arguments=parse_arguments(call["arguments"]))
            for _, call in sorted(self.calls.items())
        )


class OpenAIProvider:
    """A provider profile of kind ``openai``: any OpenAI-compatible endpoint."""

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
        self.base_url = (base_url or DEFAULT_OPENAI_BASE_URL).rstrip("/")
        self.timeout_s = timeout_s
        self._api_key = api_key
        self._headers = dict(headers or {})
        self._query = dict(query or {})
        self._sync: Any = None
        self._async: Any = None

    # -- the SDK clients, made on first use so that importing llmloop never loads ``openai`` --

    def _options(self) -> dict[str, Any]:
        return {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout_s,
            "max_retries": 0,
            "default_headers": self._headers or None,
            "default_query": self._query or None,
        }

    def _client(self) -> Any:
        if self._sync is None:
            import openai

            self._sync = openai.OpenAI(**self._options())
        return self._sync

    def _aclient(self) -> Any:
        if self._async is None:
            import openai

            self._async = openai.AsyncOpenAI(**self._options())
        return self._async

    def close(self) -> None:
        """Close the SDK clients' connection pools."""
        if self._sync is not None:
            self._sync.close()
            self._sync = None
        self._async = None

    # -- errors --

    def _translate(self, error: Exception, model: str) -> LlmloopError:
        import openai

        if isinstance(error, openai.APITimeoutError):
            return timeout_error(self.name, model, self.timeout_s)
        if isinstance(error, openai.APIConnectionError):
            return connection_error(self.name, self.base_url)
        if isinstance(error, openai.APIStatusError):
            body = error.body if isinstance(error.body, dict) else {}
            nested = body.get("error")
            detail: dict[str, Any] = nested if isinstance(nested, dict) else body
            code = detail.get("code") or detail.get("type")
            message = detail.get("message") or error.message
            return error_for_status(
                provider=self.name,
                model=model,
                status=error.status_code,
                code=str(code) if code else None,
                message=self._scrub(str(message)),
                retry_after_s=parse_retry_after_s(
                    error.response.headers.get("retry-after"), self.runtime.clock.now()
                ),
            )
        return ProviderError(
            f"provider {self.name!r} (model {model!r}) failed: {self._scrub(str(error))}",
            hint="The provider sent something llmloop could not use; check its logs.",
        )

    def _scrub(self, message: str) -> str:
        return scrub(message, self._api_key)

    def _errors(self) -> tuple[type[Exception], ...]:
        import httpx2
        import openai

        # A stream that breaks off surfaces as the transport's own error, not the SDK's.
        return (openai.OpenAIError, httpx2.HTTPError)

    # -- chat --

    def _response(self, completion: Any, latency_ms: float, model: str) -> ChatResponse:
        choices = _field(completion, "choices") or []
        if not choices:
            raise ProviderError(
                f"provider {self.name!r} (model {model!r}) answered with no choices",
                hint="Check that the endpoint is OpenAI-compatible.",
            )
        message = _field(choices[0], "message")
        calls = tuple(
            ToolCall(
                id=_field(call, "id") or "",
                name=_field(_field(call, "function"), "name") or "",
                arguments=parse_arguments(_field(_field(call, "function"), "arguments")),
            )
            for call in _field(message, "tool_calls") or ()
        )
        usage = usage_from(_field(completion, "usage"))
        provider_model = _field(completion, "model") or model
        return ChatResponse(
            text=_field(message, "content") or "",
            tool_calls=calls,
            finish_reason=_FINISH.get(
                _field(choices[0], "finish_reason") or "stop", FinishReason.OTHER
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
        response = ChatResponse(
            text="".join(assembly.text_parts),
            tool_calls=assembly.tool_calls(),
            finish_reason=_FINISH.get(assembly.finish or "stop", FinishReason.OTHER),
            usage=usage,
            cost_usd=self.runtime.cost_usd(provider_model, usage),
            latency_ms=latency_ms,
            provider=self.name,
            provider_model=provider_model,
        )
        return StreamCompleted(response=response)

    def chat(self, request: ChatRequest) -> ChatResponse:
        """Send *request*; retries and the concurrency limit apply."""
        arguments = chat_arguments(request)
        started = self.runtime.clock.monotonic()

        def attempt() -> Any:
            try:
                return self._client().chat.completions.create(**arguments)
            except self._errors() as error:
                raise self._translate(error, request.model) from None

        completion = self.runtime.call(attempt)
        return self._response(completion, self.runtime.elapsed_ms(started), request.model)

    async def achat(self, request: ChatRequest) -> ChatResponse:
        """The async twin of :meth:`chat`."""
        arguments = chat_arguments(request)
        started = self.runtime.clock.monotonic()

        async def attempt() -> Any:
            try:
                return await self._aclient().chat.completions.create(**arguments)
            except self._errors() as error:
                raise self._translate(error, request.model) from None

        completion = await self.runtime.acall(attempt)
        return self._response(completion, self.runtime.elapsed_ms(started), request.model)

    def stream(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Stream *request*; opening the stream is retried, a break mid-stream is not."""
        arguments = {
            **chat_arguments(request),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        started = self.runtime.clock.monotonic()
        with self.runtime.limit.slot():

            def attempt() -> Any:
                try:
                    return self._client().chat.completions.create(**arguments)
                except self._errors() as error:
                    raise self._translate(error, request.model) from None

            chunks = call_with_retries(attempt, self.runtime.policy, self.runtime.sleeper)
            assembly = _StreamAssembly()
            try:
                with chunks:
                    for chunk in chunks:
                        text = assembly.add(chunk)
                        if text:
                            yield TextDelta(text=text)
            except self._errors() as error:
                raise self._translate(error, request.model) from None
        yield self._assembled(assembly, self.runtime.elapsed_ms(started), request.model)

    async def astream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """The async twin of :meth:`stream`."""
        arguments = {
            **chat_arguments(request),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        started = self.runtime.clock.monotonic()
        async with self.runtime.limit.aslot():

            async def attempt() -> Any:
                try:
                    return await self._aclient().chat.completions.create(**arguments)
                except self._errors() as error:
                    raise self._translate(error, request.model) from None

            chunks = await acall_with_retries(attempt, self.runtime.policy, self.runtime.sleeper)
            assembly = _StreamAssembly()
            try:
                async with chunks:
                    async for chunk in chunks:
                        text = assembly.add(chunk)
                        if text:
                            yield TextDelta(text=text)
            except self._errors() as error:
                raise self._translate(error, request.model) from None
        yield self._assembled(assembly, self.runtime.elapsed_ms(started), request.model)

    # -- embeddings --

    def _embedding_response(self, result: Any, latency_ms: float, model: str) -> EmbeddingResponse:
        rows = sorted(_field(result, "data") or (), key=lambda row: _field(row, "index") or 0)
        usage = TokenUsage(input_tokens=_field(_field(result, "usage"), "prompt_tokens") or 0)
        provider_model = _field(result, "model") or model
        return EmbeddingResponse(
            vectors=tuple(tuple(float(x) for x in _field(row, "embedding")) for row in rows),
            usage=usage,
            cost_usd=self.runtime.cost_usd(provider_model, usage),
            latency_ms=latency_ms,
            provider=self.name,
            provider_model=provider_model,
        )

    def embed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """Embed the request's texts, one vector each, in order."""
        started = self.runtime.clock.monotonic()

        def attempt() -> Any:
            try:
                return self._client().embeddings.create(
                    model=request.model, input=list(request.inputs), encoding_format="float"
                )
            except self._errors() as error:
                raise self._translate(error, request.model) from None

        result = self.runtime.call(attempt)
        return self._embedding_response(result, self.runtime.elapsed_ms(started), request.model)

    async def aembed(self, request: EmbeddingRequest) -> EmbeddingResponse:
        """The async twin of :meth:`embed`."""
        started = self.runtime.clock.monotonic()

        async def attempt() -> Any:
            try:
                return await self._aclient().embeddings.create(
                    model=request.model, input=list(request.inputs), encoding_format="float"
                )
            except self._errors() as error:
                raise self._translate(error, request.model) from None

        result = await self.runtime.acall(attempt)
        return self._embedding_response(result, self.runtime.elapsed_ms(started), request.model)
