"""Running and pushing apps from code: ``llmloop.run(app_ref, input)`` and ``push_app``.

A run is one trace: a ``chain`` span for the app with one ``llm`` child span per model call
(model, tokens, cost); a ``rag`` app adds ``retrieval`` and ``rerank`` spans, an ``agent`` app
an ``agent`` span with ``plan`` and ``tool`` spans. Any failure inside the run (a provider
error, a bad input, an exception in a Python app, an agent out of steps or time) ends it
with ``status="error"``, the error recorded on the run and on the failed span; it is
returned, not raised, so callers always get the trace id to look at.
Finding the version is not part of the run: an unknown app raises ``NotFoundError``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from llmloop.build.apps.checks import check_spec, load_entrypoint, with_documents_hash
from llmloop.build.apps.execution import AppContext, prompt_request
from llmloop.build.apps.files import read_app_file
from llmloop.build.providers.registry import ModelAddress, ProviderRegistry
from llmloop.client.protocols import Client
from llmloop.domain.apps import (
    APP_SPEC_TYPES,
    AgentAppSpec,
    AppPushResult,
    AppRun,
    AppSpec,
    AppVersion,
    PromptAppSpec,
    RagAppSpec,
)
from llmloop.domain.chat import ChatRequest, ChatResponse
from llmloop.domain.clock import Clock, SystemClock
from llmloop.domain.names import parse_reference
from llmloop.domain.pricing import TokenUsage
from llmloop.domain.prompts import PromptVersion
from llmloop.errors import LlmloopError, UsageError
from llmloop.sdk import attributes as names
from llmloop.sdk import tracing
from llmloop.sdk.agents import run_agent_app
from llmloop.sdk.rag import run_rag_app

__all__ = ["default_providers", "push_app", "run", "run_version"]

_DEFAULT_PROVIDERS: list[ProviderRegistry] = []
_DEFAULT_LOCK = threading.Lock()


def default_providers() -> ProviderRegistry:
    """The process's providers, from the settings' profiles (made once, then shared)."""
    with _DEFAULT_LOCK:
        if not _DEFAULT_PROVIDERS:
            from llmloop.settings import load_settings

            _DEFAULT_PROVIDERS.append(ProviderRegistry(load_settings().providers))
        return _DEFAULT_PROVIDERS[0]


def _traced_call(
    providers: ProviderRegistry,
    address: ModelAddress,
    request: ChatRequest,
    calls: list[ChatResponse],
) -> ChatResponse:
    """One model call as an ``llm`` span with its model, tokens and cost."""
    with tracing.span(f"chat {address}", kind="llm") as span:
        span.set_model(request.model, provider=address.profile)
        span.set_input([m.model_dump(mode="json", exclude_defaults=True) for m in request.messages])
        if request.temperature is not None:
            span.set_attribute("gen_ai.request.temperature", request.temperature)
        if request.max_tokens is not None:
            span.set_attribute("gen_ai.request.max_tokens", request.max_tokens)
        response = providers.get(address.profile).chat(request)
        usage = response.usage
        span.set_usage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cached_tokens=usage.cache_read_tokens,
            cache_write_tokens=usage.cache_write_tokens,
            reasoning_tokens=usage.reasoning_tokens,
        )
        span.set_attribute(names.RESPONSE_MODEL, response.provider_model)
        if response.cost_usd is not None:
            span.set_attribute("llmloop.cost_usd", response.cost_usd)
        if response.tool_calls:
            span.set_output(response.model_dump(mode="json", include={"text", "tool_calls"}))
        else:
            span.set_output(response.text)
        calls.append(response)
        return response


def _execute(
    version: AppVersion,
    given: Any,
    client: Client,
    providers: ProviderRegistry,
    calls: list[ChatResponse],
    clock: Clock,
) -> Any:
    spec = version.spec
    if isinstance(spec, PromptAppSpec):
        name, _, number = spec.prompt.partition("@")
        prompt: PromptVersion = client.prompts.get(name, version=int(number))
        address, request = prompt_request(spec, prompt, given)
        return _traced_call(providers, address, request, calls).text
    context = AppContext(
        spec, lambda address, request: _traced_call(providers, address, request, calls)
    )
    if isinstance(spec, RagAppSpec):
        return run_rag_app(spec, given, context, client.prompts)
    if isinstance(spec, AgentAppSpec):
        return run_agent_app(spec, given, context, clock)
    return load_entrypoint(spec.entrypoint)(given, context)


def _total(calls: list[ChatResponse]) -> tuple[TokenUsage, float | None]:
    usage = TokenUsage(
        input_tokens=sum(c.usage.input_tokens for c in calls),
        output_tokens=sum(c.usage.output_tokens for c in calls),
        cache_read_tokens=sum(c.usage.cache_read_tokens for c in calls),
        cache_write_tokens=sum(c.usage.cache_write_tokens for c in calls),
        reasoning_tokens=sum(c.usage.reasoning_tokens for c in calls),
    )
    costs = [c.cost_usd for c in calls]
    # One unpriced call makes the total unknown: a partial sum would understate it.
    cost = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    return usage, cost


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    if isinstance(value, ChatResponse):
        return value.text
    return str(value)


def run_version(
    version: AppVersion,
    given: Any = None,
    *,
    client: Client,
    providers: ProviderRegistry | None = None,
    clock: Clock | None = None,
) -> AppRun:
    """Run one app version on *given*; the result carries the output or the error."""
    providers = providers or default_providers()
    clock = clock or SystemClock()
    calls: list[ChatResponse] = []
    failure: BaseException | None = None
    output: Any = None
    started = clock.monotonic()
    with (
        tracing.context(app=version.name, app_version=version.short_hash),
        tracing.span(f"app {version.name}", kind="chain") as root,
    ):
        trace_id = format(root.get_span_context().trace_id, "032x")
        root.set_attribute("llmloop.app_kind", version.spec.kind)
        root.set_input(given)
        try:
            output = _jsonable(_execute(version, given, client, providers, calls, clock))
            root.set_output(output)
        except Exception as exc:  # the run records every failure inside it, user code's too
            failure = exc
            root.set_error(exc)
    usage, cost = _total(calls)
    return AppRun(
        app=version.name,
        version=version.version,
        content_hash=version.content_hash,
        input=_jsonable(given),
        output=output,
        status="error" if failure is not None else "ok",
        error=None if failure is None else str(failure) or type(failure).__name__,
        error_code=(
            None
            if failure is None
            else failure.code
            if isinstance(failure, LlmloopError)
            else type(failure).__name__
        ),
        trace_id=trace_id,
        latency_ms=max(0.0, (clock.monotonic() - started) * 1000.0),
        model_calls=len(calls),
        usage=usage,
        cost_usd=cost,
    )


def run(
    app_ref: str,
    input: Any = None,
    *,
    client: Client | None = None,
    providers: ProviderRegistry | None = None,
) -> AppRun:
    """Run the app version *app_ref* names (``NAME``, ``NAME@3``, ``NAME@<hash>``) on *input*."""
    owned = client is None
    if client is None:
        from llmloop.sdk.connection import connect

        client = connect()
    try:
        return run_version(client.apps.get(app_ref), input, client=client, providers=providers)
    finally:
        if owned:
            client.close()


def _check_prompt_default_model(spec: AppSpec, client: Client, registry: ProviderRegistry) -> None:
    """A prompt app without a model uses its prompt's: that profile must exist here too."""
    if not isinstance(spec, PromptAppSpec) or spec.model is not None:
        return
    reference = parse_reference(spec.prompt, what="prompt")
    try:
        prompt = client.prompts.get(
            reference.name, version=reference.version, label=reference.label
        )
    except LlmloopError:
        return  # the store refuses the spec itself, naming the 'prompt' field
    model = prompt.content.parameters.model
    if model is not None and "/" in model:
        check_spec(spec.model_copy(update={"model": model}), registry)


def push_app(
    source: Path | str | AppSpec,
    *,
    name: str | None = None,
    message: str = "",
    client: Client | None = None,
    providers: ProviderRegistry | None = None,
) -> AppPushResult:
    """Check a spec (or a spec file) where it is pushed, then store it as an app version."""
    if isinstance(source, APP_SPEC_TYPES):
        if name is None:
            raise UsageError("push_app(spec) needs the app's name", hint="Pass name='my-app'.")
        spec, app_name = source, name
    else:
        loaded = read_app_file(Path(source))
        spec, app_name, message = loaded.spec, name or loaded.name, message or loaded.description
    registry = providers or default_providers()
    check_spec(spec, registry)
    spec = with_documents_hash(spec)
    owned = client is None
    if client is None:
        from llmloop.sdk.connection import connect

        client = connect()
    try:
        _check_prompt_default_model(spec, client, registry)
        return client.apps.push(app_name, spec, message=message)
    finally:
        if owned:
            client.close()
