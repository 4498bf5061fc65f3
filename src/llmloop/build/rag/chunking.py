"""Cutting documents into chunks: fixed windows, recursive separators, sentences, headings.

Every chunk's text is exactly ``document.text[start:end]`` (leading and trailing whitespace is
trimmed by moving the offsets, never by rewriting text), so a citation can be shown in place.
A chunk's ``id`` is a hash of its document id, offsets and text: the same document cut the
same way gives the same ids in every run, and a changed document gives new ones.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmloop.build.rag.documents import Document
from llmloop.domain.rag import (
    FixedChunking,
    HeadingChunking,
    RecursiveChunking,
    SentenceChunking,
    parse_chunking,
)

__all__ = ["Chunk", "chunk_document", "chunk_documents", "chunk_id"]

Span = tuple[int, int]


@dataclass(frozen=True)
class Chunk:
    """A piece of one document: ``text == document.text[start:end]``."""

    id: str
    document_id: str
    source: str
    text: str
    start: int
    end: int
    metadata: Mapping[str, Any] = field(default_factory=dict)


def chunk_id(document_id: str, start: int, end: int, text: str) -> str:
    """The stable id of a chunk: 16 hex digits of SHA-256 over document, offsets and text."""
    return hashlib.sha256(f"{document_id}\0{start}\0{end}\0{text}".encode()).hexdigest()[:16]


def chunk_documents(documents: Iterable[Document], chunking: Any) -> list[Chunk]:
    """Cut every document with one strategy (a config object or its dict form)."""
    config = parse_chunking(chunking)
    return [chunk for document in documents for chunk in chunk_document(document, config)]


def chunk_document(
    document: Document,
    config: FixedChunking | RecursiveChunking | SentenceChunking | HeadingChunking,
) -> list[Chunk]:
    """Cut one document; whitespace-only pieces are dropped."""
    text = document.text
    sections: list[tuple[Span, Mapping[str, Any]]]
    if isinstance(config, FixedChunking):
        sections = [(span, {}) for span in _fixed(0, len(text), config)]
    elif isinstance(config, RecursiveChunking):
        sections = [(span, {}) for span in _recursive(text, 0, len(text), config)]
    elif isinstance(config, SentenceChunking):
        sections = [(span, {}) for span in _sentences(text, config)]
    else:
        sections = _headings(text, config)
    chunks: list[Chunk] = []
    for (start, end), extra in sections:
        start, end = _trim(text, start, end)
        if start >= end:
            continue
        piece = text[start:end]
        chunks.append(
            Chunk(
                id=chunk_id(document.id, start, end, piece),
                document_id=document.id,
                source=document.source,
                text=piece,
                start=start,
                end=end,
                metadata={"title": document.title, **extra} if document.title else dict(extra),
            )
        )
    return chunks


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _fixed(start: int, end: int, config: FixedChunking) -> list[Span]:
    step = config.size_chars - config.overlap_chars
    spans: list[Span] = []
    position = start
    while position < end:
        spans.append((position, min(position + config.size_chars, end)))
        if position + config.size_chars >= end:
            break
        position += step
    return spans


def _split_by(text: str, start: int, end: int, separator: str) -> list[Span]:
    """Contiguous pieces of ``text[start:end]``, each ending just after a separator."""
    pieces: list[Span] = []
    position = start
    while position < end:
        found = text.find(separator, position, end)
        if found < 0:
            pieces.append((position, end))
            break
        cut = found + len(separator)
        pieces.append((position, cut))
        position = cut
    return pieces


def _atoms(text: str, start: int, end: int, size: int, separators: Sequence[str]) -> list[Span]:
    """Pieces no longer than ``size``: split by the largest separator present, recursively."""
    if end - start <= size:
        return [(start, end)]
    for index, separator in enumerate(separators):
        if text.find(separator, start, end) < 0:
            continue
        atoms: list[Span] = []
        for piece_start, piece_end in _split_by(text, start, end, separator):
            atoms.extend(_atoms(text, piece_start, piece_end, size, separators[index + 1 :]))
        return atoms
    # no separator left: a hard cut is the only way to respect the size
    return [(position, min(position + size, end)) for position in range(start, end, size)]


def _recursive(text: str, start: int, end: int, config: RecursiveChunking) -> list[Span]:
    atoms = _atoms(text, start, end, config.size_chars, config.separators)
    spans: list[Span] = []
    first = 0
    while first < len(atoms):
        last = first
        while last + 1 < len(atoms) and atoms[last + 1][1] - atoms[first][0] <= config.size_chars:
            last += 1
        spans.append((atoms[first][0], atoms[last][1]))
        if last + 1 >= len(atoms):
            break
        # the next chunk starts with as many trailing atoms as fit in the overlap
        following = last + 1
        while (
            following - 1 > first
            and atoms[last][1] - atoms[following - 1][0] <= config.overlap_chars
            and atoms[last + 1][1] - atoms[following - 1][0] <= config.size_chars
        ):
            following -= 1
        first = following
    return spans


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")


def _sentence_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        if match.start() > position:
            spans.append((position, match.start()))
        position = match.end()
    if position < len(text):
        spans.append((position, len(text)))
    return [span for span in spans if text[span[0] : span[1]].strip()]


def _sentences(text: str, config: SentenceChunking) -> list[Span]:
    sentences = _sentence_spans(text)
    step = config.max_sentences - config.overlap_sentences
    spans: list[Span] = []
    for first in range(0, len(sentences), step):
        group = sentences[first : first + config.max_sentences]
        spans.append((group[0][0], group[-1][1]))
        if first + config.max_sentences >= len(sentences):
            break
    return spans


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_FENCE = re.compile(r"^(```|~~~)", re.MULTILINE)


def _fenced_ranges(text: str) -> list[Span]:
    marks = [match.start() for match in _FENCE.finditer(text)]
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]


def _headings(text: str, config: HeadingChunking) -> list[tuple[Span, Mapping[str, Any]]]:
    fences = _fenced_ranges(text)
    starts: list[tuple[int, int, str]] = []  # (offset, level, title)
    for match in _HEADING.finditer(text):
        level = len(match.group(1))
        inside_code = any(low <= match.start() < high for low, high in fences)
        if level <= config.max_level and not inside_code:
            starts.append((match.start(), level, match.group(2).strip()))
    boundaries = [0, *[offset for offset, _, _ in starts if offset > 0], len(text)]
    path: list[tuple[int, str]] = []
    by_offset = {offset: (level, title) for offset, level, title in starts}
    long_sections = RecursiveChunking(size_chars=config.size_chars, overlap_chars=0)
    sections: list[tuple[Span, Mapping[str, Any]]] = []
    for low, high in itertools.pairwise(boundaries):
        if low in by_offset:
            level, title = by_offset[low]
            path = [(lvl, name) for lvl, name in path if lvl < level] + [(level, title)]
        extra = {"heading": " > ".join(name for _, name in path)} if path else {}
        for span in _recursive(text, low, high, long_sections):
            sections.append((span, extra))
    return sections
