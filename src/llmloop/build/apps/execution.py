"""How an app version turns an input into model requests; no tracing and no I/O here.

A ``prompt`` app renders its prompt version with the input as variables (a plain-text input
fills the prompt's only variable) and asks its model once. A ``python`` app calls the team's
function with the input and an :class:`AppContext`, whose ``chat`` asks the app's model with
the app's parameters. Both reach the model only through the ``call_model`` function they are
given, so the SDK can trace each call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from llmloop.build.prompts.rendering import render_prompt
from llmloop.build.providers.registry import ModelAddress, parse_model_address
from llmloop.domain.apps import AppParameters, AppSpec, PromptAppSpec, PythonAppSpec
from llmloop.domain.chat import ChatMessage, ChatRequest, ChatResponse, Role
from llmloop.domain.prompts import PromptKind, PromptVersion
from llmloop.errors import ValidationError

__all__ = ["AppContext", "CallModel", "prompt_request", "prompt_variables"]

CallModel = Callable[[ModelAddress, ChatRequest], ChatResponse]


def prompt_variables(version: PromptVersion, given: Any) -> Mapping[str, Any]:
    """The input as template variables: a mapping as it is, a text for the only variable."""
    if given is None:
        return {}
    if isinstance(given, Mapping):
        return given
    names = [variable.name for variable in version.content.variables]
    if isinstance(given, str) and len(names) == 1:
        return {names[0]: given}
    raise ValidationError(
        f"the input of a prompt app is a mapping of its prompt's variables, not "
        f"{type(given).__name__}",
        hint=f"Pass e.g. {{{', '.join(repr(n) + ': ...' for n in names) or ''}}}.",
    )


def prompt_request(
    spec: PromptAppSpec, version: PromptVersion, given: Any
) -> tuple[ModelAddress, ChatRequest]:
    """The model and request for one run: the spec's parameters over the prompt's defaults."""
    rendered = render_prompt(version.content, prompt_variables(version, given))
    defaults = version.content.parameters
    model = spec.model or defaults.model
    if model is None:
        raise ValidationError(
            f"neither the app nor prompt {version.name}@{version.version} names a model",
            hint="Add 'model: PROFILE/MODEL' to the app spec.",
        )
    address = parse_model_address(model)
    messages: tuple[ChatMessage, ...]
    if rendered.kind is PromptKind.TEXT:
        messages = (ChatMessage.user(rendered.text or ""),)
    else:
        messages = tuple(
            ChatMessage(role=Role(message["role"]), content=message["content"])
            for message in rendered.messages
        )
    request = ChatRequest(
        model=address.model,
        messages=messages,
        temperature=(
            spec.params.temperature if spec.params.temperature is not None else defaults.temperature
        ),
        max_tokens=(
            spec.params.max_tokens if spec.params.max_tokens is not None else defaults.max_tokens
        ),
        extras={**defaults.extras, **spec.params.extras},
    )
    return address, request


class AppContext:
    """What a ``python`` app's function gets besides its input: config and a model to ask.

    The ``rag`` and ``agent`` kinds ask their model through one too (their config is empty).
    """

    def __init__(self, spec: AppSpec, call_model: CallModel) -> None:
        self.config: dict[str, Any] = dict(spec.config) if isinstance(spec, PythonAppSpec) else {}
        self.model = spec.model
        self.params: AppParameters = spec.params
        self._call_model = call_model

    def chat(
        self,
        messages: str | list[ChatMessage] | tuple[ChatMessage, ...],
        *,
        system: str | None = None,
        model: str | None = None,
        **extras: Any,
    ) -> ChatResponse:
        """Ask the app's model (or *model*, ``PROFILE/MODEL``); the call is traced."""
        chosen = model or self.model
        if chosen is None:
            raise ValidationError(
                "this app declares no model, and ctx.chat() was given none",
                hint="Add 'model: PROFILE/MODEL' to the app spec, or pass model=... to chat().",
            )
        conversation = (ChatMessage.user(messages),) if isinstance(messages, str) else messages
        if system is not None:
            conversation = (ChatMessage.system(system), *conversation)
        address = parse_model_address(chosen)
        request = ChatRequest(
            model=address.model,
            messages=tuple(conversation),
            temperature=self.params.temperature,
            max_tokens=self.params.max_tokens,
            extras={**self.params.extras, **extras},
        )
        return self._call_model(address, request)

    def call(self, address: ModelAddress, request: ChatRequest) -> ChatResponse:
        """Send a request prepared elsewhere (e.g. a rendered prompt) to *address*; traced."""
        return self._call_model(address, request)

    def send(self, request: ChatRequest) -> ChatResponse:
        """Send a whole request (tools included) to the app's model; the call is traced.

        ``request.model`` is replaced by the app's model, and the app's parameters fill what
        the request leaves unset; agents use this to offer tools.
        """
        if self.model is None:
            raise ValidationError(
                "this app declares no model to send the request to",
                hint="Add 'model: PROFILE/MODEL' to the app spec.",
            )
        address = parse_model_address(self.model)
        request = request.model_copy(
            update={
                "model": address.model,
                "temperature": request.temperature
                if request.temperature is not None
                else self.params.temperature,
                "max_tokens": request.max_tokens
                if request.max_tokens is not None
                else self.params.max_tokens,
                "extras": {**self.params.extras, **request.extras},
            }
        )
        return self._call_model(address, request)
