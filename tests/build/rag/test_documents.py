"""Loading documents: every format, folders, records, and errors that name what failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmloop.build.rag.documents import (
    document_id,
    documents_from_records,
    load_documents,
)
from llmloop.build.rag.html_text import html_to_text
from llmloop.errors import ValidationError


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text, written by hand (offsets computed, so valid)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref_at = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_at,
    )
    return body


def test_each_format_is_read_from_a_folder_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Plain text here.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Guide\n\nSome *markdown*.", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Page</title><style>p{}</style></head>"
        "<body><h2>Setup</h2><p>Run it.</p><script>x()</script></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "d.jsonl").write_text(
        json.dumps({"id": "r1", "text": "First record.", "title": "One", "lang": "en"})
        + "\n\n"
        + json.dumps({"text": "Second record."})
        + "\n",
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.pdf").write_bytes(_minimal_pdf("Refunds take five days"))
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")

    documents = load_documents([tmp_path], root=tmp_path)

    assert [(d.source, d.format) for d in documents] == [
        ("a.txt", "text"),
        ("b.md", "markdown"),
        ("c.html", "html"),
        ("d.jsonl#r1", "record"),
        ("d.jsonl:3", "record"),
        ("sub/e.pdf", "pdf"),
    ]
    by_source = {d.source: d for d in documents}
    assert by_source["b.md"].title == "Guide"
    assert by_source["c.html"].title == "Page"
    assert by_source["c.html"].text == "## Setup\n\nRun it."
    assert by_source["d.jsonl#r1"].title == "One"
    assert by_source["d.jsonl#r1"].metadata == {"id": "r1", "lang": "en"}
    assert "Refunds take five days" in by_source["sub/e.pdf"].text
    assert by_source["a.txt"].id == document_id("a.txt", "Plain text here.")


def test_ids_are_stable_and_change_with_the_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one", encoding="utf-8")
    first = load_documents([path], root=tmp_path)[0].id
    assert load_documents([path], root=tmp_path)[0].id == first
    path.write_text("two", encoding="utf-8")
    assert load_documents([path], root=tmp_path)[0].id != first


def test_every_unreadable_document_is_named_in_one_error(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9")
    (tmp_path / "bad.jsonl").write_text('{"text": "ok"}\nnot json\n{"title": "x"}\n[1]\n')
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    (tmp_path / "notes.docx").write_bytes(b"PK")

    with pytest.raises(ValidationError) as caught:
        load_documents(
            [
                tmp_path / "good.txt",
                tmp_path / "latin1.txt",
                tmp_path / "bad.jsonl",
                tmp_path / "broken.pdf",
                tmp_path / "notes.docx",
                tmp_path / "missing.md",
            ],
            root=tmp_path,
        )
    message = str(caught.value)
    assert "latin1.txt: is not UTF-8 text (byte 3)" in message
    assert "bad.jsonl:2: is not JSON" in message
    assert "bad.jsonl:3: has no 'text' string" in message
    assert "bad.jsonl:4: is not a JSON object" in message
    assert "broken.pdf: is not a readable PDF" in message
    assert "notes.docx" in message
    assert "not a supported type" in message
    assert "missing.md: no such file or folder" in message
    assert "good.txt" not in message


def test_records_become_documents_and_bad_records_are_named() -> None:
    documents = documents_from_records(
        [{"id": 7, "body": "Refund policy."}, {"body": "Shipping."}],
        text_field="body",
        source="faq@2",
    )
    assert [d.source for d in documents] == ["faq@2#7", "faq@2[1]"]
    assert documents[0].metadata == {"id": 7}

    with pytest.raises(ValidationError, match=r"faq\[1\]: has no 'text' string"):
        documents_from_records([{"text": "ok"}, {"question": "no text"}], source="faq")


def test_html_text_drops_invisible_parts_and_keeps_paragraphs_apart() -> None:
    title, text = html_to_text(
        "<title> A  page </title><h1>Top</h1><p>One.</p><p>Two &amp; three.</p>"
        "<noscript>hidden</noscript><ul><li>item</li></ul>"
    )
    assert title == "A page"
    assert text == "# Top\n\nOne.\n\nTwo & three.\n\nitem"
