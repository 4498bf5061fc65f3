"""The ``kind: rag`` / ``kind: agent`` YAML examples in the docs are valid specs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from llmloop.build.apps.checks import check_spec
from llmloop.build.providers.registry import ProviderRegistry
from llmloop.domain.apps import AgentAppSpec, RagAppSpec, parse_app_spec

DOCS = Path(__file__).resolve().parents[3] / "docs"
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    found = []
    for name in ("apps.md", "rag.md", "agents.md"):
        for block in _YAML_BLOCK.findall((DOCS / name).read_text(encoding="utf-8")):
            if re.search(r"^kind: (rag|agent)$", block, re.M):
                found.append((name, block))
    return found


def test_every_doc_shows_both_kinds() -> None:
    kinds = {(name, "kind: rag" in block) for name, block in _examples()}
    assert kinds == {("apps.md", True), ("apps.md", False), ("rag.md", True), ("agents.md", False)}


@pytest.mark.parametrize(("doc", "block"), _examples())
def test_the_example_parses_and_agent_tools_load(doc: str, block: str) -> None:
    data = yaml.safe_load(block)
    data.pop("name")
    data.pop("description", None)
    spec = parse_app_spec(data)
    assert isinstance(spec, RagAppSpec | AgentAppSpec), doc
    if isinstance(spec, AgentAppSpec):
        check_spec(spec, ProviderRegistry({}))  # the tools it names import and are typed
