"""Chunking: offsets always point at the chunk text, sizes hold, ids are stable."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from llmloop.build.rag.chunking import chunk_document, chunk_documents
from llmloop.build.rag.documents import Document, document_id
from llmloop.domain.rag import (
    FixedChunking,
    HeadingChunking,
    RecursiveChunking,
    SentenceChunking,
)


def _doc(text: str, source: str = "doc.md") -> Document:
    return Document(id=document_id(source, text), source=source, text=text, format="markdown")


GUIDE = (
    "Intro line before any heading.\n\n"
    "# Install\n\nRun pip install llmloop. It needs Python 3.11.\n\n"
    "## Upgrade\n\nRun pip install -U llmloop.\n\n"
    "```\n# not a heading inside code\n```\n\n"
    "# Usage\n\nCall llmloop demo. The demo runs offline!"
)


def test_fixed_windows_overlap_by_the_given_amount() -> None:
    text = "abcdefghijklmnopqrstuvwxyz"
    chunks = chunk_document(_doc(text), FixedChunking(size_chars=10, overlap_chars=4))
    assert [(c.start, c.end) for c in chunks] == [(0, 10), (6, 16), (12, 22), (18, 26)]
    assert [c.text for c in chunks][:2] == ["abcdefghij", "ghijklmnop"]


def test_recursive_prefers_paragraphs_then_sentences() -> None:
    text = "First paragraph here.\n\nSecond one. It has two sentences.\n\nThird."
    chunks = chunk_document(_doc(text), RecursiveChunking(size_chars=40, overlap_chars=0))
    assert [c.text for c in chunks] == [
        "First paragraph here.",
        "Second one. It has two sentences.",
        "Third.",
    ]


def test_recursive_overlap_repeats_whole_pieces() -> None:
    text = "one two three four five six seven eight"
    chunks = chunk_document(_doc(text), RecursiveChunking(size_chars=14, overlap_chars=6))
    assert [c.text for c in chunks] == [
        "one two three",
        "three four",
        "four five six",
        "six seven",
        "seven eight",
    ]


def test_sentences_group_with_overlap() -> None:
    text = "A one. B two? C three! D four.\n\nE five"
    chunks = chunk_document(_doc(text), SentenceChunking(max_sentences=2, overlap_sentences=1))
    assert [c.text for c in chunks] == [
        "A one. B two?",
        "B two? C three!",
        "C three! D four.",
        "D four.\n\nE five",
    ]


def test_headings_make_sections_with_their_path_and_skip_code() -> None:
    chunks = chunk_document(_doc(GUIDE), HeadingChunking(max_level=2))
    assert [(c.text.splitlines()[0], c.metadata.get("heading")) for c in chunks] == [
        ("Intro line before any heading.", None),
        ("# Install", "Install"),
        ("## Upgrade", "Install > Upgrade"),
        ("# Usage", "Usage"),
    ]
    assert "# not a heading inside code" in chunks[2].text
    level_one = chunk_document(_doc(GUIDE), HeadingChunking(max_level=1))
    assert [c.metadata.get("heading") for c in level_one] == [None, "Install", "Usage"]


def test_long_sections_are_split_to_the_size() -> None:
    text = "# Big\n\n" + " ".join(f"word{i}." for i in range(100))
    chunks = chunk_document(_doc(text), HeadingChunking(size_chars=120))
    assert len(chunks) > 3
    assert all(len(c.text) <= 120 for c in chunks)
    assert {c.metadata["heading"] for c in chunks} == {"Big"}


def test_ids_are_stable_and_depend_on_document_and_offsets() -> None:
    config = RecursiveChunking(size_chars=60, overlap_chars=10)
    first = chunk_documents([_doc(GUIDE)], config)
    again = chunk_documents([_doc(GUIDE)], config.model_dump())
    assert [c.id for c in first] == [c.id for c in again]
    elsewhere = chunk_documents([_doc(GUIDE, source="other.md")], config)
    assert not {c.id for c in first} & {c.id for c in elsewhere}
    assert len({c.id for c in first}) == len(first)


TEXTS = st.text(alphabet=st.sampled_from("ab .\n#!?"), max_size=300)
CONFIGS = st.one_of(
    st.builds(
        lambda size, overlap: FixedChunking(size_chars=size, overlap_chars=overlap % size),
        st.integers(1, 50),
        st.integers(0, 49),
    ),
    st.builds(
        lambda size, overlap: RecursiveChunking(size_chars=size, overlap_chars=overlap % size),
        st.integers(1, 50),
        st.integers(0, 49),
    ),
    st.builds(
        lambda size, overlap: SentenceChunking(
            max_sentences=size, overlap_sentences=overlap % size
        ),
        st.integers(1, 5),
        st.integers(0, 4),
    ),
    st.builds(HeadingChunking, max_level=st.integers(1, 6), size_chars=st.integers(1, 80)),
)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, config=CONFIGS)
def test_every_chunk_is_its_slice_and_all_text_is_covered(text: str, config: object) -> None:
    document = _doc(text)
    chunks = chunk_document(document, config)  # type: ignore[arg-type]
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.text == chunk.text.strip()
        assert chunk.text
        if isinstance(config, FixedChunking | RecursiveChunking | HeadingChunking):
            assert len(chunk.text) <= config.size_chars
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    if not isinstance(config, SentenceChunking):
        # sentence chunking drops only the whitespace between sentences
        assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
