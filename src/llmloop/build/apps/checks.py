"""Checks of a spec against the machine that pushes it: model profiles and Python callables.

The store checks what it can (the spec's shape, that its prompt exists); these checks need the
pusher's environment: that the ``model`` names a provider profile of its settings, and that a
``python`` app's entrypoint imports and takes ``(input, ctx)``. A failed check is a
``ValidationError`` naming the field and the reason, and nothing is stored.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from llmloop.build.providers.registry import ProviderRegistry, parse_model_address
from llmloop.domain.apps import PromptAppSpec, PythonAppSpec
from llmloop.domain.model_refs import MODEL_REF_PREFIX
from llmloop.errors import LlmloopError, ValidationError

__all__ = ["check_spec", "load_entrypoint"]


def _invalid(field: str, problem: str, hint: str) -> ValidationError:
    return ValidationError(f"the app spec is invalid: {field}: {problem}", hint=hint)


def load_entrypoint(entrypoint: str) -> Callable[..., Any]:
    """Import ``package.module:function`` and check it can be called as ``fn(input, ctx)``."""
    module_name, _, attribute = entrypoint.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # any failure while importing user code is the user's to see
        raise _invalid(
            "entrypoint",
            f"module {module_name!r} cannot be imported ({type(exc).__name__}: {exc})",
            "Check the module path and that the package is installed where llmloop runs.",
        ) from None
    for part in attribute.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise _invalid(
                "entrypoint",
                f"{module_name!r} has no {attribute!r}",
                "Name a function of that module, e.g. 'mypackage.bot:answer'.",
            )
    if not callable(target):
        raise _invalid("entrypoint", f"{entrypoint!r} is not callable", "Name a function.")
    try:
        inspect.signature(target).bind(None, None)
    except TypeError:
        raise _invalid(
            "entrypoint",
            f"{entrypoint!r} cannot be called with (input, ctx)",
            "Define it as 'def answer(input, ctx): ...' (two positional parameters).",
        ) from None
    except ValueError:
        pass  # builtins without a signature: trust them
    return target  # type: ignore[no-any-return]


def _check_model(field: str, model: str, registry: ProviderRegistry) -> None:
    if model.startswith(MODEL_REF_PREFIX):
        return  # a model reference is resolved (and its existence checked) by the store
    try:
        registry.profile(parse_model_address(model).profile)
    except LlmloopError as error:
        raise _invalid(field, error.message, error.hint or "") from None


def check_spec(spec: PromptAppSpec | PythonAppSpec, registry: ProviderRegistry) -> None:
    """Raise ``ValidationError`` unless the spec can run with *registry*'s profiles."""
    if spec.model is not None:
        _check_model("model", spec.model, registry)
    if isinstance(spec, PythonAppSpec):
        load_entrypoint(spec.entrypoint)
