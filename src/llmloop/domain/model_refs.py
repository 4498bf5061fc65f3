"""Model references: a named model an app can use, such as a fine-tune.

A reference records which provider profile serves the model, the provider's own model id (a
fine-tune's id such as ``ft:gpt-4o-mini:acme::9x7``), the base model it was tuned from, the
training data it came from (e.g. a dataset version, ``support-faq@3``) and notes. References are
project resources; a name, once added, always means the same model, so evaluation results and
releases that name it stay meaningful.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from llmloop.errors import ValidationError

__all__ = ["MODEL_REF_PREFIX", "ModelRef", "ModelRefSpec", "parse_model_ref_spec"]

_PROFILE = r"^[a-z0-9][a-z0-9._-]*$"

#: An app spec names a model reference as ``model: ref/NAME``; pushing the spec replaces it
#: with the reference's ``PROFILE/PROVIDER_MODEL``, so the version's hash covers the exact model.
MODEL_REF_PREFIX = "ref/"


class ModelRefSpec(BaseModel):
    """What a model reference says about the model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(
        pattern=_PROFILE, max_length=100, description="The provider profile that serves it."
    )
    provider_model: str = Field(
        min_length=1, max_length=300, description="The provider's id of the model."
    )
    base_model: str | None = Field(
        default=None, max_length=300, description="The model it was fine-tuned from."
    )
    training_data: str | None = Field(
        default=None,
        max_length=300,
        description="Where its training data came from, e.g. a dataset version 'faq@3'.",
    )
    notes: str = Field(default="", max_length=2000)

    @property
    def address(self) -> str:
        """``PROFILE/MODEL``: how a provider call names this model."""
        return f"{self.provider}/{self.provider_model}"


class ModelRef(ModelRefSpec):
    """A stored model reference."""

    name: str
    created_at: datetime
    created_by: str


def parse_model_ref_spec(data: Any) -> ModelRefSpec:
    """Validate a model reference; ``ValidationError`` names each bad field."""
    if isinstance(data, ModelRefSpec):
        return data
    try:
        return ModelRefSpec.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'model reference'}: "
            + (
                "is not a field of a model reference"
                if error["type"] == "extra_forbidden"
                else str(error["msg"])
            )
            for error in exc.errors()
        )
        raise ValidationError(
            f"the model reference is invalid: {problems}",
            hint="Give provider (a profile name), provider_model, and optionally base_model, "
            "training_data and notes.",
        ) from None
