"""The agent loop: ReAct and plan-then-execute, tool errors fed back, limits on steps and time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from llmloop.build.agents.loop import AgentBudget, parse_plan, run_agent
from llmloop.build.agents.tools import load_tools
from llmloop.build.providers.fake import ScriptedProvider, ScriptedReply
from llmloop.domain.chat import ChatMessage, ChatRequest, Role, ToolCall
from llmloop.domain.clock import ManualClock
from llmloop.errors import ProviderError, ValidationError
from tests.build.agents import sample_tools

TOOLS = load_tools(
    [
        f"tests.build.agents.sample_tools:{name}"
        for name in ("lookup_order", "convert", "slow_search")
    ]
)
TASK = ChatRequest(model="m", messages=(ChatMessage.user("Where is order A-17?"),))


class SpanLog:
    """Records spans as (name, kind, input, output, attributes) in the order they end."""

    def __init__(self) -> None:
        self.opened: list[tuple[str, str]] = []
        self.closed: list[dict[str, Any]] = []

    @contextmanager
    def __call__(self, name: str, kind: str) -> Iterator[Any]:
        record: dict[str, Any] = {"name": name, "kind": kind, "attributes": {}}
        self.opened.append((name, kind))

        class _Span:
            def set_input(self, value: Any) -> None:
                record["input"] = value

            def set_output(self, value: Any) -> None:
                record["output"] = value

            def set_attribute(self, key: str, value: Any) -> None:
                record["attributes"][key] = value

        yield _Span()
        self.closed.append(record)


def _call(name: str, call_id: str = "c1", **arguments: Any) -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments=arguments)


def test_react_runs_tools_and_feeds_errors_back_until_the_answer() -> None:
    provider = ScriptedProvider(
        [
            ScriptedReply(tool_calls=(_call("lookup_order", order_id="B-1"),)),
            ScriptedReply(
                tool_calls=(
                    _call("lookup_order", "c2", order_id="A-17"),
                    _call("refund", "c3", order_id="A-17"),
                )
            ),
            "Order A-17 has shipped.",
        ]
    )
    spans = SpanLog()
    result = run_agent(TASK, TOOLS, call_model=provider.chat, clock=ManualClock(), open_span=spans)

    assert (result.status, result.output, result.error) == ("ok", "Order A-17 has shipped.", None)
    assert [(s.kind, s.name, s.is_error) for s in result.steps if s.kind == "tool"] == [
        ("tool", "lookup_order", True),
        ("tool", "lookup_order", False),
        ("tool", "refund", True),
    ]
    # the second model call saw the first tool's error, the third saw both results
    second = provider.requests[1].messages
    assert second[-1].role is Role.TOOL
    assert second[-1].content == "error: KeyError: 'no order B-1'"
    third = [m.content for m in provider.requests[2].messages if m.role is Role.TOOL]
    assert third[1] == '{"id": "A-17", "status": "shipped"}'
    assert third[2].startswith("error: there is no tool 'refund'")
    assert [tool.name for tool in provider.requests[0].tools] == [
        "lookup_order",
        "convert",
        "slow_search",
    ]
    assert spans.opened == [
        ("agent react", "agent"),
        ("step 1", "llm"),
        ("tool lookup_order", "tool"),
        ("step 2", "llm"),
        ("tool lookup_order", "tool"),
        ("tool refund", "tool"),
        ("step 3", "llm"),
    ]
    agent = spans.closed[-1]
    assert agent["attributes"]["llmloop.agent.status"] == "ok"
    assert agent["attributes"]["llmloop.agent.model_calls"] == 3
    assert spans.closed[1]["attributes"]["llmloop.tool.error"] is True


def test_react_stops_at_the_step_limit() -> None:
    looping = ScriptedProvider(
        lambda request: ScriptedReply(tool_calls=(_call("convert", amount=1, currency="EUR"),))
    )
    result = run_agent(
        TASK,
        TOOLS,
        call_model=looping.chat,
        clock=ManualClock(),
        budget=AgentBudget(max_steps=3),
    )
    assert result.status == "step_limit"
    assert result.output is None
    assert result.error == "the agent used its 3 model calls"
    assert len(looping.requests) == 3


def test_the_time_budget_stops_a_slow_tool_loop_in_simulated_time() -> None:
    sample_tools.CLOCK = clock = ManualClock()
    provider = ScriptedProvider(
        lambda request: ScriptedReply(tool_calls=(_call("slow_search", query="lamps"),))
    )
    result = run_agent(
        TASK,
        TOOLS,
        call_model=provider.chat,
        clock=clock,
        budget=AgentBudget(max_steps=50, time_budget_s=100),
    )
    # 40 s per search: after 3 searches (120 s) the next model call is not made
    assert result.status == "time_budget"
    assert len(provider.requests) == 3
    assert clock.monotonic() == 120
    assert result.error == "the agent ran out of its 100 s budget"


def test_plan_then_execute_plans_in_its_own_span_then_runs_steps_in_order() -> None:
    plan = [
        {"tool": "lookup_order", "arguments": {"order_id": "A-17", "include_items": True}},
        {"tool": "convert", "arguments": {"amount": 30, "currency": "EUR"}},
        {"tool": "convert", "arguments": {"amount": "lots"}},
    ]
    provider = ScriptedProvider(
        ["Here is my plan:\n" + json.dumps(plan), "A-17 shipped; 15.00 EUR."]
    )
    spans = SpanLog()
    result = run_agent(
        TASK,
        TOOLS,
        call_model=provider.chat,
        clock=ManualClock(),
        strategy="plan_execute",
        open_span=spans,
    )
    assert (result.status, result.output) == ("ok", "A-17 shipped; 15.00 EUR.")
    assert spans.opened == [
        ("agent plan_execute", "agent"),
        ("plan", "agent"),
        ("plan model", "llm"),
        ("tool lookup_order", "tool"),
        ("tool convert", "tool"),
        ("tool convert", "tool"),
        ("answer", "llm"),
    ]
    plan_span = next(s for s in spans.closed if s["name"] == "plan")
    assert plan_span["output"] == [{"name": s["tool"], "arguments": s["arguments"]} for s in plan]
    assert provider.requests[0].tools == ()
    assert "lookup_order" in provider.requests[0].messages[0].content
    final = provider.requests[1].messages[-1].content
    assert 'step 1 lookup_order({"order_id": "A-17", "include_items": true}):\n' in final
    assert "step 2 convert" in final
    assert "15.00 EUR" in final
    assert "step 3 convert" in final
    assert "missing argument 'currency'" in final


def test_an_unreadable_plan_and_a_provider_failure_are_recorded_errors() -> None:
    result = run_agent(
        TASK,
        TOOLS,
        call_model=ScriptedProvider(["I will look it up."]).chat,
        clock=ManualClock(),
        strategy="plan_execute",
    )
    assert result.status == "error"
    assert result.error is not None
    assert "the plan is not a JSON list" in result.error

    failing = ScriptedProvider([ProviderError("the provider is down", hint="Retry later.")])
    result = run_agent(TASK, TOOLS, call_model=failing.chat, clock=ManualClock())
    assert result.status == "error"
    assert result.error == "ProviderError: the provider is down. Retry later."


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="max_steps: 0 must be at least 1"):
        AgentBudget(max_steps=0)
    with pytest.raises(ValidationError, match="time_budget_s"):
        AgentBudget(time_budget_s=0)
    with pytest.raises(ValidationError, match="'tree' is not a planning strategy"):
        run_agent(TASK, TOOLS, call_model=lambda r: None, clock=ManualClock(), strategy="tree")  # type: ignore[arg-type,return-value]
    with pytest.raises(ValidationError, match="list of"):
        parse_plan('[{"step": 1}]', ["convert"])
