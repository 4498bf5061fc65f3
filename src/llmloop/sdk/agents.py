"""Agent runs traced with llmloop's tracer: an ``agent`` span, a span per model and tool call.

The loop itself lives in :mod:`llmloop.build.agents.loop`; this module only hands it the SDK's
``span`` as its tracing seam, so a plan-then-execute run shows ``plan`` followed by its ``tool``
spans in order, under one ``agent`` span. :func:`run_agent_app` runs a ``kind: agent`` version;
:func:`agent_app` does the same for a ``kind: python`` spec whose config holds the settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from llmloop.build.agents.loop import (
    AgentBudget,
    AgentResult,
    CallModel,
    SpanLike,
    Strategy,
    run_agent,
)
from llmloop.build.agents.tools import Tool, load_tools
from llmloop.build.apps.execution import AppContext
from llmloop.domain.apps import AgentAppSpec
from llmloop.domain.chat import ChatMessage, ChatRequest
from llmloop.domain.clock import Clock, SystemClock
from llmloop.errors import OperationError, ValidationError
from llmloop.sdk import tracing

__all__ = ["agent_app", "run_agent_app", "run_traced_agent"]


def _open_span(name: str, kind: str) -> AbstractContextManager[SpanLike]:
    return tracing.span(name, kind=kind)


def run_traced_agent(
    request: ChatRequest,
    tools: Sequence[Tool],
    *,
    call_model: CallModel,
    clock: Clock,
    strategy: Strategy = "react",
    budget: AgentBudget | None = None,
) -> AgentResult:
    """Run an agent task with every model and tool call recorded as a span."""
    return run_agent(
        request,
        tools,
        call_model=call_model,
        clock=clock,
        strategy=strategy,
        budget=budget,
        open_span=_open_span,
    )


@contextmanager
def _no_llm_span(name: str, kind: str) -> Iterator[SpanLike]:
    """Agent, plan and tool spans; model calls are traced by the app's context already."""
    if kind == "llm":
        with nullcontext(_Quiet()) as quiet:
            yield quiet
        return
    with tracing.span(name, kind=kind) as span:
        yield span


class _Quiet:
    def set_input(self, value: Any) -> None:
        return None

    def set_output(self, value: Any) -> None:
        return None

    def set_attribute(self, key: str, value: Any) -> None:
        return None


def agent_app(input: Any, ctx: Any) -> dict[str, Any]:
    """An agent as a Python app: ``entrypoint: llmloop.sdk.agents:agent_app``.

    ``config``: ``tools`` (import paths), ``strategy`` (``react`` or ``plan_execute``),
    ``max_steps``, ``time_budget_s`` and ``instructions`` (a system message). The input is the
    task (text, or ``{"task": ...}``). A bad tool or setting ends the run as an error naming it.
    """
    config = ctx.config
    paths = config.get("tools", [])
    if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
        raise ValidationError(
            "config.tools: must be a list of import paths",
            hint="List tools as 'package.module:function'.",
        )
    tools = load_tools(paths)
    budget = AgentBudget(
        max_steps=int(config.get("max_steps", 8)),
        time_budget_s=float(config.get("time_budget_s", 60.0)),
    )
    task = str(input["task"] if isinstance(input, dict) else input)
    instructions = config.get("instructions")
    messages = (
        *((ChatMessage.system(str(instructions)),) if instructions else ()),
        ChatMessage.user(task),
    )
    result = run_agent(
        ChatRequest(model="app-model", messages=messages),
        tools,
        call_model=ctx.send,
        clock=SystemClock(),
        strategy=config.get("strategy", "react"),
        budget=budget,
        open_span=_no_llm_span,
    )
    if result.status == "error":
        raise OperationError(f"the agent failed: {result.error}", hint="See its trace.")
    return {
        "answer": result.output,
        "status": result.status,
        "error": result.error,
        "tool_calls": _tool_calls(result),
    }


def _tool_calls(result: AgentResult) -> list[dict[str, Any]]:
    return [
        {"tool": step.name, "arguments": step.input, "error": step.is_error}
        for step in result.steps
        if step.kind == "tool"
    ]


def run_agent_app(spec: AgentAppSpec, input: Any, ctx: AppContext, clock: Clock) -> dict[str, Any]:
    """Run a ``kind: agent`` version on *input* (the task: text, or ``{"task": ...}``).

    Only an answer is a result: a model failure, the step limit or the time budget (counted on
    *clock*) ends the run as an error naming why. A tool that fails is not one: its error goes
    back to the model, and the ``tool`` span records it.
    """
    tools = load_tools(spec.tools)
    task = str(input["task"] if isinstance(input, dict) else input)
    messages = (
        *((ChatMessage.system(spec.system_prompt),) if spec.system_prompt else ()),
        ChatMessage.user(task),
    )
    result = run_agent(
        ChatRequest(model="app-model", messages=messages),
        tools,
        call_model=ctx.send,
        clock=clock,
        strategy=spec.strategy,
        budget=AgentBudget(max_steps=spec.max_steps, time_budget_s=spec.time_budget_s),
        open_span=_no_llm_span,
    )
    if result.failure is not None:
        raise result.failure
    if result.status != "ok":
        raise OperationError(
            f"the agent stopped without an answer: {result.error}",
            hint="See the run's trace; raise max_steps or time_budget_s if the task needs more.",
        )
    plan = next((step.output for step in result.steps if step.kind == "plan"), None)
    return {
        "answer": result.output,
        "strategy": spec.strategy,
        **({"plan": plan} if plan is not None else {}),
        "tool_calls": _tool_calls(result),
    }
