"""get_prompt against a real server on loopback, with simulated time for the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

import llmloop
from llmloop.client.http import HttpClient
from llmloop.client.local import LocalClient
from llmloop.domain.clock import ManualClock
from llmloop.domain.prompts import PromptContent
from llmloop.errors import NotFoundError, ServerUnavailableError, ValidationError
from llmloop.sdk.prompts import PromptFetcher, close_default_fetcher
from llmloop.server.run import ServerThread
from llmloop.settings import load_settings

TTL_S = 60


def reply(tone: str) -> PromptContent:
    return PromptContent.model_validate(
        {
            "kind": "chat",
            "messages": [
                {"role": "system", "content": f"Answer in a {tone} tone."},
                {"role": "user", "content": "{{ question }}"},
            ],
            "variables": [{"name": "question", "type": "string"}],
        }
    )


@pytest.fixture
def fetcher(
    local_admin: LocalClient,
    http_client_for: Callable[[str], HttpClient],
    clock: ManualClock,
) -> Iterator[PromptFetcher]:
    secret = local_admin.keys.create("app", project="default").secret
    made = PromptFetcher(http_client_for(secret), ttl_s=TTL_S, clock=clock)
    yield made
    made.close()


@pytest.fixture
def released(local_admin: LocalClient) -> LocalClient:
    """Prompt 'reply' with v1 in production."""
    local_admin.prompts.push("reply", reply("calm"))
    local_admin.prompts.set_label("reply", "production", 1, reason="first")
    return local_admin


def test_it_says_what_it_served_and_renders(released: LocalClient, fetcher: PromptFetcher) -> None:
    served = fetcher.get("reply", label="production")
    assert (served.name, served.version, served.label, served.reference) == (
        "reply",
        1,
        "production",
        "reply@1",
    )
    assert served.hash == released.prompts.get("reply").content_hash
    rendered = served.render(question="Where is my order?")
    assert rendered.messages[-1] == {"role": "user", "content": "Where is my order?"}
    with pytest.raises(ValidationError, match="'question' is missing"):
        served.render()
    assert fetcher.get("reply").version == 1  # the default label is production


def test_a_moved_label_is_served_after_the_refresh(
    released: LocalClient, fetcher: PromptFetcher, clock: ManualClock
) -> None:
    assert fetcher.get("reply", label="production").version == 1
    released.prompts.push("reply", reply("cheerful"))
    released.prompts.set_label("reply", "production", 2, reason="cheerful wins")
    clock.advance(TTL_S - 1)
    assert fetcher.get("reply", label="production").version == 1  # still fresh
    clock.advance(2)
    assert fetcher.get("reply", label="production").version == 1  # stale, refresh started
    assert fetcher.cache.wait_for_refreshes()
    assert fetcher.get("reply", label="production").version == 2
    assert fetcher.cache.stats.refreshes == 1


def test_while_the_server_is_down_the_last_good_copy_is_served(
    released: LocalClient, fetcher: PromptFetcher, clock: ManualClock, server: ServerThread
) -> None:
    assert fetcher.get("reply", label="production").version == 1
    server.stop()
    clock.advance(TTL_S + 1)
    assert fetcher.get("reply", label="production").version == 1
    assert fetcher.cache.wait_for_refreshes()
    assert fetcher.get("reply", label="production").version == 1
    assert fetcher.cache.stats.refresh_failures == 1
    with pytest.raises(ServerUnavailableError):
        fetcher.get("reply", label="staging")  # nothing cached to fall back to


def test_a_deleted_label_is_never_served_once_the_server_says_so(
    released: LocalClient, fetcher: PromptFetcher, clock: ManualClock
) -> None:
    assert fetcher.get("reply", label="production").version == 1
    released.prompts.delete_label("reply", "production", reason="withdrawn")
    clock.advance(TTL_S + 1)
    fetcher.get("reply", label="production")
    assert fetcher.cache.wait_for_refreshes()
    with pytest.raises(NotFoundError, match="no label 'production'"):
        fetcher.get("reply", label="production")
    with pytest.raises(NotFoundError):
        fetcher.get("reply", label="production")


def test_an_exact_version_is_fetched_once(
    released: LocalClient, fetcher: PromptFetcher, clock: ManualClock, server: ServerThread
) -> None:
    assert fetcher.get("reply", version=1).label is None
    server.stop()
    clock.advance(10 * TTL_S)
    assert fetcher.get("reply", version=1).version == 1
    with pytest.raises(ValidationError):
        fetcher.get("reply", version=1, label="production")


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_llmloop_get_prompt_uses_the_settings(
    monkeypatch: pytest.MonkeyPatch, released: LocalClient, server: ServerThread
) -> None:
    secret = released.keys.create("app", project="default").secret
    monkeypatch.setenv("LLMLOOP_SERVER_URL", server.url)
    monkeypatch.setenv("LLMLOOP_API_KEY", secret)
    try:
        served = llmloop.get_prompt("reply", label="production")
        assert served.reference == "reply@1"
        assert llmloop.get_prompt("reply", version=1).hash == served.hash
    finally:
        close_default_fetcher()


def test_llmloop_get_prompt_works_on_the_embedded_store() -> None:
    local = LocalClient.from_settings(load_settings())
    try:
        local.prompts.push("reply", reply("calm"))
        local.prompts.set_label("reply", "staging", 1)
    finally:
        local.close()
    try:
        assert llmloop.get_prompt("reply", label="staging").version == 1
    finally:
        close_default_fetcher()


def test_get_prompt_loads_no_database_layer_or_template_engine_until_used() -> None:
    code = (
        "import sys, json, llmloop; llmloop.get_prompt; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
    )
    assert not loaded & {"sqlalchemy", "jinja2", "fastapi", "httpx2"}
