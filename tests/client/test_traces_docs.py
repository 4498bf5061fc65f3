"""The example at the top of docs/traces.md runs as written, offline, on the embedded store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmloop.sdk import runtime

DOC = Path(__file__).resolve().parents[2] / "docs" / "traces.md"


@pytest.fixture
def _fresh_sdk() -> Iterator[None]:
    runtime.reset_for_tests()
    yield
    runtime.reset_for_tests()


@pytest.mark.usefixtures("_fresh_sdk")
def test_the_traces_doc_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert found is not None
    monkeypatch.chdir(tmp_path)
    exec(compile(found.group(1), str(DOC), "exec"), {"__name__": "docs_traces"})  # noqa: S102
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 1 None"
    assert lines[1] == "And my billing address?"
    assert lines[2] == "answer agent [('chat', 'gpt-4o-mini')]"
    assert lines[3] == ("3 ['How do I reset my password?', 'And my billing address?', 'Thanks!']")
