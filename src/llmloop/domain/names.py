"""Names of things users create (projects, prompts, apps, labels) and references to versions.

A name is lower-case letters, digits, ``-``, ``_`` and ``.``, starts with a letter or digit and
is at most 100 characters. ``NAME@VERSION`` names an exact version; ``NAME:LABEL`` names a label
or an environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from llmloop.errors import ValidationError

__all__ = ["MAX_NAME_LENGTH", "Reference", "parse_reference", "validate_name"]

MAX_NAME_LENGTH = 100
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def validate_name(value: str, *, what: str) -> str:
    """Return *value* if it is a valid name, else raise ``ValidationError`` naming *what*."""
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{what} name is empty", hint="Give a name such as 'support-bot'.")
    if len(value) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"{what} name {value[:20]!r}... is {len(value)} characters long",
            hint=f"Use at most {MAX_NAME_LENGTH} characters.",
        )
    if not _NAME.match(value):
        raise ValidationError(
            f"{what} name {value!r} is not allowed",
            hint="Use lower-case letters, digits, '-', '_' and '.', starting with a letter or "
            "digit, e.g. 'support-bot'.",
        )
    return value


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed ``NAME``, ``NAME@VERSION`` or ``NAME:LABEL`` reference."""

    name: str
    version: int | None = None
    label: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@{self.version}"
        if self.label is not None:
            return f"{self.name}:{self.label}"
        return self.name


def parse_reference(text: str, *, what: str) -> Reference:
    """Parse ``NAME``, ``NAME@VERSION`` or ``NAME:LABEL``; raise ``ValidationError`` if bad."""
    if "@" in text and ":" in text:
        raise ValidationError(
            f"{what} reference {text!r} has both a version and a label",
            hint="Use NAME@VERSION for an exact version or NAME:LABEL for a label.",
        )
    if "@" in text:
        name, _, version = text.partition("@")
        if not version.isdigit() or int(version) < 1:
            raise ValidationError(
                f"{what} reference {text!r} has version {version!r}, which is not a "
                "positive whole number",
                hint="Write NAME@3 for version 3.",
            )
        return Reference(validate_name(name, what=what), version=int(version))
    if ":" in text:
        name, _, label = text.partition(":")
        return Reference(validate_name(name, what=what), label=validate_name(label, what="label"))
    return Reference(validate_name(text, what=what))
