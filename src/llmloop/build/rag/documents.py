"""Documents a RAG pipeline reads: from files, folders, or a list of records (a dataset).

Formats by file suffix: text (``.txt``), Markdown (``.md``, ``.markdown``), HTML (``.html``,
``.htm``; visible text only, headings kept as Markdown ``#`` lines so heading chunking works on
them), JSON Lines (``.jsonl``; one document per line, text in the ``text`` field) and PDF
(``.pdf``; text of each page, read with ``pypdf``). Folders are read recursively in name order;
files of other types inside a folder are skipped, but a file named explicitly must be of a
known type. Every document that cannot be read is named in one error, and nothing is returned.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmloop.build.rag.html_text import html_to_text
from llmloop.domain.apps import RagDocuments
from llmloop.errors import ValidationError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Document",
    "document_id",
    "documents_from_records",
    "documents_sha256",
    "load_documents",
    "load_spec_documents",
]

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
    ".pdf": "pdf",
}


@dataclass(frozen=True)
class Document:
    """One source text: ``id`` is a hash of source and text, so it is stable across runs."""

    id: str
    source: str
    text: str
    format: str
    title: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


def document_id(source: str, text: str) -> str:
    """The stable id of a document: the first 16 hex digits of SHA-256 over source and text."""
    return hashlib.sha256(f"{source}\0{text}".encode()).hexdigest()[:16]


def _document(
    source: str, text: str, fmt: str, title: str = "", metadata: Mapping[str, Any] | None = None
) -> Document:
    return Document(
        id=document_id(source, text),
        source=source,
        text=text,
        format=fmt,
        title=title,
        metadata=dict(metadata or {}),
    )


class _Problems:
    """Collects every unreadable document so one error can name them all."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, reason: str) -> None:
        self.items.append(f"{where}: {reason}")

    def raise_if_any(self, what: str, hint: str) -> None:
        if self.items:
            shown = "; ".join(self.items[:10])
            more = f" (and {len(self.items) - 10} more)" if len(self.items) > 10 else ""
            raise ValidationError(f"{what}: {shown}{more}", hint=hint)


def load_documents(
    paths: Iterable[str | Path], *, text_field: str = "text", root: Path | None = None
) -> list[Document]:
    """Read every file and folder named; ``ValidationError`` names each unreadable document.

    ``root`` makes relative paths relative to it and sources are written relative to it, so
    the same folder gives the same document ids wherever it is checked out.
    """
    problems = _Problems()
    files: list[Path] = []
    for given in paths:
        path = Path(given) if root is None or Path(given).is_absolute() else root / given
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                )
            )
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                known = ", ".join(sorted(SUPPORTED_SUFFIXES))
                problems.add(str(given), f"is not a supported type (use {known})")
            else:
                files.append(path)
        else:
            problems.add(str(given), "no such file or folder")
    documents: list[Document] = []
    for path in files:
        source = _source_name(path, root)
        documents.extend(_read_file(path, source, text_field, problems))
    problems.raise_if_any(
        "some documents cannot be read",
        "Fix or remove the named files (text must be UTF-8; JSON Lines need a "
        f"{text_field!r} string on each line).",
    )
    return documents


def _source_name(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _read_file(path: Path, source: str, text_field: str, problems: _Problems) -> list[Document]:
    fmt = SUPPORTED_SUFFIXES[path.suffix.lower()]
    if fmt == "pdf":
        return _read_pdf(path, source, problems)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.add(source, f"is not UTF-8 text (byte {exc.start})")
        return []
    except OSError as exc:
        problems.add(source, f"cannot be read ({exc.strerror or exc})")
        return []
    if fmt == "jsonl":
        return _read_jsonl(raw, source, text_field, problems)
    if fmt == "html":
        title, text = html_to_text(raw)
        return [_document(source, text, fmt, title)]
    return [_document(source, raw, fmt, _markdown_title(raw) if fmt == "markdown" else "")]


def _markdown_title(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def _read_jsonl(raw: str, source: str, text_field: str, problems: _Problems) -> list[Document]:
    documents: list[Document] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(where, f"is not JSON ({exc.msg})")
            continue
        document = _record_document(record, where, source, text_field, problems)
        if document is not None:
            documents.append(document)
    return documents


def _record_document(
    record: Any, where: str, collection: str, text_field: str, problems: _Problems
) -> Document | None:
    """A record as a document; its source is ``collection#id`` when it has an id, else where."""
    if not isinstance(record, dict):
        problems.add(where, "is not a JSON object")
        return None
    text = record.get(text_field)
    if not isinstance(text, str):
        problems.add(where, f"has no {text_field!r} string")
        return None
    record_id = record.get("id")
    source = f"{collection}#{record_id}" if record_id is not None else where
    title = record.get("title")
    metadata = {k: v for k, v in record.items() if k not in (text_field, "title")}
    return _document(source, text, "record", title if isinstance(title, str) else "", metadata)


def _read_pdf(path: Path, source: str, problems: _Problems) -> list[Document]:
    # pypdf is imported here: only PDF users pay for it
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        problems.add(source, f"is not a readable PDF ({type(exc).__name__}: {exc})")
        return []
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        problems.add(source, "has no extractable text (a scanned PDF needs OCR first)")
        return []
    metadata_title = reader.metadata.title if reader.metadata is not None else None
    return [_document(source, text, "pdf", metadata_title or "", {"pages": len(pages)})]


def documents_from_records(
    records: Sequence[Mapping[str, Any]], *, text_field: str = "text", source: str = "records"
) -> list[Document]:
    """Documents from records (e.g. a dataset's items); each needs a ``text_field`` string."""
    problems = _Problems()
    documents: list[Document] = []
    for index, record in enumerate(records):
        document = _record_document(
            dict(record), f"{source}[{index}]", source, text_field, problems
        )
        if document is not None:
            documents.append(document)
    problems.raise_if_any(
        "some records are not documents",
        f"Give every record a {text_field!r} string (or set text_field to the field that "
        "holds the text).",
    )
    return documents


def load_spec_documents(source: RagDocuments) -> list[Document]:
    """The documents a RAG app spec names: its files and folders, then its inline records."""
    documents = load_documents(source.paths, text_field=source.text_field) if source.paths else []
    if source.records:
        documents += documents_from_records(source.records, text_field=source.text_field)
    return documents


def documents_sha256(documents: Sequence[Document]) -> str:
    """The hex SHA-256 of the documents' sources, titles and texts, in order."""
    digest = hashlib.sha256()
    for document in documents:
        # one JSON array per line: no choice of text can make two lists hash alike
        line = json.dumps([document.source, document.title, document.text], ensure_ascii=False)
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()
