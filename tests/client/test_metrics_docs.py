"""The example at the top of docs/metrics.md runs as written, offline, on the embedded store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmloop.sdk import runtime

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


@pytest.fixture
def _fresh_sdk() -> Iterator[None]:
    runtime.reset_for_tests()
    yield
    runtime.reset_for_tests()


@pytest.mark.usefixtures("_fresh_sdk")
def test_the_metrics_doc_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert found is not None
    monkeypatch.chdir(tmp_path)
    code = compile(found.group(1), str(DOC), "exec")
    exec(code, {"__name__": "docs_metrics"})  # noqa: S102 (our own documentation)
    lines = capsys.readouterr().out.splitlines()
    # one line per version (both in the same hour, or split over an hour boundary), then samples
    assert {line.split()[2] for line in lines[:-1]} == {"v1", "v2"}
    assert sum(int(line.split()[3]) for line in lines[:-1]) == 20
    count, truncated, _latency = lines[-1].split()
    assert (count, truncated) == ("20", "False")
