"""The question set shipped with the ``local`` model, and how its answers are scored.

``local_data/questions.jsonl`` holds 40 short support-desk passages, each with a question and
the span of the passage that answers it. An answer is correct when it contains that span
(compared case- and punctuation-insensitively; a JSON answer is judged by its ``answer``
field). The accuracy the docs state (docs/providers.md) is measured by
:func:`score_question_set` with :func:`grounded_prompt`, and a test holds it above a floor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources

from llmloop.build.providers.protocol import ModelProvider
from llmloop.domain.chat import ChatMessage, ChatRequest

__all__ = [
    "QuestionItem",
    "QuestionSetScore",
    "answer_is_correct",
    "grounded_prompt",
    "load_question_set",
    "score_question_set",
]

_NOT_WORD = re.compile(r"[^a-z0-9]+")

PromptBuilder = Callable[[str, str], tuple[ChatMessage, ...]]


@dataclass(frozen=True)
class QuestionItem:
    """A passage, a question about it and the span that answers it."""

    id: str
    context: str
    question: str
    answer: str


@dataclass(frozen=True)
class QuestionSetScore:
    """How many answers were correct, and which were not."""

    correct: int
    total: int
    wrong_ids: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        """Share of correct answers (0 when the set is empty)."""
        return self.correct / self.total if self.total else 0.0


def load_question_set() -> list[QuestionItem]:
    """The question set shipped in the package."""
    text = (
        resources.files("llmloop.build.providers")
        .joinpath("local_data/questions.jsonl")
        .read_text(encoding="utf-8")
    )
    return [QuestionItem(**json.loads(line)) for line in text.splitlines() if line.strip()]


def grounded_prompt(context: str, question: str) -> tuple[ChatMessage, ...]:
    """The reference prompt: clear instructions, a marked context, a marked question."""
    return (
        ChatMessage.system(
            "Answer the question using only the context. If the context does not say, "
            'answer "I don\'t know".'
        ),
        ChatMessage.user(f"Context:\n{context}\n\nQuestion: {question}"),
    )


def _normalise(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def answer_is_correct(output: str, expected: str) -> bool:
    """Whether *output* contains the *expected* span (JSON outputs: their ``answer`` field)."""
    try:
        value = json.loads(output)
    except ValueError:
        value = None
    if isinstance(value, dict) and isinstance(value.get("answer"), str):
        output = value["answer"]
    return f" {_normalise(expected)} " in f" {_normalise(output)} "


def score_question_set(
    provider: ModelProvider,
    build_messages: PromptBuilder = grounded_prompt,
    items: Iterable[QuestionItem] | None = None,
    *,
    model: str = "extractive",
    context_of: Callable[[QuestionItem], str] = lambda item: item.context,
) -> QuestionSetScore:
    """Ask *provider* every question with *build_messages* and count correct answers."""
    chosen = list(items) if items is not None else load_question_set()
    wrong: list[str] = []
    for item in chosen:
        request = ChatRequest(model=model, messages=build_messages(context_of(item), item.question))
        if not answer_is_correct(provider.chat(request).text, item.answer):
            wrong.append(item.id)
    return QuestionSetScore(len(chosen) - len(wrong), len(chosen), tuple(wrong))
