"""The ``rag`` and ``agent`` app kinds: typed settings, errors naming the field, hashing."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from llmloop.domain.apps import (
    APP_KINDS,
    APP_SPEC_TYPES,
    AgentAppSpec,
    AppSpec,
    RagAppSpec,
    parse_app_spec,
    spec_hash,
)
from llmloop.domain.rag import FixedChunking, RecursiveChunking
from llmloop.errors import ValidationError

RAG: dict[str, Any] = {
    "kind": "rag",
    "documents": {"paths": ["docs/"]},
    "model": "local/extractive",
}
AGENT: dict[str, Any] = {
    "kind": "agent",
    "model": "local/extractive",
    "tools": ["tests.build.agents.sample_tools:lookup_order"],
}


def test_a_rag_spec_takes_the_typed_rag_settings_with_defaults() -> None:
    spec = parse_app_spec(
        {**RAG, "chunking": {"strategy": "fixed", "size_chars": 200, "overlap_chars": 20}}
    )
    assert isinstance(spec, RagAppSpec)
    assert spec.chunking == FixedChunking(size_chars=200, overlap_chars=20)
    assert (spec.retrieval.retriever, spec.retrieval.top_k, spec.rerank.method) == (
        "bm25",
        5,
        "none",
    )
    assert parse_app_spec(RAG).chunking == RecursiveChunking()  # type: ignore[union-attr]


def test_an_agent_spec_has_its_strategy_limits_and_tools() -> None:
    spec = parse_app_spec({**AGENT, "strategy": "plan_execute", "time_budget_s": 5})
    assert isinstance(spec, AgentAppSpec)
    assert (spec.strategy, spec.max_steps, spec.time_budget_s) == ("plan_execute", 8, 5.0)
    assert spec.tools == ("tests.build.agents.sample_tools:lookup_order",)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (
            {**RAG, "chunking": {"strategy": "fixed", "size_chars": 0}},
            "chunking.size_chars: Input should be greater than 0",
        ),
        (
            {**RAG, "chunking": {"strategy": "fixed", "size_chars": 50, "overlap_chars": 50}},
            "chunking.overlap_chars: 50 must be smaller than size_chars (50)",
        ),
        (
            {**RAG, "chunking": {"strategy": "pages"}},
            "chunking.strategy: 'pages' is not a strategy",
        ),
        ({**RAG, "retrieval": {"top_k": 0}}, "retrieval.top_k"),
        ({**RAG, "retrieval": {"retriever": "magic"}}, "retrieval.retriever"),
        ({**RAG, "rerank": {"method": "mmr", "diversity": 2}}, "rerank.diversity"),
        ({**RAG, "documents": {}}, "documents: name paths or records"),
        ({**RAG, "documents": {"paths": ["a"], "folder": "b"}}, "documents.folder: is not"),
        ({k: v for k, v in RAG.items() if k != "model"}, "model: Field required"),
        ({**RAG, "prompt": "p", "answer_template": "t"}, "answer_template: give a prompt or"),
        ({**RAG, "documents_sha256": "abc"}, "documents_sha256"),
        ({**RAG, "entrypoint": "a:b"}, "entrypoint: is not a field of this kind of app"),
        ({**AGENT, "tools": []}, "tools: "),
        ({**AGENT, "tools": ["not a path"]}, "tools.0: 'not a path' is not"),
        ({**AGENT, "strategy": "guess"}, "strategy: Input should be 'react' or 'plan_execute'"),
        ({**AGENT, "max_steps": 0}, "max_steps: Input should be greater than or equal to 1"),
        ({**AGENT, "time_budget_s": 0}, "time_budget_s: Input should be greater than 0"),
        ({**AGENT, "model": "gpt-4o"}, "model: 'gpt-4o' is not PROFILE/MODEL"),
        ({"kind": "chatbot"}, "use 'prompt', 'python', 'rag' or 'agent'"),
    ],
)
def test_each_bad_setting_is_named(data: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match="the app spec is invalid") as caught:
        parse_app_spec(data)
    assert needle in str(caught.value)


def test_the_hash_covers_the_documents_hash_and_every_setting() -> None:
    base = parse_app_spec({**RAG, "documents_sha256": "a" * 64})
    variants = [
        parse_app_spec({**RAG, "documents_sha256": "b" * 64}),
        parse_app_spec({**RAG, "documents_sha256": "a" * 64, "retrieval": {"top_k": 3}}),
        parse_app_spec({**RAG, "documents_sha256": "a" * 64, "answer_template": "{{ question }}"}),
    ]
    assert len({spec_hash(spec) for spec in [base, *variants]}) == 4
    agent = parse_app_spec(AGENT)
    assert spec_hash(agent) != spec_hash(parse_app_spec({**AGENT, "max_steps": 9}))


def test_every_kind_round_trips_through_json() -> None:
    for data in (RAG, AGENT):
        spec = parse_app_spec(data)
        assert parse_app_spec(spec.model_dump(mode="json")) == spec
    assert APP_KINDS == ("prompt", "python", "rag", "agent")


def test_the_isinstance_tuple_and_the_kind_names_follow_the_one_union() -> None:
    members = get_args(get_args(AppSpec)[0])
    assert members == APP_SPEC_TYPES
    assert tuple(member.model_fields["kind"].default for member in members) == APP_KINDS
