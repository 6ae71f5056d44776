"""Real-browser tests: the web app served by uvicorn, driven by Debian's Chromium through Playwright.

HTML asserted in a test client cannot show that a page works for a person: that its stylesheet and scripts load,
that the keyboard reaches everything, that axe finds nothing to fix. These fixtures give each test that:

- ``live_server``: the base URL of ``api.app.create_app()`` served on a free 127.0.0.1 port, on the test's
  database (SQLite only: the pages are the same on PostgreSQL, and the browser is what is under test here);
- ``page``: a new tab in a fresh browser context (no cookies shared between tests) that can reach only this
  machine, so the suite never fetches anything from the internet (the NHS stylesheet names web fonts on
  assets.nhs.uk; pages fall back to Arial without them, as the design system intends);
- ``sign_in``: ``sign_in(email, *roles)`` makes a person with those roles and signs them in in ``page``;
- ``browser``: one headless Chromium per test module (see ``playwright_driver`` for why not per session).

Playwright's own browser download is never used: /usr/bin/chromium is Debian's package (``.ci/run`` installs it).
Without it the browser tests are skipped and the run ends with a loud "BROWSER NOT TESTED"; with
``COPRODUCE_REQUIRE_BROWSER=1`` (as CI sets) its absence is a failure instead.
"""

from __future__ import annotations

import contextvars
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from api.deps import SESSION_COOKIE
from plans.db import session_scope
from plans.models import Role, utcnow
from plans.services.auth import start_session
from tests.conftest import Database
from tests.web import make_user

CHROMIUM = Path(os.environ.get("COPRODUCE_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("COPRODUCE_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

_browser_problem: str | None = None
_browser_skipped = 0


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    """Playwright's driver, per test module: its sync API keeps an asyncio loop running in this thread
    while it lives, and Prefect's sync/async dispatch would then hand later tests coroutines."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One headless Debian Chromium for the whole session (skipped, or failed under CI, when it is missing)."""
    global _browser_problem
    if not CHROMIUM.is_file():
        _browser_problem = f"{CHROMIUM} is missing (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(f"a browser is required (COPRODUCE_REQUIRE_BROWSER=1) but {_browser_problem}")
        pytest.skip(f"BROWSER NOT TESTED: {_browser_problem}")
    launched = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _local_only(route: Route) -> None:
    """Let requests to this machine through and refuse the rest (web fonts, anything a page might link to)."""
    url = urlsplit(route.request.url)
    if url.scheme in ("data", "blob") or url.hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort("blockedbyclient")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A tab in a fresh context (its own cookies and storage), able to reach only this machine."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)  # a page that never gets there fails in seconds, not Playwright's 30
    context.route("**/*", _local_only)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def sign_in(page: Page, live_server: str) -> Callable[..., int]:
    """``sign_in(email, *roles, name=...)``: a person with these roles, signed in in ``page``; returns their id.

    The session is opened directly (as tests/web.py does for the test client) rather than through the form, so a
    test of any page starts there signed in; the sign-in form has tests of its own.
    """

    def _sign_in(email: str, *roles: Role, name: str = "") -> int:
        person_id = make_user(email, *roles, name=name)
        with session_scope() as s:
            cookie = start_session(s, person_id=person_id, method="test", now=utcnow())
        page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": live_server}])
        return person_id

    return _sign_in


@pytest.fixture(params=["sqlite"])
def db(request: pytest.FixtureRequest, db: Database) -> Database:
    """The suite's ``db`` fixture (tests/conftest.py) on its SQLite half only: browser tests run once."""
    assert db.dialect == "sqlite"
    return db


class _ThreadedServer(uvicorn.Server):
    """uvicorn in a background thread: signal handlers belong to the main thread, pytest's."""

    def install_signal_handlers(self) -> None:
        pass


@pytest.fixture
def live_server(db: Database) -> Iterator[str]:
    """``api.app.create_app()`` served by uvicorn on a free 127.0.0.1 port against ``db``; yields its base URL."""
    from api.app import create_app  # imported here so a broken app fails the browser tests, not their collection

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port, held from here on, so no other process can take it
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), log_level="warning", access_log=False)
    server = _ThreadedServer(config)
    # the server thread runs in a copy of this thread's context, so settings entered as context (the Prefect
    # API of tests/prefect_stack.py) reach the app's request handlers too
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(server.run,), kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            pytest.fail("the live server did not start (see the log above)")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    assert not thread.is_alive(), "the live server did not stop within 10 s"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _browser_skipped
    if report.skipped and _browser_problem is not None:
        _browser_skipped += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _browser_skipped:
        terminalreporter.write_sep("!", "BROWSER NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(
            f"{_browser_skipped} browser test(s) were SKIPPED: {_browser_problem}.\n"
            f"Install Debian's Chromium (apt-get install chromium) to run them. "
            f"CI (.ci/run) installs it and treats its absence as a failure."
        )
