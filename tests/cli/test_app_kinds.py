"""`llmloop app push` / `run` with ``kind: rag`` and ``kind: agent`` spec files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import RunCli

RAG_YAML = """\
name: docs-bot
description: Answers from the docs folder
kind: rag
documents:
  paths: [{docs}]
chunking: {{strategy: heading, max_level: 1}}
retrieval: {{retriever: bm25, top_k: 2}}
model: local/extractive
"""


def test_push_reads_the_documents_and_run_answers_from_them(
    run_cli: RunCli, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "faq.md").write_text("# Backups\n\nBackups are kept for 35 days.\n")
    spec = tmp_path / "docs-bot.yaml"
    spec.write_text(RAG_YAML.format(docs=json.dumps(str(docs))))
    pushed = run_cli("app", "push", str(spec), "--json")
    assert pushed.exit_code == 0, pushed.output
    stored = json.loads(pushed.stdout)[0]["version"]["spec"]
    assert stored["kind"] == "rag"
    assert len(stored["documents_sha256"]) == 64

    ran = run_cli("app", "run", "docs-bot", "-i", "How long are backups kept?", "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["output"]["answer"] == "Backups are kept for 35 days."

    (docs / "faq.md").write_bytes(b"\xff\xfe broken")
    refused = run_cli("app", "push", str(spec))
    assert refused.exit_code == 2
    assert "documents: some documents cannot be read" in refused.output
    assert "faq.md: is not UTF-8 text" in refused.output


def test_an_agent_whose_tool_has_no_types_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    spec = tmp_path / "agent.yaml"
    spec.write_text(
        "name: helper\nkind: agent\nmodel: local/extractive\n"
        "tools: ['tests.build.agents.sample_tools:untyped']\n"
    )
    refused = run_cli("app", "push", str(spec))
    assert refused.exit_code == 2, refused.output
    assert "tools: tool 'untyped': parameter 'query' has no type hint" in refused.output
    assert json.loads(run_cli("app", "list", "--json").stdout) == []
