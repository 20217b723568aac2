"""Driving Debian's Chromium with Playwright against a live server of the web page.

- Chromium: `SYNCSVC_CHROMIUM`, else /usr/bin/chromium (Playwright's own
  browser download is not used). axe-core: `SYNCSVC_AXE_JS`, else
  `.browser-deps/node_modules/axe-core/axe.min.js` in the clone
  (`scripts/ci_browser_setup.sh` installs both).
- Without them the browser tests skip with the reason; `SYNCSVC_REQUIRE_BROWSER=1`
  (as `.ci/run` sets it) makes that a failure.
- Screenshots go to `SYNCSVC_TEST_ARTEFACTS` (default `test-artefacts/` in the
  clone, ignored by git), under `web/`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette

from tests.conftest import REPO, missing

CHROMIUM = Path(os.environ.get("SYNCSVC_CHROMIUM", "/usr/bin/chromium"))
AXE_JS = Path(
    os.environ.get(
        "SYNCSVC_AXE_JS", str(REPO / ".browser-deps" / "node_modules" / "axe-core" / "axe.min.js")
    )
)
ARTEFACTS = Path(os.environ.get("SYNCSVC_TEST_ARTEFACTS", str(REPO / "test-artefacts"))) / "web"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (360, 1280)
SCHEMES = ("light", "dark")
SERIOUS = {"serious", "critical"}


def require_browser() -> None:
    """Skip (or fail under SYNCSVC_REQUIRE_BROWSER=1) when a piece is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing(
            "Playwright for Python is not installed (scripts/ci_browser_setup.sh)",
            required_by="SYNCSVC_REQUIRE_BROWSER",
        )
    if not CHROMIUM.exists():
        missing(
            f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
            required_by="SYNCSVC_REQUIRE_BROWSER",
        )
    if not AXE_JS.exists():
        missing(
            f"axe-core is not installed at {AXE_JS} (scripts/ci_browser_setup.sh)",
            required_by="SYNCSVC_REQUIRE_BROWSER",
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: Starlette, port: int) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread of this process (so `responses` and the clock apply)."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def check_accessibility(page: Any, name: str) -> None:
    """axe-core (injected before every page loads) finds no serious or critical violation."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"{[node['target'] for node in violation['nodes']][:3]}"
        for violation in result["violations"]
        if violation.get("impact") in SERIOUS
    ]
    assert bad == [], f"{name}: {bad}"


def screenshots(page: Any, name: str) -> list[Path]:
    """The page at 360 px and 1280 px, light and dark, saved as artefacts."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    saved = []
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            path = ARTEFACTS / f"{name}-{width}-{scheme}.png"
            # caret="initial": hiding the caret injects a <style>, which the CSP rightly blocks.
            page.screenshot(path=str(path), full_page=True, caret="initial")
            saved.append(path)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})
    return saved


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, launched once per test module (skips without it, as above)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


def open_page(chromium: Any, base: str, **context_options: Any) -> tuple[Any, Any, list[str]]:
    """A new browser context on `base` with axe-core loaded: (context, page, errors).

    `errors` collects script errors and console errors (CSP violations among them);
    a 4xx page, such as a refused form, logs "Failed to load resource" and does not count.
    """
    context = chromium.new_context(base_url=base, **context_options)
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    return context, page, errors
