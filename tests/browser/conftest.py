"""Fixtures of the browser tests: one Chromium per session, a fresh server per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.harness import ConsoleSite, install_axe, new_driver, seed_console
from tests.e2e.test_processes import Server


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    driver = new_driver(tmp_path_factory.mktemp("browser-downloads"))
    yield driver
    driver.quit()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    """A folder of this test's own for what the browser downloads (a file of the same name
    downloaded by an earlier test would otherwise be overwritten, not added)."""
    folder = tmp_path / "browser-downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def driver(browser: WebDriver, downloads: Path) -> WebDriver:
    """The session's browser with no cookies left from another test, downloading into this
    test's own folder."""
    browser.delete_all_cookies()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return browser


@pytest.fixture(scope="session")
def axe_js(tmp_path_factory: pytest.TempPathFactory) -> str:
    return install_axe(Path.home() / ".cache" / "clickproof-tests" / "axe")


@pytest.fixture
def console_site(tmp_path: Path) -> Iterator[ConsoleSite]:
    """The demo on SQLite behind a real `clickproof serve` (the console's services are the API's,
    tested on PostgreSQL too; tests/browser/test_console_postgres.py runs the main flow there)."""
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'clickproof.db'}"
    email, password, token = seed_console(home, url)
    server = Server(home, url)
    yield ConsoleSite(server, home, url, email, password, token, site_id=1)
    server.stop()
