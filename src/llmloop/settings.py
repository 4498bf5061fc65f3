"""Typed settings with one precedence: argument > environment > ``llmloop.yaml`` > default.

Nothing here runs at import time: call :func:`load_settings` where settings are needed.
Environment variables are the field names in upper case with the ``LLMLOOP_`` prefix
(``LLMLOOP_DATABASE_URL``). The YAML file is ``llmloop.yaml`` in the working directory, or the
file named by ``LLMLOOP_CONFIG``; its keys are the field names (``database_url: ...``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from llmloop.domain.pricing import UserModelPrice
from llmloop.domain.provider_profiles import ProviderProfile
from llmloop.errors import ConfigurationError

__all__ = ["CONFIG_FILE_ENV", "DEFAULT_CONFIG_FILE", "Settings", "load_settings"]

CONFIG_FILE_ENV = "LLMLOOP_CONFIG"
DEFAULT_CONFIG_FILE = "llmloop.yaml"


def config_file_path() -> Path:
    """Return the YAML settings file in force: ``$LLMLOOP_CONFIG`` or ``./llmloop.yaml``."""
    return Path(os.environ.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)


def read_yaml_settings(path: Path) -> dict[str, Any]:
    """Read the YAML settings file; a missing file is empty, a malformed one an error."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigurationError(
            f"{where}: the settings file is not valid YAML ({problem})",
            hint="Fix the YAML syntax at that line, or remove the file to use the defaults.",
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path}: the settings file must be a mapping of setting names to values",
            hint="Write it as 'name: value' lines, e.g. 'database_url: sqlite:///llmloop.db'.",
        )
    return {str(key): value for key, value in data.items()}


class _YamlFileSource(PydanticBaseSettingsSource):
    """Settings from ``llmloop.yaml``, read when settings are built, never at import."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._path = config_file_path()
        self._data = read_yaml_settings(self._path)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


class Settings(BaseSettings):
    """Every setting of llmloop, for the CLI, the server and the SDK."""

    model_config = SettingsConfigDict(
        env_prefix="LLMLOOP_", extra="forbid", validate_default=True, frozen=True
    )

    home: Path = Field(
        default=Path(".llmloop"), description="Folder for the embedded store and local state."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite at <home>/llmloop.db.",
    )
    project: str = Field(
        default="default", description="Project used by the embedded (local) client."
    )
    server_host: str = Field(default="127.0.0.1", description="Address `llmloop server` binds.")
    server_port: int = Field(
        default=7800, ge=0, le=65535, description="Port `llmloop server` listens on."
    )
    server_url: str | None = Field(
        default=None,
        description="URL of an llmloop server; when set, clients talk to it instead of the "
        "embedded store.",
    )
    api_key: SecretStr | None = Field(
        default=None, description="API key sent to the server as `Authorization: Bearer`."
    )
    http_timeout_s: float = Field(
        default=10.0, gt=0, description="Timeout of one HTTP request to the server, in seconds."
    )
    protected_labels: tuple[str, ...] = Field(
        default=("production",),
        description="Prompt labels whose moves are deployments: they need a reason and are "
        'audited (JSON list in the environment, e.g. \'["production", "eu-prod"]\').',
    )
    prompt_cache_ttl_s: float = Field(
        default=60.0,
        gt=0,
        description="How long the SDK serves a fetched prompt before refreshing it in the "
        "background, in seconds.",
    )
    otlp_max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        gt=0,
        description="Largest OTLP request body /v1/traces accepts, in bytes, before and after "
        "gzip decompression; larger ones get 413.",
    )
    feedback_allowed_origins: tuple[str, ...] = Field(
        default=(),
        description="Web origins (e.g. 'https://app.example.com') whose pages may POST "
        "/api/v1/feedback from the browser (CORS); '*' allows any. Empty by default: no "
        "cross-origin page may post until you name it (JSON list in the environment).",
    )
    span_text_max_chars: int = Field(
        default=32_000,
        gt=0,
        description="Span inputs, outputs and string attributes longer than this are cut when "
        "stored; the cut is recorded on the span.",
    )
    ingest_max_concurrent_requests: int = Field(
        default=8,
        gt=0,
        description="OTLP requests the server ingests at once; more get 429 with Retry-After "
        "instead of waiting in a queue.",
    )
    prices: dict[str, UserModelPrice] = Field(
        default_factory=dict,
        description="Your own model prices in USD per million tokens, by model name; they win "
        'over the bundled genai-prices data (e.g. {"my-model": {"input_mtok": 1, '
        '"output_mtok": 2, "cache_read_mtok": 0.1}}).',
    )

    providers: dict[str, ProviderProfile] = Field(
        default_factory=dict,
        description="Model provider profiles by name: kind (openai, anthropic, local, fake), "
        "base_url, api_key or api_key_env, timeout_s, max_retries, max_concurrency, headers, "
        "query, price_provider. The profile 'local' (the offline model) always exists.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _YamlFileSource(settings_cls))

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force (the SQLite file under ``home`` when none is set)."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'llmloop.db').as_posix()}"

    @property
    def uses_server(self) -> bool:
        """Whether clients should talk to a server rather than the embedded store."""
        return bool(self.server_url)


def load_settings(**overrides: Any) -> Settings:
    """Build settings; keyword arguments win over the environment, which wins over the file.

    Arguments whose value is ``None`` are ignored, so CLI options that were not given fall
    through to the next source.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {_describe(err)}"
            for err in exc.errors()
        )
        raise ConfigurationError(
            f"invalid settings: {problems}",
            hint=f"Check the LLMLOOP_* environment variables and {config_file_path()}.",
        ) from None


def _describe(error: Any) -> str:
    if error.get("type") == "extra_forbidden":
        return "is not a known setting"
    return str(error.get("msg", "is invalid"))
