"""The visible text of an HTML page, with headings kept as Markdown ``#`` lines.

Uses the standard library's ``html.parser`` (tolerant of broken markup). Script, style and
other invisible elements are dropped; block elements end a line so sentences of different
paragraphs never run together; ``<h1>``..``<h6>`` become ``#``..``######`` lines so the heading
chunking strategy works on HTML as it does on Markdown.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

_INVISIBLE = {"script", "style", "noscript", "template", "head", "svg", "title"}
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "li", "ul",
    "ol", "table", "tr", "br", "hr", "pre", "blockquote", "dd", "dt", "figure", "figcaption",
    "h1", "h2", "h3", "h4", "h5", "h6", "title", "body", "html",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self._hidden_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in _INVISIBLE:
            self._hidden_depth += 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n\n" if tag in _HEADINGS or tag == "p" else "\n")
        if tag in _HEADINGS and not self._hidden_depth:
            self.parts.append("#" * _HEADINGS[tag] + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _INVISIBLE:
            self._hidden_depth = max(0, self._hidden_depth - 1)
            return
        if tag in _BLOCKS:
            self.parts.append("\n\n" if tag in _HEADINGS or tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        if not self._hidden_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> tuple[str, str]:
    """Return ``(title, text)`` of an HTML page: its ``<title>`` and its visible text."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = [line.strip() for line in "".join(collector.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    title = " ".join("".join(collector.title_parts).split())
    return title, text
