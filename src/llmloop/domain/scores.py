"""Scores: judgements of a trace or span, score configs, and end-user feedback.

A score is a name and a value on a trace (or one of its spans): ``numeric`` (a finite
number), ``categorical`` (a string category) or ``boolean``. Where it came from is its
``source``: a human reviewer, end-user feedback, an offline evaluator or an online one.

A *score config* says what a named score must look like in a project (its type, a numeric
range, the allowed categories). A score whose name has a config must match it; a name without
a config is accepted as it is (decision: scores usually arrive from many producers before
anyone writes configs, and refusing them would lose data; add a config to make a name strict).

End-user feedback is a score with source ``user_feedback``: a thumbs up/down is the boolean
score ``thumbs``; a rating is the numeric score ``rating``, 1 to 5 unless a ``rating`` config
says otherwise.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Self, TypeVar

import pydantic
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    model_validator,
)

from llmloop.errors import ValidationError

__all__ = [
    "FEEDBACK_COMMENT_MAX_CHARS",
    "RATING_DEFAULT_MAX",
    "RATING_DEFAULT_MIN",
    "RATING_SCORE",
    "SCORE_COMMENT_MAX_CHARS",
    "THUMBS_SCORE",
    "Feedback",
    "Score",
    "ScoreConfig",
    "ScoreConfigSpec",
    "ScoreDataType",
    "ScoreInput",
    "ScorePage",
    "ScoreQuery",
    "ScoreSource",
    "ScoreValue",
    "check_against_config",
    "parse_model",
    "validate_score_name",
]

THUMBS_SCORE = "thumbs"
RATING_SCORE = "rating"
RATING_DEFAULT_MIN = 1.0
RATING_DEFAULT_MAX = 5.0
FEEDBACK_COMMENT_MAX_CHARS = 2000
SCORE_COMMENT_MAX_CHARS = 10_000
_TRACE_ID = r"^[0-9a-f]{32}$"
_SPAN_ID = r"^[0-9a-f]{16}$"
_SCORE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
_M = TypeVar("_M", bound=BaseModel)

#: What a score's value may be: a number, a category or a boolean.
ScoreValue = StrictBool | int | float | str


class ScoreDataType(StrEnum):
    """How a score's value is read."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"


class ScoreSource(StrEnum):
    """Who gave the score."""

    HUMAN = "human"
    USER_FEEDBACK = "user_feedback"
    EVALUATOR = "evaluator"
    ONLINE_EVALUATOR = "online_evaluator"


def _type_of(value: ScoreValue) -> ScoreDataType:
    if isinstance(value, bool):
        return ScoreDataType.BOOLEAN
    if isinstance(value, str):
        return ScoreDataType.CATEGORICAL
    return ScoreDataType.NUMERIC


def _finite(number: float) -> bool:
    try:
        return math.isfinite(float(number))
    except OverflowError:  # an int too large for a float
        return False


