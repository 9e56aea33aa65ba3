"""Browser tests: Debian's Chromium driven by Playwright against the built site on localhost.

They need /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it). Without it they
are skipped, and the end of the run says so loudly, so that a green run cannot hide them.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
SKIPPED: list[str] = []


def pytest_collection_modifyitems(config, items):
    """Skip every browser test, by name, when Chromium is missing."""
    if HAVE_CHROMIUM:
        return
    marker = pytest.mark.skip(reason="Debian Chromium not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(marker)
            SKIPPED.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if SKIPPED:
        bar = "!" * 78
        terminalreporter.write_line(bar, red=True, bold=True)
        terminalreporter.write_line(
            f"SKIPPED {len(SKIPPED)} BROWSER TESTS: /usr/bin/chromium is missing. "
            "Install it with `apt-get install chromium` to run them.", red=True, bold=True)
        terminalreporter.write_line(bar, red=True, bold=True)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        """Keep test output readable."""


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The shipped sample site, built once per session with the publish settings."""
    out = tmp_path_factory.mktemp("site") / "output"
    subprocess.run([sys.executable, "-m", "pipeline", "build", "--settings", "pelicanconf.py",
                    "--output", str(out), "--quiet"], cwd=ROOT, check=True)
    return out


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served on an ephemeral localhost port."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and failed requests."""
    context = browser.new_context()
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.on("pageerror", lambda e: tab.console_errors.append(str(e)))
    yield tab
    context.close()
