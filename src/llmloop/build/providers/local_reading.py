"""The reading half of the offline ``local`` model: find the context, the question, the answer.

It is a lexical extractive reader, not a language model. It splits the conversation into
*instructions*, *context* and a *question* (by the markers prompts commonly use:
``Context:``, ``<context>...</context>``, ``Question:``; tool results count as context), cuts
the context into sentences, and ranks them by BM25 overlap with the question's words (with a
light suffix-stripping stemmer and a small bonus for numbers when the question asks for an
amount or a time). Everything is pure and deterministic: the same messages give the same
answer, byte for byte.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from llmloop.domain.chat import ChatMessage, Role

__all__ = [
    "Reading",
    "ScoredSentence",
    "content_terms",
    "rank_sentences",
    "read_messages",
    "split_sentences",
]

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")
_STOPWORDS = frozenset(
    """a about after all also an and any are as at be been before being but by can could did
    do does doing for from had has have how i if in into is it its itself may me might more
    most must my no not of on only or other our out over own same shall should so some such
    than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom whose why will with would you your
    please answer question context using use given based following much many often exactly
    tell say says said know""".split()  # noqa: SIM905 - a word list reads best as prose
)
_CONTEXT_MARK = re.compile(
    r"^\s*(?:#+\s*)?(context|documents?|sources?|passages?|reference|background)\s*:\s*",
    re.IGNORECASE | re.MULTILINE,
)
_QUESTION_MARK = re.compile(
    r"^\s*(?:#+\s*)?(question|query|q)\s*:\s*", re.IGNORECASE | re.MULTILINE
)
_OTHER_MARK = re.compile(
    r"^\s*(?:#+\s*)?(answer|instructions?|format|output)\s*:\s*", re.IGNORECASE | re.MULTILINE
)
_CONTEXT_TAG = re.compile(r"<(context|documents?)>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
_AMOUNT_QUESTION = re.compile(
    r"\b(how (many|much|long|often|old|far|big)|when|what (year|time|date|day|percentage|price))\b",
    re.IGNORECASE,
)
_HAS_NUMBER = re.compile(r"\d")
# "how long" asks for a duration; "long" is not a word the answer needs to contain.
_HOW_ADJECTIVE = re.compile(r"\bhow (long|old|far|big|large|soon|often)\b", re.IGNORECASE)
_K1 = 1.2
_B = 0.75
_NUMBER_BONUS = 0.6


def _stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed and a final -e (expires ~ expired ~ expire)."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """The stemmed, lower-case content words of *text* (stopwords removed)."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOPWORDS]


def split_sentences(text: str) -> list[str]:
    """Cut *text* into sentences and lines, dropping empty pieces."""
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece and piece.strip()]


@dataclass(frozen=True)
class Reading:
    """The parts of a conversation: what to do, what to read, what to answer."""

    instructions: str
    context: str
    question: str


def _sections(text: str) -> tuple[list[str], list[str], list[str]]:
    """Split one message on its markers into (instruction, context, question) pieces."""
    instructions: list[str] = []
    contexts = [match.group(2) for match in _CONTEXT_TAG.finditer(text)]
    text = _CONTEXT_TAG.sub("\n", text)
    questions: list[str] = []
    marks = sorted(
        [(m.start(), m.end(), "context") for m in _CONTEXT_MARK.finditer(text)]
        + [(m.start(), m.end(), "question") for m in _QUESTION_MARK.finditer(text)]
        + [(m.start(), m.end(), "other") for m in _OTHER_MARK.finditer(text)]
    )
    cursor, kind = 0, "instructions"
    for start, end, next_kind in [*marks, (len(text), len(text), "end")]:
        piece = text[cursor:start].strip()
        if piece:
            {"context": contexts, "question": questions}.get(kind, instructions).append(piece)
        cursor, kind = end, next_kind
    return instructions, contexts, questions


def read_messages(messages: tuple[ChatMessage, ...]) -> Reading:
    """Find the instructions, the context and the question in a conversation.

    Without a ``Question:`` marker the question is the last sentence ending in ``?`` of the
    newest user message that has one (else the whole last user message); without context
    markers, the context is the rest of the user text.
    """
    instructions: list[str] = []
    contexts: list[str] = []
    questions: list[str] = []
    for message in messages:
        if message.role is Role.TOOL:
            contexts.append(message.content)
        elif message.role in (Role.SYSTEM, Role.USER):
            found = _sections(message.content)
            instructions.extend(found[0])
            contexts.extend(found[1])
            questions.extend(found[2])
    if questions:
        question = questions[-1]
    else:
        # the newest user message that asks something: a later one may only carry results
        users = [m.content for m in reversed(messages) if m.role is Role.USER] or [""]
        asking = [[s for s in split_sentences(text) if s.endswith("?")] for text in users]
        asked = next((sentences for sentences in asking if sentences), [])
        question = asked[-1] if asked else users[0]
        instructions = [piece.replace(question, " ") if piece else piece for piece in instructions]
    if not contexts:
        # No marked context: read the user's text itself (a weaker prompt reads worse).
        contexts = [piece for piece in instructions if piece.strip()]
    return Reading(
        instructions="\n".join(instructions),
        context="\n".join(contexts),
        question=question.strip(),
    )


@dataclass(frozen=True)
class ScoredSentence:
    """A context sentence, its position and its relevance to the question."""

    text: str
    position: int
    score: float
    coverage: float  # share of the question's words (weighted by rarity) the sentence holds


def rank_sentences(context: str, question: str) -> list[ScoredSentence]:
    """Context sentences, most relevant first (BM25 over sentences; ties keep text order)."""
    sentences = [s for s in split_sentences(context) if s.strip() != question.strip()]
    if not sentences:
        return []
    documents = [content_terms(sentence) for sentence in sentences]
    query = set(content_terms(_HOW_ADJECTIVE.sub(" ", question)))
    average_length = sum(len(d) for d in documents) / len(documents) or 1.0
    frequency = Counter(term for document in documents for term in set(document))
    count = len(documents)
    wants_amount = bool(_AMOUNT_QUESTION.search(question))
    # A question word the context never uses still counts (at full rarity) against coverage.
    idf = {
        term: math.log(1 + (count - frequency[term] + 0.5) / (frequency[term] + 0.5))
        for term in query
    }
    asked_weight = sum(idf.values()) or 1.0
    scored: list[ScoredSentence] = []
    for position, (sentence, document) in enumerate(zip(sentences, documents, strict=True)):
        counts = Counter(document)
        score = 0.0
        matched_weight = 0.0
        for term in query:
            tf = counts.get(term, 0)
            if not tf:
                continue
            matched_weight += idf[term]
            norm = tf + _K1 * (1 - _B + _B * len(document) / average_length)
            score += idf[term] * tf * (_K1 + 1) / norm
        if matched_weight and wants_amount and _HAS_NUMBER.search(sentence):
            score += _NUMBER_BONUS
        coverage = round(matched_weight / asked_weight, 9)
        scored.append(ScoredSentence(sentence, position, round(score, 9), coverage))
    return sorted(scored, key=lambda s: (-s.score, s.position))