class ScoreInput(BaseModel):
    """A score to record on a trace or span."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trace_id: str = Field(pattern=_TRACE_ID, description="The trace scored (32 hex digits).")
    name: str = Field(
        min_length=1, max_length=200, pattern=_SCORE_NAME, description="e.g. 'faithfulness'."
    )
    value: ScoreValue = Field(
        description="A number (numeric), a string (categorical) or true/false (boolean)."
    )
    data_type: ScoreDataType | None = Field(
        default=None,
        description="Inferred when omitted: from the name's config, else from the value.",
    )
    span_id: str | None = Field(
        default=None, pattern=_SPAN_ID, description="The span scored (16 hex digits)."
    )
    source: ScoreSource = ScoreSource.HUMAN
    comment: str | None = Field(default=None, max_length=SCORE_COMMENT_MAX_CHARS)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A retry with the same key returns the first score and stores nothing.",
    )

    @model_validator(mode="after")
    def _value_fits_its_type(self) -> Self:
        if not isinstance(self.value, (bool, str)) and not _finite(self.value):
            raise ValueError("value: must be a finite number")
        if isinstance(self.value, str) and not 1 <= len(self.value) <= 200:
            raise ValueError("value: a category must have 1 to 200 characters")
        if self.data_type is not None and _type_of(self.value) is not self.data_type:
            raise ValueError(
                f"value: {self.value!r} is not a {self.data_type.value} value "
                "(numeric takes a number, categorical a string, boolean true/false)"
            )
        return self


class Score(BaseModel):
    """A stored score."""

    model_config = ConfigDict(frozen=True)

    score_id: str
    trace_id: str
    span_id: str | None
    name: str
    data_type: ScoreDataType
    value: float | None = Field(description="The number; 1.0/0.0 for boolean; None if categorical.")
    string_value: str | None = Field(
        description="The category for categorical; 'true'/'false' for boolean."
    )
    source: ScoreSource
    comment: str | None
    author: str | None
    idempotency_key: str | None
    metadata: dict[str, JsonValue]
    created_at: datetime


class ScorePage(BaseModel):
    """One page of scores, newest first, and the cursor of the next page (None at the end)."""

    items: list[Score]
    next_cursor: str | None


class ScoreQuery(BaseModel):
    """Which scores to list: every filter is optional; time is ``created_at`` in [start, end)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trace_id: str | None = Field(default=None, pattern=_TRACE_ID)
    span_id: str | None = Field(default=None, pattern=_SPAN_ID)
    name: str | None = Field(default=None, max_length=200)
    source: ScoreSource | None = None
    start: AwareDatetime | None = Field(default=None, description="Inclusive.")
    end: AwareDatetime | None = Field(default=None, description="Exclusive.")
    limit: int = Field(default=50, ge=1, le=500)
    cursor: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start is not None and self.end is not None and self.start >= self.end:
            raise ValueError("start: must be before end")
        return self


class ScoreConfigSpec(BaseModel):
    """What a named score must look like."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_type: ScoreDataType
    min_value: float | None = Field(default=None, description="Numeric only; inclusive.")
    max_value: float | None = Field(default=None, description="Numeric only; inclusive.")
    categories: list[str] | None = Field(
        default=None, description="Categorical only: the allowed values."
    )
    description: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _fits_its_type(self) -> Self:
        numeric = self.data_type is ScoreDataType.NUMERIC
        categorical = self.data_type is ScoreDataType.CATEGORICAL
        for bound in ("min_value", "max_value"):
            value = getattr(self, bound)
            if value is not None and not numeric:
                raise ValueError(f"{bound}: only numeric scores have a range")
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{bound}: must be a finite number")
        if (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            raise ValueError("min_value: is greater than max_value")
        if self.categories is not None and not categorical:
            raise ValueError("categories: only categorical scores have categories")
        if categorical:
            if not self.categories:
                raise ValueError("categories: a categorical config needs at least one category")
            if len(set(self.categories)) != len(self.categories):
                raise ValueError("categories: each category may appear once")
            if any(not 1 <= len(c) <= 200 for c in self.categories):
                raise ValueError("categories: each category must have 1 to 200 characters")
        return self


class ScoreConfig(ScoreConfigSpec):
    """A stored score config."""

    name: str
    created_at: datetime
    updated_at: datetime
    updated_by: str


class Feedback(BaseModel):
    """End-user feedback on a trace: a thumbs up/down or a rating, and an optional comment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trace_id: str = Field(pattern=_TRACE_ID, description="The trace the user reacts to.")
    thumbs: StrictBool | None = Field(default=None, description="true: up; false: down.")
    rating: float | None = Field(
        default=None, description="1 to 5 unless a 'rating' score config says otherwise."
    )
    comment: str | None = Field(default=None, max_length=FEEDBACK_COMMENT_MAX_CHARS)
    span_id: str | None = Field(default=None, pattern=_SPAN_ID)
    user_id: str | None = Field(
        default=None, max_length=200, description="Your app's id of the end user."
    )
    idempotency_key: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A retry with the same key stores nothing new.",
    )

    @model_validator(mode="after")
    def _one_reaction(self) -> Self:
        if (self.thumbs is None) == (self.rating is None):
            raise ValueError("thumbs: give exactly one of thumbs or rating")
        if self.rating is not None and not math.isfinite(self.rating):
            raise ValueError("rating: must be a finite number")
        return self

    def score_input(self) -> ScoreInput:
        """The score this feedback is stored as."""
        metadata: dict[str, JsonValue] = {"user_id": self.user_id} if self.user_id else {}
        common: dict[str, Any] = {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "source": ScoreSource.USER_FEEDBACK,
            "comment": self.comment,
            "metadata": metadata,
            "idempotency_key": self.idempotency_key,
        }
        if self.thumbs is not None:
            return ScoreInput(
                name=THUMBS_SCORE, value=self.thumbs, data_type=ScoreDataType.BOOLEAN, **common
            )
        assert self.rating is not None
        return ScoreInput(
            name=RATING_SCORE, value=self.rating, data_type=ScoreDataType.NUMERIC, **common
        )


