"""Projects and API keys: the tenancy model.

An API key is shown once, when it is made, and stored only as a SHA-256 digest. Keys are
random 256-bit secrets, so a fast digest is as safe as a slow password hash and lets the
server authenticate every request with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "KEY_PREFIX",
    "ApiKeyInfo",
    "CreatedApiKey",
    "KeyScope",
    "Principal",
    "Project",
    "digest_api_key",
    "generate_api_key",
    "keys_match",
]

KEY_PREFIX = "llk"


class KeyScope(StrEnum):
    """What a key may do: ``project`` keys use one project; ``admin`` keys manage projects.

    ``feedback`` keys belong to one project and may only post end-user feedback to it: they
    are public, safe to ship in a web page.
    """

    PROJECT = "project"
    ADMIN = "admin"
    FEEDBACK = "feedback"


class Project(BaseModel):
    """A tenant: every stored thing belongs to exactly one project."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    created_at: datetime


class ApiKeyInfo(BaseModel):
    """What is known about a key after it was made: never the secret itself."""

    model_config = ConfigDict(frozen=True)

    key_id: str = Field(description="Public identifier, also the key's visible prefix.")
    name: str
    scope: KeyScope
    project: str | None = Field(description="The key's project; None for admin keys.")
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether the key still authenticates."""
        return self.revoked_at is None


class CreatedApiKey(BaseModel):
    """A key as returned once at creation: the only time the secret is visible."""

    model_config = ConfigDict(frozen=True)

    info: ApiKeyInfo
    secret: str = Field(
        description="The full key; store it now, it is never shown again.", repr=False
    )


def generate_api_key() -> tuple[str, str]:
    """Return ``(key_id, secret)`` for a new key; the secret starts with ``llk_<key_id>_``."""
    key_id = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return key_id, secret


def digest_api_key(secret: str) -> str:
    """Return the hex SHA-256 digest under which a key is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def keys_match(secret: str, stored_digest: str) -> bool:
    """Compare a presented key with a stored digest in constant time."""
    return hmac.compare_digest(digest_api_key(secret), stored_digest)


class Principal(BaseModel):
    """Who is acting: the embedded user (an admin) or the holder of an API key."""

    model_config = ConfigDict(frozen=True)

    actor: str = Field(description="Recorded in the audit log: 'key:<key_id>' or 'local:<user>'.")
    project: str | None = Field(description="The project this principal works in.")
    admin: bool = Field(description="Whether it may manage projects and keys.")
