"""Push-time checks of ``rag`` and ``agent`` specs on the pusher's machine; each names its field."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from llmloop.build.apps.checks import check_spec, with_documents_hash
from llmloop.build.providers.registry import ProviderRegistry
from llmloop.domain.apps import RagAppSpec, parse_app_spec
from llmloop.errors import ValidationError

PROVIDERS = ProviderRegistry({})


def _rag(tmp_path: Path, **fields: Any) -> RagAppSpec:
    spec = parse_app_spec(
        {
            "kind": "rag",
            "documents": {"paths": [str(tmp_path)]},
            "model": "local/extractive",
            **fields,
        }
    )
    assert isinstance(spec, RagAppSpec)
    return spec


def test_the_documents_hash_is_set_from_the_files_and_follows_their_content(
    tmp_path: Path,
) -> None:
    (tmp_path / "faq.md").write_text("# FAQ\n\nRefunds take five days.", encoding="utf-8")
    first = with_documents_hash(_rag(tmp_path))
    assert isinstance(first, RagAppSpec)
    assert first.documents_sha256 is not None
    assert len(first.documents_sha256) == 64
    assert with_documents_hash(_rag(tmp_path)) == first  # same files, same hash
    (tmp_path / "faq.md").write_text("# FAQ\n\nRefunds take six days.", encoding="utf-8")
    second = with_documents_hash(_rag(tmp_path))
    assert isinstance(second, RagAppSpec)
    assert second.documents_sha256 != first.documents_sha256


def test_inline_records_are_hashed_too(tmp_path: Path) -> None:
    spec = parse_app_spec(
        {
            "kind": "rag",
            "model": "local/extractive",
            "documents": {"records": [{"id": "1", "body": "Refunds take five days."}]},
        }
    )
    with pytest.raises(ValidationError, match=r"documents: .*has no 'text' string"):
        with_documents_hash(spec)
    fixed = spec.model_copy(
        update={
            "documents": spec.documents.model_copy(  # type: ignore[union-attr]
                update={"text_field": "body"}
            )
        }
    )
    hashed = with_documents_hash(fixed)
    assert isinstance(hashed, RagAppSpec)
    assert hashed.documents_sha256 is not None


def test_documents_that_cannot_be_read_are_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_bytes(b"caf\xe9")
    missing = tmp_path / "gone.md"
    spec = _rag(tmp_path).model_copy(
        update={
            "documents": _rag(tmp_path).documents.model_copy(
                update={"paths": (str(tmp_path), str(missing))}
            )
        }
    )
    with pytest.raises(ValidationError) as caught:
        with_documents_hash(spec)
    message = str(caught.value)
    assert message.startswith("the app spec is invalid: documents: some documents cannot be read")
    assert "notes.txt: is not UTF-8 text" in message
    assert "gone.md: no such file or folder" in message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"retrieval": {"retriever": "dense"}}, "retrieval.retriever"),
        ({"retrieval": {"retriever": "hybrid"}}, "retrieval.retriever"),
        ({"rerank": {"method": "mmr", "vectors": "embedding"}}, "rerank.vectors"),
    ],
)
def test_embeddings_without_the_extra_are_refused_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fields: dict[str, Any], field: str
) -> None:
    check_spec(_rag(tmp_path, **fields), PROVIDERS)  # the extra is installed here
    # None in sys.modules makes the import (and its lookup) fail, as if it were not installed
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ValidationError) as caught:
        check_spec(_rag(tmp_path, **fields), PROVIDERS)
    assert f"{field}: embeddings need the embeddings extra" in str(caught.value)
    assert "sentence_transformers missing" in str(caught.value)
    assert "pip install 'llmloop[embeddings]'" in str(caught.value)
    check_spec(_rag(tmp_path), PROVIDERS)  # bm25 needs no extra


def test_a_bad_answer_template_is_named(tmp_path: Path) -> None:
    check_spec(_rag(tmp_path, answer_template="{{ context }}\nQ: {{ question }}"), PROVIDERS)
    for template, needle in (
        ("{{ customer }}", "uses variable 'customer', which is not declared"),
        ("{{ question ", "the template is not valid"),
    ):
        with pytest.raises(ValidationError) as caught:
            check_spec(_rag(tmp_path, answer_template=template), PROVIDERS)
        assert "answer_template: " in str(caught.value)
        assert needle in str(caught.value)


def test_a_model_profile_the_pusher_lacks_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="model: there is no model provider profile"):
        check_spec(_rag(tmp_path, model="nowhere/m"), PROVIDERS)


@pytest.mark.parametrize(
    ("tool", "needle"),
    [
        ("tests.build.agents.no_such_module:f", "tools: unknown tool"),
        ("tests.build.agents.sample_tools:refund", "has no function 'refund'"),
        ("tests.build.agents.sample_tools:untyped", "parameter 'query' has no type hint"),
    ],
)
def test_agent_tools_that_do_not_import_or_lack_types_are_named(tool: str, needle: str) -> None:
    spec = parse_app_spec(
        {
            "kind": "agent",
            "model": "local/extractive",
            "tools": ["tests.build.agents.sample_tools:lookup_order", tool],
        }
    )
    with pytest.raises(ValidationError) as caught:
        check_spec(spec, PROVIDERS)
    assert str(caught.value).startswith("the app spec is invalid: tools: ")
    assert needle in str(caught.value)
    assert tool in str(caught.value) or "'query'" in str(caught.value)
