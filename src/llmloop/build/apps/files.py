"""App spec files: YAML a team keeps in git, one app per file.

::

    name: support-bot
    description: Answers billing questions   # kept as the version's message
    kind: prompt
    prompt: support-reply:production         # resolved to an exact version at push
    model: local/extractive
    params: {temperature: 0.1, max_tokens: 200}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from llmloop.domain.apps import AppSpec, parse_app_spec
from llmloop.domain.names import validate_name
from llmloop.errors import ValidationError

__all__ = ["AppFile", "read_app_file"]


@dataclass(frozen=True)
class AppFile:
    """What an app file holds."""

    path: Path
    name: str
    spec: AppSpec
    description: str


def read_app_file(path: Path) -> AppFile:
    """Read and validate an app spec file; errors name the file, the field and the reason."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationError(
            f"{path}: cannot be read ({exc.strerror})", hint="Check the path."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ValidationError(
            f"{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})",
            hint="Fix the YAML syntax at that line.",
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            f"{path}: an app file is a mapping with 'name', 'kind' and the kind's fields",
            hint="See docs/apps.md for an example.",
        )
    fields = dict(data)
    name = fields.pop("name", None)
    description = fields.pop("description", "") or ""
    if not isinstance(name, str):
        raise ValidationError(f"{path}: name: is missing", hint="Add 'name: my-app'.")
    try:
        validate_name(name, what="app")
        spec = parse_app_spec(fields)
    except ValidationError as error:
        raise ValidationError(f"{path}: {error.message}", hint=error.hint) from None
    return AppFile(path=path, name=name, spec=spec, description=str(description))
