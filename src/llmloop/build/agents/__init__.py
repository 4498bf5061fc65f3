"""Agents: typed Python functions as tools, and a tool-calling loop with two strategies."""

from __future__ import annotations

from llmloop.build.agents.loop import AgentBudget, AgentResult, AgentStep, run_agent
from llmloop.build.agents.tools import Tool, load_tool, load_tools, tool_from_function

__all__ = [
    "AgentBudget",
    "AgentResult",
    "AgentStep",
    "Tool",
    "load_tool",
    "load_tools",
    "run_agent",
    "tool_from_function",
]
