"""The agent loop: a model that calls tools, under a step limit and a time budget.

Two strategies:

- ``react``: the model is asked with the tools on offer; each tool call it makes is run and
  its result (or ``error: ...``) is sent back, until it answers without calling a tool.
- ``plan_execute``: the model first writes a plan (a JSON list of ``{"tool", "arguments"}``
  steps) in its own ``plan`` span; the steps then run in order, each a ``tool`` span, and a
  final model call answers from their results.

A *step* is one model call; ``max_steps`` bounds them. The time budget is checked on the
injected clock before every model and tool call, so a slow tool cannot keep the loop going
and tests run budgets in simulated time. Stopping early is a result (``status`` is
``step_limit`` or ``time_budget``), never an exception; a tool's failure goes back to the model
and never ends the loop. Every model call and tool call is a span, opened through the
``open_span`` seam (the SDK passes its tracer; the build layer cannot import it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from llmloop.build.agents.tools import Tool, ToolOutcome
from llmloop.domain.chat import ChatMessage, ChatRequest, ChatResponse, ToolCall
from llmloop.domain.clock import Clock
from llmloop.errors import ValidationError

__all__ = [
    "PLAN_INSTRUCTIONS_START",
    "AgentBudget",
    "AgentResult",
    "AgentStep",
    "SpanLike",
    "run_agent",
]

Strategy = Literal["react", "plan_execute"]
Status = Literal["ok", "step_limit", "time_budget", "error"]


class SpanLike(Protocol):
    """What the loop records on a span (the SDK's spans have these methods)."""

    def set_input(self, value: Any) -> None: ...
    def set_output(self, value: Any) -> None: ...
    def set_attribute(self, key: str, value: Any) -> None: ...


OpenSpan = Callable[[str, str], AbstractContextManager[SpanLike]]
CallModel = Callable[[ChatRequest], ChatResponse]


class _NullSpan:
    def set_input(self, value: Any) -> None:
        return None

    def set_output(self, value: Any) -> None:
        return None

    def set_attribute(self, key: str, value: Any) -> None:
        return None


@contextmanager
def _no_span(name: str, kind: str) -> Iterator[SpanLike]:
    yield _NullSpan()


@dataclass(frozen=True)
class AgentBudget:
    """Limits of one run: model calls and seconds on the injected clock."""

    max_steps: int = 8
    time_budget_s: float = 60.0

    def __post_init__(self) -> None:
        if self.max_steps <= 0:
            raise ValidationError(
                f"max_steps: {self.max_steps} must be at least 1", hint="Allow 1 or more."
            )
        if self.time_budget_s <= 0:
            raise ValidationError(
                f"time_budget_s: {self.time_budget_s} must be positive", hint="Give seconds > 0."
            )


@dataclass(frozen=True)
class AgentStep:
    """One thing the agent did: a model call, a plan, or a tool call and its result."""

    kind: Literal["model", "plan", "tool"]
    name: str
    input: Any
    output: Any
    is_error: bool = False


@dataclass
class AgentResult:
    """The answer (when there is one), why the loop ended, and every step on the way."""

    output: str | None
    status: Status
    steps: list[AgentStep] = field(default_factory=list)
    error: str | None = None
    responses: list[ChatResponse] = field(default_factory=list)
    failure: Exception | None = None  # what ended a run with status "error", if it raised


class _Run:
    """The state of one run: budget accounting, spans and the step log."""

    def __init__(
        self,
        tools: Sequence[Tool],
        call_model: CallModel,
        budget: AgentBudget,
        clock: Clock,
        open_span: OpenSpan,
    ) -> None:
        self.tools = {tool.name: tool for tool in tools}
        self.call_model = call_model
        self.budget = budget
        self.clock = clock
        self.open_span = open_span
        self.started = clock.monotonic()
        self.result = AgentResult(output=None, status="ok")

    def out_of_time(self) -> bool:
        return self.clock.monotonic() - self.started >= self.budget.time_budget_s

    def stop_reason(self) -> Status | None:
        if self.out_of_time():
            return "time_budget"
        if len(self.result.responses) >= self.budget.max_steps:
            return "step_limit"
        return None

    def ask(self, name: str, kind: str, request: ChatRequest) -> ChatResponse:
        with self.open_span(name, kind) as span:
            span.set_input(
                [m.model_dump(mode="json", exclude_defaults=True) for m in request.messages]
            )
            span.set_attribute("gen_ai.request.model", request.model)
            response = self.call_model(request)
            span.set_output(response.model_dump(mode="json", include={"text", "tool_calls"}))
        self.result.responses.append(response)
        return response

    def run_tool(self, call: ToolCall) -> ToolOutcome:
        tool = self.tools.get(call.name)
        with self.open_span(f"tool {call.name}", "tool") as span:
            span.set_input(call.arguments)
            span.set_attribute("llmloop.tool.name", call.name)
            if tool is None:
                known = ", ".join(sorted(self.tools)) or "none"
                outcome = ToolOutcome(
                    f"error: there is no tool {call.name!r} (tools: {known})", True
                )
            else:
                outcome = tool.call(call.arguments)
            span.set_output(outcome.content)
            span.set_attribute("llmloop.tool.error", outcome.is_error)
        self.result.steps.append(
            AgentStep("tool", call.name, call.arguments, outcome.content, outcome.is_error)
        )
        return outcome

    def stop(self, status: Status) -> AgentResult:
        self.result.status = status
        limits = {
            "step_limit": f"the agent used its {self.budget.max_steps} model calls",
            "time_budget": f"the agent ran out of its {self.budget.time_budget_s:g} s budget",
        }
        self.result.error = limits.get(status)
        return self.result


def _react(run: _Run, request: ChatRequest) -> AgentResult:
    messages = list(request.messages)
    definitions = tuple(tool.definition() for tool in run.tools.values())
    while True:
        reason = run.stop_reason()
        if reason is not None:
            return run.stop(reason)
        step = len(run.result.responses) + 1
        response = run.ask(
            f"step {step}",
            "llm",
            request.model_copy(update={"messages": tuple(messages), "tools": definitions}),
        )
        run.result.steps.append(AgentStep("model", f"step {step}", None, response.text))
        if not response.tool_calls:
            run.result.output = response.text
            return run.result
        messages.append(response.as_message())
        for call in response.tool_calls:
            if run.out_of_time():
                return run.stop("time_budget")
            messages.append(ChatMessage.tool(call.id, run.run_tool(call).content))


#: How a planning request's system message starts (the offline local model recognises it).
PLAN_INSTRUCTIONS_START = "Plan before acting."
_PLAN_INSTRUCTIONS = (
    PLAN_INSTRUCTIONS_START + " Reply with only a JSON list of steps, each "
    '{{"tool": NAME, "arguments": {{...}}}}, using these tools:\n{tools}'
)
_JSON_LIST = re.compile(r"\[.*\]", re.S)


def parse_plan(text: str, tools: Sequence[str]) -> list[ToolCall]:
    """The steps of a plan written as a JSON list; ``ValidationError`` says what is wrong."""
    match = _JSON_LIST.search(text)
    try:
        steps = json.loads(match.group(0) if match else text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"the plan is not a JSON list ({exc.msg})",
            hint="The planning model must answer with a JSON list of tool steps.",
        ) from None
    if not isinstance(steps, list) or not all(
        isinstance(step, dict) and isinstance(step.get("tool"), str) for step in steps
    ):
        raise ValidationError(
            "the plan must be a list of {'tool': NAME, 'arguments': {...}} steps",
            hint="The planning model must answer with a JSON list of tool steps.",
        )
    return [
        ToolCall(
            id=f"plan-{index}",
            name=step["tool"],
            arguments=step.get("arguments") if isinstance(step.get("arguments"), dict) else {},
        )
        for index, step in enumerate(steps, start=1)
    ]


def _plan_execute(run: _Run, request: ChatRequest) -> AgentResult:
    catalogue = json.dumps(
        [tool.definition().model_dump(mode="json") for tool in run.tools.values()]
    )
    planning = request.model_copy(
        update={
            "messages": (
                ChatMessage.system(_PLAN_INSTRUCTIONS.format(tools=catalogue)),
                *request.messages,
            ),
            "tools": (),
        }
    )
    with run.open_span("plan", "agent") as plan_span:
        plan_span.set_attribute("llmloop.agent.strategy", "plan_execute")
        response = run.ask("plan model", "llm", planning)
        try:
            plan = parse_plan(response.text, list(run.tools))
        except ValidationError as error:
            plan_span.set_output({"error": error.message})
            run.result.status, run.result.error = "error", str(error)
            return run.result
        plan_span.set_output([call.model_dump(mode="json", exclude={"id"}) for call in plan])
    run.result.steps.append(
        AgentStep("plan", "plan", None, [c.model_dump(mode="json", exclude={"id"}) for c in plan])
    )
    results: list[str] = []
    for number, call in enumerate(plan, start=1):
        if run.out_of_time():
            return run.stop("time_budget")
        outcome = run.run_tool(call)
        results.append(
            # the result on a line of its own: a reader that splits lines sees it as a sentence
            f"step {number} {call.name}({json.dumps(call.arguments)}):\n{outcome.content}"
        )
    reason = run.stop_reason()
    if reason is not None:
        return run.stop(reason)
    answer = run.ask(
        "answer",
        "llm",
        request.model_copy(
            update={
                "messages": (
                    *request.messages,
                    ChatMessage.user("Results of the plan:\n" + "\n".join(results)),
                ),
                "tools": (),
            }
        ),
    )
    run.result.steps.append(AgentStep("model", "answer", None, answer.text))
    run.result.output = answer.text
    return run.result


def run_agent(
    request: ChatRequest,
    tools: Sequence[Tool],
    *,
    call_model: CallModel,
    clock: Clock,
    strategy: Strategy = "react",
    budget: AgentBudget | None = None,
    open_span: OpenSpan = _no_span,
) -> AgentResult:
    """Run one agent task; every stop (answer, limit, failure) comes back as a result."""
    if strategy not in ("react", "plan_execute"):
        raise ValidationError(
            f"strategy: {strategy!r} is not a planning strategy",
            hint="Use 'react' or 'plan_execute'.",
        )
    run = _Run(tools, call_model, budget or AgentBudget(), clock, open_span)
    with open_span(f"agent {strategy}", "agent") as span:
        span.set_input([m.model_dump(mode="json", exclude_defaults=True) for m in request.messages])
        span.set_attribute("llmloop.agent.strategy", strategy)
        try:
            result = (_react if strategy == "react" else _plan_execute)(run, request)
        except Exception as exc:  # a provider failure ends the run as a recorded error
            run.result.status = "error"
            run.result.error = f"{type(exc).__name__}: {exc}"
            run.result.failure = exc
            result = run.result
        span.set_attribute("llmloop.agent.status", result.status)
        span.set_attribute("llmloop.agent.model_calls", len(result.responses))
        span.set_output(result.output if result.error is None else {"error": result.error})
    return result
