"""The local model's deterministic tool-calling mode: which tools, which arguments, plans."""

from __future__ import annotations

import json

from llmloop.build.agents.loop import run_agent
from llmloop.build.agents.tools import load_tools
from llmloop.build.providers.protocol import ModelProvider
from llmloop.build.providers.registry import ProviderRegistry
from llmloop.domain.chat import ChatMessage, ChatRequest, FinishReason, ToolCall
from llmloop.domain.clock import ManualClock

TOOLS = load_tools(
    [
        "llmloop.build.agents.demo_tools:order_status",
        "llmloop.build.agents.demo_tools:convert_currency",
    ]
)
DEFINITIONS = tuple(tool.definition() for tool in TOOLS)


def _local() -> ModelProvider:
    return ProviderRegistry({}).get("local")


def _ask(*messages: ChatMessage) -> ChatRequest:
    return ChatRequest(model="extractive", messages=messages, tools=DEFINITIONS)


def test_it_calls_the_tools_the_question_names_with_arguments_read_from_it() -> None:
    response = _local().chat(_ask(ChatMessage.user("What is 120 dollars in EUR for order B-42?")))
    assert response.finish_reason is FinishReason.TOOL_CALLS
    assert response.text == ""
    assert [(call.name, call.arguments) for call in response.tool_calls] == [
        ("convert_currency", {"amount": 120.0, "currency": "EUR"}),
        ("order_status", {"order_id": "B-42"}),
    ]
    assert response.usage.output_tokens > 0
    again = _local().chat(_ask(ChatMessage.user("What is 120 dollars in EUR for order B-42?")))
    assert again.tool_calls == response.tool_calls  # deterministic


def test_a_tool_whose_required_argument_is_not_in_the_question_is_not_called() -> None:
    # "dollars" names convert_currency, but no currency is named: only order_status is called
    response = _local().chat(_ask(ChatMessage.user("How many dollars did order A-17 cost?")))
    assert [call.name for call in response.tool_calls] == ["order_status"]
    nothing = _local().chat(_ask(ChatMessage.user("Tell me a joke?")))
    assert nothing.tool_calls == ()
    assert nothing.finish_reason is FinishReason.STOP


def test_once_results_are_in_it_answers_from_them() -> None:
    call = ToolCall(id="1", name="order_status", arguments={"order_id": "A-17"})
    response = _local().chat(
        _ask(
            ChatMessage.user("When does order A-17 arrive?"),
            ChatMessage.assistant("", tool_calls=(call,)),
            ChatMessage.tool("1", "Order A-17 shipped on 3 March and arrives on 6 March."),
        )
    )
    assert response.tool_calls == ()
    assert "arrives on 6 March" in response.text


def test_a_planning_request_gets_a_json_plan_and_the_loop_runs_it() -> None:
    result = run_agent(
        ChatRequest(
            model="extractive",
            messages=(ChatMessage.user("For order B-42, what is 120 dollars in EUR?"),),
        ),
        TOOLS,
        call_model=_local().chat,
        clock=ManualClock(),
        strategy="plan_execute",
    )
    assert result.status == "ok"
    plan = next(step for step in result.steps if step.kind == "plan")
    assert plan.output == [
        {"name": "order_status", "arguments": {"order_id": "B-42"}},
        {"name": "convert_currency", "arguments": {"amount": 120.0, "currency": "EUR"}},
    ]
    assert json.loads(result.responses[0].text)[0]["tool"] == "order_status"
    assert result.output == "120 dollars is 110.40 EUR."
