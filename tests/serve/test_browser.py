"""The page in a real headless Chromium (Debian's `chromium`, driven by Playwright's
Python API): log in, start a runbook, watch its log stream to the end, find it in the
run list, log out; a viewer sees no start button and a forged POST is refused.
Screenshots of the dashboard and of a run page are saved as test artifacts
(``test-artifacts/serve/``, or ``$PITSTOP_TEST_ARTIFACTS``)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pitstop import registry
from pitstop.config import Settings
from pitstop.state.audit import AuditFilter, AuditTrail
from pitstop.state.store import HealthCheckRecord, StateStore

from .conftest import PASSWORDS, serve_process

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> None:
    if os.environ.get("PITSTOP_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, and PITSTOP_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"Debian's chromium is not installed ({CHROMIUM}): `apt-get install "
                     "chromium` (make test does it when it runs as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    folder = Path(os.environ.get("PITSTOP_TEST_ARTIFACTS") or ROOT / "test-artifacts") / "serve"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _history(settings: Settings) -> None:
    """What a project that has been in use a while holds: runs, checks, a verified
    backup, one of its two migrations applied."""
    from pitstop.serve import calls

    conn = sqlite3.connect(settings.project_dir / "app.db")
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    registry.verb("migrate", "up").load()(settings, to="1")
    backup = registry.verb("backup", "create").load()(settings, label="nightly")
    calls.verify_backup(settings, backup_id=str(backup.id))
    from pitstop import engine

    for name in ("hello", "deploy"):
        engine.run(settings, name, registry.tasks(), trigger="cli", user="ops")
    now = dt.datetime.now(dt.UTC)
    (settings.project_dir / "migrations" / "3_orders.up.sql").write_text(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n")  # one still pending
    with StateStore.open(settings.state.url) as store:
        store.record_health_checks(
            [HealthCheckRecord("database", "pass", 0.004 + (i % 4) / 1000, {}, "ok", None,
                               now - dt.timedelta(minutes=30 - i)) for i in range(12)]
            + [HealthCheckRecord("redis", "pass", 0.001 + (i % 3) / 2000, {}, "PONG", None,
                                 now - dt.timedelta(minutes=30 - i)) for i in range(12)]
            + [HealthCheckRecord("http-api", "warn", 0.180, {}, "slow", None, now)])


@pytest.fixture
def site(served_sqlite: Settings) -> Iterator[str]:
    _history(served_sqlite)
    for _proc, port in serve_process(served_sqlite.project_dir):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def attacker(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Another site on this machine, serving whatever page the test writes."""
    folder = tmp_path / "evil"
    folder.mkdir()
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _log_in(page: Any, site: str, name: str) -> None:
    page.goto(f"{site}/")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")


def _console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_operator_runs_a_runbook_and_watches_it(browser: Any, site: str, artifacts: Path,
                                                 served_sqlite: Settings) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _console_errors(page)
    _log_in(page, site, "otto")
    page.wait_for_selector("text=verified")  # the backups panel came in (htmx)
    page.wait_for_selector("text=pending")
    page.wait_for_selector("svg.spark")
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    page.click("nav >> text=Runbooks")
    page.screenshot(path=str(artifacts / "runbooks.png"), full_page=True)
    page.click('button[data-runbook="gate"]')
    page.wait_for_url(re.compile(r"/runs/[0-9a-f]{12}$"))
    run_id = page.url.rsplit("/", 1)[1]
    page.wait_for_selector(".log pre:has-text('waiting for release')")
    assert page.inner_text("#live-state") == "live"
    assert "released" not in page.inner_text("#logs")
    (served_sqlite.project_dir / "release").touch()  # the task goes on only now
    page.wait_for_selector(".log pre:has-text('released')")
    page.wait_for_selector("#live-state:has-text('success')")
    page.wait_for_selector("#run-status .badge.ok")  # the summary refreshed itself
    assert page.inner_text(".log pre").splitlines() == ["waiting for release", "released"]
    page.screenshot(path=str(artifacts / "run.png"), full_page=True)

    page.click("nav >> text=Runs")
    row = page.locator("tr", has=page.locator(f"a:text-is('{run_id}')"))
    assert "gate" in row.inner_text() and "web" in row.inner_text() \
        and "otto" in row.inner_text()
    page.click("text=Log out")
    page.wait_for_url(f"{site}/login")
    page.goto(f"{site}/runs")
    page.wait_for_url(re.compile(r"/login\?next=%2Fruns"))
    assert errors == [], errors  # no CSP violation, no script error
    context.close()


def test_viewer_has_no_start_button_and_a_forged_post_is_refused(
        browser: Any, site: str, attacker: tuple[Path, str], served_sqlite: Settings) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, site, "vera")
    page.goto(f"{site}/runbooks")
    assert page.locator("text=needs the operator role to start").count() >= 1
    assert page.locator("button[data-runbook]").count() == 0
    status = page.evaluate("fetch('/runbooks/hello/start', {method: 'POST'})"
                           ".then(r => r.status)")
    assert status == 403
    folder, evil = attacker
    (folder / "forged.html").write_text(
        f'<form method="post" action="{site}/runbooks/hello/start">'
        '<button id="go">win a prize</button></form>')
    page.goto(f"{evil}/forged.html")
    with page.expect_response(f"{site}/runbooks/hello/start") as answer:
        page.click("#go")
    assert answer.value.status == 403
    with StateStore.open(served_sqlite.state.url) as store:
        denied = AuditTrail(store.engine).entries(AuditFilter(user="vera", outcome="denied"))
        assert [e.action for e in denied] == ["csrf", "csrf"]
        started = [r for r in store.list_runs(limit=50) if r.trigger == "web"]
    assert started == []
    context.close()


def test_admin_restores_with_the_name_typed(browser: Any, site: str, artifacts: Path,
                                            served_sqlite: Settings) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _console_errors(page)
    _log_in(page, site, "ada")
    page.click("nav >> text=Backups")
    page.click("text=Restore…")
    page.wait_for_url(re.compile(r"/backups/.+/restore$"))
    button = page.locator("button[data-confirmed]")
    assert button.is_disabled()
    page.fill("input[name=confirm]", "app")
    assert button.is_disabled()
    page.fill("input[name=confirm]", "app.db")
    assert button.is_enabled()
    button.click()
    page.wait_for_selector("pre.json:has-text('safety_backup')")
    page.click("nav >> text=Backups")
    page.wait_for_selector("span.badge:text-is('safety')")
    page.screenshot(path=str(artifacts / "backups.png"), full_page=True)
    for name in ("migrations", "audit", "users"):
        page.click(f"nav >> text={name.capitalize()}")
        page.wait_for_url(f"{site}/{name}")
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    assert "backup.restore" in page.goto(f"{site}/audit").text()  # type: ignore[union-attr]
    assert errors == [], errors
    context.close()
