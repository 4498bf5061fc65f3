"""Pushing and running ``rag`` and ``agent`` app versions: checks at push, spans, run errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

import llmloop
from llmloop.build.providers import ProviderRegistry, ScriptedProvider, ScriptedReply
from llmloop.client.local import LocalClient
from llmloop.domain.apps import AppRun, RagAppSpec, parse_app_spec
from llmloop.domain.chat import ToolCall
from llmloop.domain.prompts import PromptContent, PromptKind
from llmloop.errors import ProviderError, ValidationError
from llmloop.sdk.apps import push_app, run_version
from tests.build.agents import sample_tools
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import attributes_of

FAQ = """# Billing

Refunds reach the original card within ten business days.

# Security

A revoked key stops working within one minute.
"""


def _docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "faq.md").write_text(FAQ, encoding="utf-8")
    return folder


def _rag(folder: Path, **fields: Any) -> RagAppSpec:
    spec = parse_app_spec(
        {
            "kind": "rag",
            "documents": {"paths": [str(folder)]},
            "chunking": {"strategy": "heading", "max_level": 1},
            "retrieval": {"top_k": 2},
            "rerank": {"method": "mmr", "top_k": 1},
            "model": "local/extractive",
            **fields,
        }
    )
    assert isinstance(spec, RagAppSpec)
    return spec


def _output(run: AppRun) -> dict[str, Any]:
    assert isinstance(run.output, dict), run.error
    return cast(dict[str, Any], run.output)


def _flushed(sink: MemorySink) -> MemorySink:
    assert llmloop.flush(10).complete
    return sink


def test_a_rag_version_answers_from_retrieved_chunks_with_spans(
    local_admin: LocalClient, memory_sink: MemorySink, tmp_path: Path
) -> None:
    folder = _docs(tmp_path)
    providers = ProviderRegistry({})
    pushed = push_app(_rag(folder), name="faq", client=local_admin, providers=providers)
    stored = pushed.version.spec
    assert isinstance(stored, RagAppSpec)
    assert stored.documents_sha256 is not None

    run = llmloop.run(
        "faq",
        {"question": "When does a revoked key stop working?"},
        client=local_admin,
        providers=providers,
    )
    assert run.status == "ok", run.error
    assert isinstance(run.output, dict)
    assert _output(run)["answer"] == "A revoked key stops working within one minute."
    contexts = _output(run)["contexts"]
    assert isinstance(contexts, list)
    assert [c["heading"] for c in contexts] == ["Security"]
    assert _output(run)["citations"] == _output(run)["chunks"] == [contexts[0]["id"]]
    assert run.model_calls == 1

    _flushed(memory_sink)
    app = memory_sink.by_name("app faq")
    retrieval = memory_sink.by_name("retrieve bm25")
    rerank = memory_sink.by_name("rerank mmr")
    assert retrieval.parent_span_id == rerank.parent_span_id == app.span_id
    assert attributes_of(app)["llmloop.app_kind"] == "rag"
    retrieved = json.loads(attributes_of(retrieval)["output.value"])
    reranked = json.loads(attributes_of(rerank)["output.value"])
    assert retrieved[0]["heading"] == "Security"
    assert [item["id"] for item in reranked] == [contexts[0]["id"]]


def test_changed_documents_change_the_version_and_fail_the_old_one(
    local_admin: LocalClient, memory_sink: MemorySink, tmp_path: Path
) -> None:
    folder = _docs(tmp_path)
    providers = ProviderRegistry({})
    first = push_app(_rag(folder), name="faq", client=local_admin, providers=providers)
    assert not push_app(_rag(folder), name="faq", client=local_admin, providers=providers).created
    (folder / "faq.md").write_text(FAQ.replace("one minute", "five minutes"), encoding="utf-8")
    second = push_app(_rag(folder), name="faq", client=local_admin, providers=providers)
    assert second.created
    assert second.version.content_hash != first.version.content_hash

    old = run_version(
        first.version,
        "When does a revoked key stop working?",
        client=local_admin,
        providers=providers,
    )
    assert old.status == "error"
    assert old.error_code == "invalid_input"
    assert "documents: they changed since this version was pushed" in (old.error or "")
    new = run_version(
        second.version,
        "When does a revoked key stop working?",
        client=local_admin,
        providers=providers,
    )
    assert new.status == "ok"
    assert "five minutes" in str(new.output)


def test_a_rag_version_asks_with_its_answer_template_or_its_prompt(
    local_admin: LocalClient, memory_sink: MemorySink, tmp_path: Path
) -> None:
    folder = _docs(tmp_path)
    echo = ScriptedProvider(lambda request: request.messages[-1].content)
    providers = ProviderRegistry({}, instances={"sim": echo})
    push_app(
        _rag(folder, model="sim/m", answer_template="Q={{ question }}\n{{ context }}"),
        name="templated",
        client=local_admin,
        providers=providers,
    )
    run = llmloop.run(
        "templated", "How long do refunds take?", client=local_admin, providers=providers
    )
    assert run.status == "ok", run.error
    assert str(_output(run)["answer"]).startswith("Q=How long do refunds take?\n[")
    assert "ten business days" in str(run.output)

    local_admin.prompts.push(
        "rag-answer",
        PromptContent(
            kind=PromptKind.TEXT,
            text="Answer briefly. {{ question }} || {{ context }}",
            variables=[{"name": "question"}, {"name": "context"}],  # type: ignore[list-item]
        ),
    )
    pushed = push_app(
        _rag(folder, model="sim/m", prompt="rag-answer"),
        name="prompted",
        client=local_admin,
        providers=providers,
    )
    assert pushed.version.spec.prompt == "rag-answer@1"
    run = llmloop.run(
        "prompted", "How long do refunds take?", client=local_admin, providers=providers
    )
    assert run.status == "ok", run.error
    assert str(_output(run)["answer"]).startswith("Answer briefly. How long do refunds take? || [")


def test_a_refused_spec_stores_nothing(local_admin: LocalClient, tmp_path: Path) -> None:
    providers = ProviderRegistry({})
    missing = _rag(tmp_path / "nowhere")
    untyped = parse_app_spec(
        {
            "kind": "agent",
            "model": "local/extractive",
            "tools": ["tests.build.agents.sample_tools:untyped"],
        }
    )
    for name, spec, needle in (
        ("docs", missing, "documents: some documents cannot be read"),
        ("agent", untyped, "tools: tool 'untyped': parameter 'query' has no type hint"),
    ):
        with pytest.raises(ValidationError, match=needle):
            push_app(spec, name=name, client=local_admin, providers=providers)
    assert local_admin.apps.list() == []


def test_the_store_refuses_file_documents_without_their_hash(
    local_admin: LocalClient, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="documents_sha256: is missing"):
        local_admin.apps.push("faq", _rag(_docs(tmp_path)))
    records = parse_app_spec(
        {
            "kind": "rag",
            "model": "local/extractive",
            "documents": {"records": [{"text": "Refunds take ten days."}]},
        }
    )
    assert local_admin.apps.push("inline", records).created  # inline records need no hash


AGENT = {
    "kind": "agent",
    "model": "local/extractive",
    "tools": [
        "llmloop.build.agents.demo_tools:order_status",
        "llmloop.build.agents.demo_tools:convert_currency",
    ],
    "max_steps": 4,
}


@pytest.mark.parametrize("strategy", ["react", "plan_execute"])
def test_an_agent_version_runs_with_the_local_model_and_records_its_spans(
    local_admin: LocalClient, memory_sink: MemorySink, strategy: str
) -> None:
    providers = ProviderRegistry({})
    spec = parse_app_spec({**AGENT, "strategy": strategy})
    push_app(spec, name="orders", client=local_admin, providers=providers)
    run = llmloop.run(
        "orders", {"task": "When does order A-17 arrive?"}, client=local_admin, providers=providers
    )
    assert run.status == "ok", run.error
    assert isinstance(run.output, dict)
    assert "arrives on 6 March" in str(_output(run)["answer"])
    assert _output(run)["tool_calls"] == [
        {"tool": "order_status", "arguments": {"order_id": "A-17"}, "error": False}
    ]
    assert run.model_calls == 2
    _flushed(memory_sink)
    app = memory_sink.by_name("app orders")
    agent = memory_sink.by_name(f"agent {strategy}")
    tool = memory_sink.by_name("tool order_status")
    assert agent.parent_span_id == app.span_id
    assert tool.parent_span_id == agent.span_id
    assert attributes_of(app)["llmloop.app_kind"] == "agent"
    chats = [s for s in memory_sink.spans if s.name == "chat local/extractive"]
    assert len(chats) == 2
    if strategy == "plan_execute":
        plan = memory_sink.by_name("plan")
        assert plan.parent_span_id == agent.span_id
        assert plan.end_time_unix_nano <= tool.start_time_unix_nano
        assert _output(run)["plan"] == [{"name": "order_status", "arguments": {"order_id": "A-17"}}]


def test_a_failing_tool_goes_back_to_the_model_and_its_span_records_it(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    providers = ProviderRegistry({})
    push_app(parse_app_spec(AGENT), name="orders", client=local_admin, providers=providers)
    run = llmloop.run("orders", "Where is order Z-99?", client=local_admin, providers=providers)
    assert run.status == "ok", run.error
    assert _output(run)["tool_calls"] == [
        {"tool": "order_status", "arguments": {"order_id": "Z-99"}, "error": True}
    ]
    _flushed(memory_sink)
    tool = attributes_of(memory_sink.by_name("tool order_status"))
    assert tool["llmloop.tool.error"] is True
    assert "there is no order Z-99" in tool["output.value"]


def test_a_model_error_is_a_run_error_with_its_code(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    failing = ScriptedProvider([ProviderError("upstream is down", status=503)])
    providers = ProviderRegistry({}, instances={"sim": failing})
    push_app(
        parse_app_spec({**AGENT, "model": "sim/m"}),
        name="orders",
        client=local_admin,
        providers=providers,
    )
    run = llmloop.run("orders", "Where is order A-17?", client=local_admin, providers=providers)
    assert run.status == "error"
    assert run.error_code == "provider_error"
    assert "upstream is down" in (run.error or "")


def test_the_time_budget_on_the_injected_clock_ends_the_run_as_an_error(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    slow = ScriptedProvider(
        lambda request: ScriptedReply(
            tool_calls=(ToolCall(id="s", name="slow_search", arguments={"query": "x"}),)
        )
    )
    providers = ProviderRegistry({}, instances={"sim": slow})
    spec = parse_app_spec(
        {
            "kind": "agent",
            "model": "sim/m",
            "tools": ["tests.build.agents.sample_tools:slow_search"],
            "max_steps": 50,
            "time_budget_s": 100,
        }
    )
    pushed = push_app(spec, name="slow", client=local_admin, providers=providers)
    run = run_version(
        pushed.version, "search", client=local_admin, providers=providers, clock=sample_tools.CLOCK
    )
    assert run.status == "error"
    assert run.error_code == "operation_failed"
    assert "ran out of its 100 s budget" in (run.error or "")
    assert run.model_calls == 3  # 40 simulated seconds per tool call: 0, 40, 80, then 120 > 100


def test_a_step_limit_is_a_run_error(local_admin: LocalClient, memory_sink: MemorySink) -> None:
    looping = ScriptedProvider(
        lambda request: ScriptedReply(
            tool_calls=(ToolCall(id="x", name="lookup_order", arguments={"order_id": "A-17"}),)
        )
    )
    providers = ProviderRegistry({}, instances={"sim": looping})
    spec = parse_app_spec(
        {
            "kind": "agent",
            "model": "sim/m",
            "tools": ["tests.build.agents.sample_tools:lookup_order"],
            "max_steps": 2,
        }
    )
    push_app(spec, name="loops", client=local_admin, providers=providers)
    run = llmloop.run("loops", "task", client=local_admin, providers=providers)
    assert run.status == "error"
    assert "used its 2 model calls" in (run.error or "")
    assert run.model_calls == 2
