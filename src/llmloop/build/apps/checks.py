"""Checks of a spec against the machine that pushes it: profiles, callables, tools, documents.

The store checks what it can (the spec's shape, that its prompt exists); these checks need the
pusher's environment: that the ``model`` names a provider profile of its settings, that a
``python`` app's entrypoint imports and takes ``(input, ctx)``, that an ``agent``'s tools
import and have typed signatures, and that a ``rag`` app's documents can be read here (their
SHA-256 is then written into the spec by :func:`with_documents_hash`) and its dense retrieval
has the embeddings extra. A failed check is a ``ValidationError`` naming the field and the
reason, and nothing is stored.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from llmloop.build.agents.tools import load_tools
from llmloop.build.prompts.rendering import check_templates
from llmloop.build.providers.registry import ProviderRegistry, parse_model_address
from llmloop.build.rag.dense import EMBEDDINGS_INSTALL_HINT, missing_embedding_modules
from llmloop.build.rag.documents import documents_sha256, load_spec_documents
from llmloop.domain.apps import AgentAppSpec, AppSpec, PythonAppSpec, RagAppSpec
from llmloop.domain.model_refs import MODEL_REF_PREFIX
from llmloop.domain.prompts import PromptContent, PromptKind, PromptVariable
from llmloop.errors import LlmloopError, ValidationError

__all__ = [
    "RAG_TEMPLATE_VARIABLES",
    "answer_template_content",
    "check_spec",
    "load_entrypoint",
    "with_documents_hash",
]

#: The variables a RAG app's answer template (or prompt) is rendered with.
RAG_TEMPLATE_VARIABLES = ("question", "context")


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


def answer_template_content(template: str) -> PromptContent:
    """A RAG app's answer template as a text prompt with the variables question and context."""
    return PromptContent(
        kind=PromptKind.TEXT,
        text=template,
        variables=[PromptVariable(name=name) for name in RAG_TEMPLATE_VARIABLES],
    )


def _check_rag(spec: RagAppSpec) -> None:
    needs_embeddings = [
        field
        for field, used in (
            ("retrieval.retriever", spec.retrieval.retriever in ("dense", "hybrid")),
            ("rerank.vectors", spec.rerank.method == "mmr" and spec.rerank.vectors == "embedding"),
        )
        if used
    ]
    missing = missing_embedding_modules() if needs_embeddings else []
    if missing:
        raise _invalid(
            needs_embeddings[0],
            f"embeddings need the embeddings extra, which is not installed here "
            f"({', '.join(missing)} missing)",
            EMBEDDINGS_INSTALL_HINT + " (or use retriever: bm25 and lexical rerank vectors).",
        )
    if spec.answer_template is not None:
        try:
            check_templates(answer_template_content(spec.answer_template))
        except ValidationError as error:
            raise _invalid("answer_template", error.message, error.hint or "") from None


def _check_agent(spec: AgentAppSpec) -> None:
    try:
        load_tools(spec.tools)
    except ValidationError as error:
        raise _invalid("tools", error.message, error.hint or "") from None


def check_spec(spec: AppSpec, registry: ProviderRegistry) -> None:
    """Raise ``ValidationError`` unless the spec can run with *registry*'s profiles."""
    if spec.model is not None:
        _check_model("model", spec.model, registry)
    if isinstance(spec, PythonAppSpec):
        load_entrypoint(spec.entrypoint)
    elif isinstance(spec, RagAppSpec):
        _check_rag(spec)
    elif isinstance(spec, AgentAppSpec):
        _check_agent(spec)


def with_documents_hash(spec: AppSpec) -> AppSpec:
    """A RAG spec with ``documents_sha256`` of its documents as read here; others unchanged."""
    if not isinstance(spec, RagAppSpec):
        return spec
    try:
        documents = load_spec_documents(spec.documents)
    except ValidationError as error:
        raise _invalid("documents", error.message, error.hint or "") from None
    return spec.model_copy(update={"documents_sha256": documents_sha256(documents)})
