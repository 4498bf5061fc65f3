"""The full schema: imports every table module so their tables join one ``MetaData``.

Each stage that adds tables lists its module here; migrations and tests compare against this.
"""

from __future__ import annotations

from llmloop.store import apps, model_refs, models, prompts, scores, traces
from llmloop.store.models import Base

__all__ = ["metadata"]

_TABLE_MODULES = (models, prompts, traces, apps, model_refs, scores)

metadata = Base.metadata
