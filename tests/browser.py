"""Debian's chromium, headless, through playwright (which never downloads a
browser here: it is pointed at /usr/bin/chromium).

    with page_in_chromium() as (page, seen):
        page.goto(url)
        ...  # seen.requests: every URL asked for; seen.errors: console errors, page errors
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclasses.dataclass
class Seen:
    requests: list = dataclasses.field(default_factory=list)
    errors: list = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def page_in_chromium(width: int = 1100, height: int = 900, offline: bool = True):
    """A fresh page; with `offline`, every request that leaves the machine is
    recorded and aborted (nothing may reach the network)."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: bash .ci/install installs it"
    seen = Seen()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("request", lambda request: seen.requests.append(request.url))
            page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: seen.errors.append(str(exc)))
            if offline:
                page.route("**/*", lambda route: route.continue_() if _local(route.request.url)
                           else route.abort())
            yield page, seen
        finally:
            browser.close()


def _local(url: str) -> bool:
    return url.startswith(("file://", "data:", "http://127.0.0.1", "http://localhost"))
