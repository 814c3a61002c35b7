"""Headless Chromium (Debian's) driven by Playwright, for browser tests.

Every request the page makes is recorded, so tests can assert that nothing left loopback or
the local file; a failing test leaves a screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def chromium_path() -> str | None:
    for cand in (os.environ.get("TOKENFAB_CHROMIUM"), "/usr/bin/chromium",
                 shutil.which("chromium")):
        if cand and Path(cand).exists():
            return cand
    return None


@dataclass
class PageLog:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def external(self) -> list[str]:
        """Requests that went anywhere but loopback, data: or file:."""
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "file", "about", "blob"):
                continue
            if parts.hostname in ("127.0.0.1", "localhost", "::1"):
                continue
            out.append(url)
        return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync API runs its own event loop, which must be gone before
    asyncio-based tests in other modules run."""
    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI"):
            raise RuntimeError("chromium is not installed; scripts/test.sh installs it")
        pytest.skip("chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Any, PageLog]]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    log = PageLog()
    pg.on("request", lambda r: log.requests.append(r.url))
    pg.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    yield pg, log
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    ctx.close()
