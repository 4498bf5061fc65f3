"""Pushing and reading ``rag`` and ``agent`` versions, embedded and over HTTP, on both dialects."""

from __future__ import annotations

import pytest

from llmloop.client.protocols import Client
from llmloop.domain.apps import AgentAppSpec, RagAppSpec, parse_app_spec, spec_hash
from llmloop.domain.prompts import PromptContent, PromptKind
from llmloop.errors import ValidationError

RAG = parse_app_spec(
    {
        "kind": "rag",
        "documents": {"paths": ["docs/"], "records": [{"id": "a", "text": "Refunds: ten days."}]},
        "chunking": {"strategy": "sentence", "max_sentences": 3, "overlap_sentences": 1},
        "retrieval": {"retriever": "hybrid", "top_k": 8, "rrf_k": 30},
        "rerank": {"method": "mmr", "top_k": 3, "diversity": 0.4},
        "model": "local/extractive",
        "answer_template": "{{ context }}\n\nQuestion: {{ question }}",
        "params": {"temperature": 0, "max_tokens": 80},
        "documents_sha256": "0" * 64,
    }
)
AGENT = parse_app_spec(
    {
        "kind": "agent",
        "model": "local/extractive",
        "tools": ["llmloop.build.agents.demo_tools:order_status"],
        "strategy": "plan_execute",
        "max_steps": 5,
        "time_budget_s": 12.5,
        "system_prompt": "Use the tools.",
    }
)


def test_both_kinds_are_stored_and_read_back_exactly(project_client: Client) -> None:
    apps = project_client.apps
    for name, spec in (("docs-bot", RAG), ("orders", AGENT)):
        pushed = apps.push(name, spec, message="first")
        assert pushed.created
        assert pushed.version.spec == spec
        assert pushed.version.content_hash == spec_hash(spec)
        got = apps.get(f"{name}@1")
        assert got.spec == spec
        assert got.message == "first"
        assert not apps.push(name, spec).created
    kinds = {summary.name: summary.kind for summary in apps.list()}
    assert kinds == {"docs-bot": "rag", "orders": "agent"}
    assert isinstance(apps.get("docs-bot").spec, RagAppSpec)
    assert isinstance(apps.get("orders").spec, AgentAppSpec)


def test_another_documents_hash_is_another_version(project_client: Client) -> None:
    apps = project_client.apps
    apps.push("docs-bot", RAG)
    changed = apps.push("docs-bot", RAG.model_copy(update={"documents_sha256": "1" * 64}))
    assert changed.created
    assert changed.version.version == 2


def test_a_rag_prompt_is_resolved_and_file_documents_need_their_hash(
    project_client: Client,
) -> None:
    project_client.prompts.push(
        "rag-answer",
        PromptContent(
            kind=PromptKind.TEXT,
            text="{{ context }} {{ question }}",
            variables=[{"name": "context"}, {"name": "question"}],  # type: ignore[list-item]
        ),
    )
    assert isinstance(RAG, RagAppSpec)
    with_prompt = RAG.model_copy(update={"answer_template": None, "prompt": "rag-answer"})
    pushed = project_client.apps.push("prompted", with_prompt)
    assert pushed.version.spec.prompt == "rag-answer@1"  # type: ignore[union-attr]
    with pytest.raises(ValidationError, match="prompt: prompt 'nope'"):
        project_client.apps.push(
            "bad", RAG.model_copy(update={"answer_template": None, "prompt": "nope"})
        )
    with pytest.raises(ValidationError, match="documents_sha256: is missing"):
        project_client.apps.push("bad", RAG.model_copy(update={"documents_sha256": None}))
    assert [summary.name for summary in project_client.apps.list()] == ["prompted"]
