"""The writing half of the offline ``local`` model: follow simple output-format instructions.

Understood instructions (anywhere in the system or user text outside the context):

- a word limit: "in at most 12 words", "no more than 5 words", "in one word";
- JSON: "respond in JSON with keys "answer" and "source"" (quoted or back-ticked key names;
  ``answer``/``response``/``output``/``text`` get the answer, ``source``/``evidence``/
  ``quote``/``citation`` the whole supporting sentence, ``confidence``/``score`` a 0-1
  overlap figure, other keys ``null``; with no key names, ``{"answer": ...}``);
- the phrase for an unanswerable question: "if the context does not say, answer "unknown"".

Anything else is ignored; the model says so nowhere, which is exactly what a careless prompt
gets from a real model too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from llmloop.build.providers.local_reading import content_terms

__all__ = ["DEFAULT_UNKNOWN", "OutputFormat", "compose", "parse_format", "shorten"]

DEFAULT_UNKNOWN = "I don't know."
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15, "twenty": 20, "a single": 1, "a": 1,
}  # fmt: skip
_WORD_LIMIT = re.compile(
    r"\b(?:at most|no more than|not more than|maximum of|max(?:imum)?|under|fewer than|"
    r"up to|within|in|using|use|with)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"twelve|fifteen|twenty|a single|a)\s+words?\b",
    re.IGNORECASE,
)
_JSON = re.compile(r"\bjson\b", re.IGNORECASE)
_KEY_NAME = re.compile(r"[\"'`“]([A-Za-z_][A-Za-z0-9_]*)[\"'`”]")
_KEYS_CLAUSE = re.compile(r"\b(?:keys?|fields?|properties)\b(.*)", re.IGNORECASE | re.DOTALL)
# Double or curly quotes only: a single quote would end the phrase at "don't".
_UNKNOWN_PHRASE = re.compile(
    r"(?:not|n't|no)\b[^.\n]*?\b(?:say|answer|reply|respond(?: with)?|write|output)\s*:?\s*"
    r"[\"“]([^\"”]{1,80})[\"”]",
    re.IGNORECASE,
)
_ANSWER_KEYS = frozenset({"answer", "response", "output", "text", "result", "reply"})
_SOURCE_KEYS = frozenset({"source", "evidence", "quote", "citation", "support", "context"})
_SCORE_KEYS = frozenset({"confidence", "score", "certainty"})


@dataclass(frozen=True)
class OutputFormat:
    """What the instructions asked of the answer's shape."""

    word_limit: int | None = None
    json_keys: tuple[str, ...] | None = None
    unknown_phrase: str = DEFAULT_UNKNOWN


def parse_format(instructions: str) -> OutputFormat:
    """Read the output-format instructions the local model understands."""
    limits = [
        int(m.group(1)) if m.group(1).isdigit() else _NUMBER_WORDS[m.group(1).lower()]
        for m in _WORD_LIMIT.finditer(instructions)
    ]
    json_keys: tuple[str, ...] | None = None
    if _JSON.search(instructions):
        clause = _KEYS_CLAUSE.search(instructions)
        names = _KEY_NAME.findall(clause.group(1)) if clause else []
        json_keys = tuple(dict.fromkeys(names)) or ("answer",)
    unknown = _UNKNOWN_PHRASE.search(instructions)
    return OutputFormat(
        word_limit=min(limits) if limits else None,
        json_keys=json_keys,
        unknown_phrase=unknown.group(1).strip() if unknown else DEFAULT_UNKNOWN,
    )


def shorten(sentence: str, question: str, word_limit: int) -> str:
    """The *word_limit*-word window of *sentence* that says most beyond the question.

    A window scores one point per content word the question does not already contain and
    half a point per question word (answers sit next to what was asked); ties go to the
    earliest window. Trailing punctuation is trimmed from the window's edges.
    """
    words = sentence.split()
    if len(words) <= word_limit:
        return sentence
    asked = set(content_terms(question))
    values = []
    for word in words:
        terms = content_terms(word)
        values.append(sum(0.5 if term in asked else 1.0 for term in terms))
    best_start, best_value = 0, -1.0
    for start in range(len(words) - word_limit + 1):
        value = sum(values[start : start + word_limit])
        if value > best_value:
            best_start, best_value = start, value
    window = " ".join(words[best_start : best_start + word_limit])
    return window.strip(" ,;:-")


def compose(
    answer: str | None, support: str | None, confidence: float, fmt: OutputFormat, question: str
) -> str:
    """The final text: the answer (or the unknown phrase), shortened and shaped as asked."""
    text = fmt.unknown_phrase if answer is None else answer
    if answer is not None and fmt.word_limit is not None:
        text = shorten(text, question, fmt.word_limit)
    if fmt.json_keys is None:
        return text
    values: dict[str, object] = {}
    for key in fmt.json_keys:
        lowered = key.lower()
        if lowered in _ANSWER_KEYS:
            values[key] = text
        elif lowered in _SOURCE_KEYS:
            values[key] = support
        elif lowered in _SCORE_KEYS:
            values[key] = round(confidence, 2)
        else:
            values[key] = None
    if not any(key.lower() in _ANSWER_KEYS for key in fmt.json_keys):
        # The answer must go somewhere: the first key takes it.
        values[fmt.json_keys[0]] = text
    return json.dumps(values, ensure_ascii=False)
