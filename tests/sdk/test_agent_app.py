"""An agent as a Python app: tools by import path, traced tool and model calls, run errors."""

from __future__ import annotations

import llmloop
from llmloop.build.providers import ProviderRegistry, ScriptedProvider, ScriptedReply
from llmloop.client.local import LocalClient
from llmloop.domain.apps import PythonAppSpec
from llmloop.domain.chat import Role, ToolCall
from llmloop.sdk.apps import push_app
from tests.sdk.conftest import MemorySink
from tests.sdk.fakes import attributes_of

TOOLS = ["tests.build.agents.sample_tools:lookup_order"]


def _push(local: LocalClient, providers: ProviderRegistry, name: str, **config: object) -> None:
    spec = PythonAppSpec(
        entrypoint="llmloop.sdk.agents:agent_app",
        model="sim/agent-model",
        params={"temperature": 0.0},  # type: ignore[arg-type]
        config=config,  # type: ignore[arg-type]
    )
    push_app(spec, name=name, client=local, providers=providers)


def test_an_agent_app_calls_its_tools_and_every_call_is_a_span(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    fake = ScriptedProvider(
        [
            ScriptedReply(
                tool_calls=(ToolCall(id="1", name="lookup_order", arguments={"order_id": "A-17"}),)
            ),
            "Order A-17 has shipped.",
        ]
    )
    providers = ProviderRegistry({}, instances={"sim": fake})
    _push(local_admin, providers, "orders", tools=TOOLS, instructions="Be brief.", max_steps=4)
    run = llmloop.run("orders", "Where is A-17?", client=local_admin, providers=providers)

    assert run.status == "ok", run.error
    assert run.output == {
        "answer": "Order A-17 has shipped.",
        "status": "ok",
        "error": None,
        "tool_calls": [{"tool": "lookup_order", "arguments": {"order_id": "A-17"}, "error": False}],
    }
    assert run.model_calls == 2
    first = fake.requests[0]
    assert (first.model, first.temperature) == ("agent-model", 0.0)
    assert [tool.name for tool in first.tools] == ["lookup_order"]
    assert [m.role for m in first.messages] == [Role.SYSTEM, Role.USER]
    assert fake.requests[1].messages[-1].content == '{"id": "A-17", "status": "shipped"}'

    assert llmloop.flush(10).complete
    app = memory_sink.by_name("app orders")
    agent = memory_sink.by_name("agent react")
    tool = memory_sink.by_name("tool lookup_order")
    chats = [span for span in memory_sink.spans if span.name == "chat sim/agent-model"]
    assert agent.parent_span_id == app.span_id
    assert tool.parent_span_id == agent.span_id
    assert len(chats) == 2
    assert all(span.parent_span_id == agent.span_id for span in chats)
    assert attributes_of(tool)["llmloop.kind"] == "tool"


def test_an_unknown_tool_or_an_untyped_one_is_a_run_error_naming_it(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    providers = ProviderRegistry({}, instances={"sim": ScriptedProvider(["never asked"])})
    for name, tools, expected in (
        ("unknown", ["tests.build.agents.sample_tools:refund"], "unknown tool"),
        ("untyped", ["tests.build.agents.sample_tools:untyped"], "parameter 'query' has no type"),
        ("not-a-list", "oops", "config.tools: must be a list"),
    ):
        _push(local_admin, providers, name, tools=tools)
        run = llmloop.run(name, "task", client=local_admin, providers=providers)
        assert run.status == "error"
        assert run.error is not None
        assert expected in run.error
        assert run.model_calls == 0


def test_a_looping_model_ends_at_the_step_limit_as_a_result(
    local_admin: LocalClient, memory_sink: MemorySink
) -> None:
    looping = ScriptedProvider(
        lambda request: ScriptedReply(
            tool_calls=(ToolCall(id="x", name="lookup_order", arguments={"order_id": "B"}),)
        )
    )
    providers = ProviderRegistry({}, instances={"sim": looping})
    _push(local_admin, providers, "loops", tools=TOOLS, max_steps=2)
    run = llmloop.run("loops", "task", client=local_admin, providers=providers)
    assert run.status == "ok"
    assert isinstance(run.output, dict)
    assert run.output["status"] == "step_limit"
    assert run.output["answer"] is None
    assert run.model_calls == 2