def check_against_config(score: ScoreInput, config: ScoreConfigSpec | None) -> ScoreInput:
    """The score with its data type settled; ``ValidationError`` names a field that breaks it."""
    data_type = score.data_type
    if config is not None:
        if data_type is not None and data_type is not config.data_type:
            raise _invalid(
                f"data_type: score {score.name!r} is configured as {config.data_type.value}, "
                f"not {data_type.value}"
            )
        data_type = config.data_type
    elif score.name == RATING_SCORE and score.source is ScoreSource.USER_FEEDBACK:
        # Without a config, end-user ratings use the conventional 1-5 scale.
        config = ScoreConfigSpec(
            data_type=ScoreDataType.NUMERIC,
            min_value=RATING_DEFAULT_MIN,
            max_value=RATING_DEFAULT_MAX,
        )
    settled = data_type or _type_of(score.value)
    if _type_of(score.value) is not settled:
        raise _invalid(
            f"value: {score.value!r} is not a {settled.value} value, as score "
            f"{score.name!r} is configured"
        )
    if config is not None:
        field = "rating" if score.source is ScoreSource.USER_FEEDBACK else "value"
        if settled is ScoreDataType.NUMERIC:
            number = float(score.value)
            if config.min_value is not None and number < config.min_value:
                raise _invalid(f"{field}: {number:g} is below the minimum {config.min_value:g}")
            if config.max_value is not None and number > config.max_value:
                raise _invalid(f"{field}: {number:g} is above the maximum {config.max_value:g}")
        if settled is ScoreDataType.CATEGORICAL and score.value not in (config.categories or []):
            raise _invalid(
                f"value: {score.value!r} is not a category of score {score.name!r} "
                f"(allowed: {', '.join(config.categories or [])})"
            )
    return score.model_copy(update={"data_type": settled})


def validate_score_name(name: str) -> str:
    """Return *name* if it can name a score, else ``ValidationError``."""
    if not isinstance(name, str) or not 1 <= len(name) <= 200 or not re.match(_SCORE_NAME, name):
        raise ValidationError(
            f"score name {str(name)[:40]!r} is not allowed",
            hint="Use 1 to 200 letters, digits, '.', '_', ':', '/' and '-', starting with a "
            "letter or digit, e.g. 'faithfulness'.",
        )
    return name


def _invalid(problem: str) -> ValidationError:
    return ValidationError(
        f"the score is invalid: {problem}",
        hint="Match the score's config (`llmloop score-config list`), or fix the named field.",
    )


def parse_model(model: type[_M], data: Any, *, what: str) -> _M:
    """Validate *data* as *model*; ``ValidationError`` names each bad field."""
    if isinstance(data, model):
        data = data.model_dump(mode="python")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = f"is not a field of {what}"
            problems.append(f"{where}: {message}" if where else message)
        raise ValidationError(
            f"the {what} is invalid: {'; '.join(problems)}",
            hint="Fix the named fields and send it again (see docs/scores.md).",
        ) from None
