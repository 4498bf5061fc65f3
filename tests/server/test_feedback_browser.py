"""A real headless Chromium posts feedback cross-origin, as a web page would.

A page served from one loopback origin (allowed by ``feedback_allowed_origins``) sends
feedback with a public feedback key to the real llmloop server on another origin; a page from
an origin that is not allowed is stopped by the browser's CORS check, and nothing is stored.
``scripts/test`` sets ``LLMLOOP_REQUIRE_BROWSER=1`` so a missing browser fails the run there.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from llmloop.client.local import LocalClient
from llmloop.domain.clock import ManualClock
from llmloop.domain.projects import KeyScope
from llmloop.server.app import create_app
from llmloop.server.run import ServerThread
from llmloop.settings import Settings
from llmloop.store.database import Database

# Read at import: the autouse fixture in tests/conftest.py clears LLMLOOP_* variables.
REQUIRE_BROWSER = os.environ.get("LLMLOOP_REQUIRE_BROWSER") == "1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TRACE = "0af7651916cd43dd8448eb211c80319c"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>shop</title></head>
<body>
<p id="status">sending</p>
<script>
fetch(CONFIG.url + "/api/v1/feedback", {
  method: "POST",
  headers: {"Authorization": "Bearer " + CONFIG.key, "Content-Type": "application/json"},
  body: JSON.stringify({trace_id: CONFIG.trace, thumbs: true, comment: "from the browser"}),
})
  .then(async (r) => { window.outcome = {status: r.status, body: await r.json()}; })
  .catch((e) => { window.outcome = {blocked: String(e)}; });
</script>
</body></html>
"""


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        reason = f"the browser test needs {' and '.join(missing)} (scripts/test installs them)"
        if REQUIRE_BROWSER:
            pytest.fail(reason)
        pytest.skip(reason)


class _PageSite:
    """A static site on its own loopback port: a distinct web origin."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[tuple[_PageSite, _PageSite, Path, Path]]:
    """Two page origins: the shop (allowed) and a stranger (not allowed)."""
    shop_root, stranger_root = tmp_path / "shop", tmp_path / "stranger"
    shop_root.mkdir()
    stranger_root.mkdir()
    shop, stranger = _PageSite(shop_root), _PageSite(stranger_root)
    yield shop, stranger, shop_root, stranger_root
    shop.close()
    stranger.close()


def _write_page(root: Path, server_url: str, key: str) -> None:
    config = json.dumps({"url": server_url, "key": key, "trace": TRACE})
    (root / "index.html").write_text(PAGE.replace("CONFIG", f"({config})"), encoding="utf-8")


def test_a_page_from_an_allowed_origin_posts_feedback_and_a_stranger_is_blocked(
    sites: tuple[_PageSite, _PageSite, Path, Path],
    settings: Settings,
    database: Database,
    clock: ManualClock,
    local_admin: LocalClient,
) -> None:
    _require_browser()
    from playwright.sync_api import sync_playwright

    shop, stranger, shop_root, stranger_root = sites
    allowing = settings.model_copy(update={"feedback_allowed_origins": (shop.origin,)})
    key = local_admin.keys.create("shop-widget", project="default", scope=KeyScope.FEEDBACK)
    with (
        ServerThread(create_app(allowing, database=database, clock=clock)) as server,
        sync_playwright() as playwright,
    ):
        _write_page(shop_root, server.url, key.secret)
        _write_page(stranger_root, server.url, key.secret)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            page.goto(shop.origin + "/index.html")
            page.wait_for_function("window.outcome !== undefined", timeout=15_000)
            allowed = page.evaluate("window.outcome")
            page.goto(stranger.origin + "/index.html")
            page.wait_for_function("window.outcome !== undefined", timeout=15_000)
            blocked = page.evaluate("window.outcome")
        finally:
            browser.close()
    assert allowed["status"] == 200, allowed
    assert allowed["body"]["name"] == "thumbs"
    assert "blocked" in blocked, blocked
    stored = local_admin.scores.list(source="user_feedback").items
    assert [(s.name, s.string_value, s.comment) for s in stored] == [
        ("thumbs", "true", "from the browser")
    ]
