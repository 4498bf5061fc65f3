"""Retrieval, rerank, agent, model and tool calls become real spans through the SDK tracer."""

from __future__ import annotations

import json
from pathlib import Path

import llmloop
from llmloop.build.agents.tools import load_tools
from llmloop.build.providers import ProviderRegistry
from llmloop.build.providers.fake import ScriptedProvider, ScriptedReply
from llmloop.build.rag.documents import documents_from_records
from llmloop.build.rag.retrieval import RagPipeline
from llmloop.client.local import LocalClient
from llmloop.domain.apps import PythonAppSpec
from llmloop.domain.chat import ChatMessage, ChatRequest, ToolCall
from llmloop.domain.clock import ManualClock
from llmloop.sdk.agents import run_traced_agent
from llmloop.sdk.apps import push_app
from llmloop.sdk.rag import traced_retrieve
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import attributes_of


def _flushed(sink: MemorySink) -> MemorySink:
    assert llmloop.flush(10).complete
    return sink


def test_retrieval_and_rerank_spans_record_the_chunks(memory_sink: MemorySink) -> None:
    documents = documents_from_records(
        [
            {"id": "a", "text": "Refunds are paid within five days."},
            {"id": "b", "text": "Refunds are paid within five days."},
            {"id": "c", "text": "Card refunds show on the statement."},
        ],
        source="faq",
    )
    pipeline = RagPipeline(
        documents,
        chunking={"strategy": "sentence", "max_sentences": 3, "overlap_sentences": 0},
        retrieval={"top_k": 3},
        rerank={"method": "mmr", "top_k": 2, "diversity": 0.5},
    )
    with llmloop.span("answer", kind="chain"):
        result = traced_retrieve(pipeline, "when are refunds paid")
    _flushed(memory_sink)

    retrieval = memory_sink.by_name("retrieve bm25")
    rerank = memory_sink.by_name("rerank mmr")
    root = memory_sink.by_name("answer")
    assert retrieval.parent_span_id == root.span_id == rerank.parent_span_id
    retrieved = json.loads(attributes_of(retrieval)["output.value"])
    assert [item["id"] for item in retrieved] == [item.chunk.id for item in result.retrieved]
    assert retrieved[0]["source"] == "faq#a"
    assert attributes_of(retrieval)["llmloop.kind"] == "retrieval"
    assert attributes_of(retrieval)["input.value"] == "when are refunds paid"
    reranked = json.loads(attributes_of(rerank)["output.value"])
    assert [item["source"] for item in reranked] == ["faq#a", "faq#c"]
    assert attributes_of(rerank)["llmloop.kind"] == "rerank"


def test_an_agent_run_is_an_agent_span_with_llm_and_tool_children(
    memory_sink: MemorySink,
) -> None:
    tools = load_tools(["tests.build.agents.sample_tools:lookup_order"])
    provider = ScriptedProvider(
        [
            ScriptedReply(
                tool_calls=(ToolCall(id="1", name="lookup_order", arguments={"order_id": "A-17"}),)
            ),
            "It shipped.",
        ]
    )
    result = run_traced_agent(
        ChatRequest(model="m", messages=(ChatMessage.user("Where is A-17?"),)),
        tools,
        call_model=provider.chat,
        clock=ManualClock(),
    )
    assert result.output == "It shipped."
    _flushed(memory_sink)

    agent = memory_sink.by_name("agent react")
    tool = memory_sink.by_name("tool lookup_order")
    steps = [memory_sink.by_name("step 1"), memory_sink.by_name("step 2")]
    assert {span.parent_span_id for span in [tool, *steps]} == {agent.span_id}
    assert attributes_of(agent)["llmloop.kind"] == "agent"
    assert attributes_of(tool)["llmloop.kind"] == "tool"
    assert attributes_of(tool)["output.value"] == '{"id": "A-17", "status": "shipped"}'
    assert [attributes_of(s)["llmloop.kind"] for s in steps] == ["llm", "llm"]
    assert steps[0].start_time_unix_nano <= tool.start_time_unix_nano
    assert tool.end_time_unix_nano <= steps[1].start_time_unix_nano


def test_the_rag_app_records_a_bad_config_or_unreadable_documents_as_run_errors(
    local_admin: LocalClient, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_bytes(b"caf\xe9")
    providers = ProviderRegistry({})
    for name, config, expected in (
        ("no-docs", {}, "config.documents: must be a list of files or folders"),
        ("bad-docs", {"documents": [str(tmp_path)]}, "notes.txt: is not UTF-8 text"),
        (
            "bad-chunks",
            {"documents": [str(tmp_path)], "chunking": {"strategy": "fixed", "size_chars": 0}},
            "chunking.size_chars",
        ),
    ):
        push_app(
            PythonAppSpec(
                entrypoint="llmloop.sdk.rag:answer", model="local/extractive", config=config
            ),
            name=name,
            client=local_admin,
            providers=providers,
        )
        run = llmloop.run(name, "anything?", client=local_admin, providers=providers)
        assert run.status == "error"
        assert run.error is not None
        assert expected in run.error
