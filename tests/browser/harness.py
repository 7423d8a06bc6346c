"""What the browser tests share: a real `clickproof serve` with demo data and a console user,
headless Chromium from Debian's packages driven by Selenium (chromium-driver, no download),
axe-core from the npm registry, and screenshots kept out of the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.e2e.test_processes import Server, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE_VERSION = "4.14.1"
# Screenshots of every page the tests visit; outside the repository unless told otherwise.
SHOTS = Path(
    os.environ.get("CLICKPROOF_SCREENSHOTS", Path(tempfile.gettempdir()) / "clickproof-console-screenshots")
)


@dataclass
class ConsoleSite:
    server: Server
    home: Path
    database_url: str
    email: str
    password: str
    token: str
    site_id: int

    @property
    def url(self) -> str:
        return f"{self.server.url}/console"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.home, self.database_url, *args)


def seed_console(home: Path, database_url: str, activities: int = 300) -> tuple[str, str, str]:
    """Demo data; (console e-mail, password, API token) as `clickproof demo` prints them."""
    result = run_cli(home, database_url, "demo", "--activities", str(activities), "--seed", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    console_line = next(line for line in lines if line.startswith("console:"))
    words = console_line.split()
    return words[-3], words[-1], lines[-1]


def new_driver(downloads: Path, *, javascript: bool = True) -> WebDriver:
    """Headless Chromium downloading into `downloads`; with `javascript` off, no page runs any."""
    assert Path(CHROMIUM).exists(), "chromium is not installed (.ci/run installs it)"
    assert Path(CHROMEDRIVER).exists(), "chromium-driver is not installed (.ci/run installs it)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(arg)
    prefs: dict[str, object] = {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "plugins.always_open_pdf_externally": False,
        # One browser serves every test: a tab that has downloaded once may download again
        # without Chromium's "download multiple files" prompt, which headless cannot answer.
        "profile.default_content_setting_values.automatic_downloads": 1,
    }
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


def sign_in(
    driver: WebDriver, site: ConsoleSite, email: str | None = None, password: str | None = None
) -> None:
    driver.get(f"{site.url}/login")
    driver.find_element(By.ID, "email").send_keys(email or site.email)
    driver.find_element(By.ID, "password").send_keys(password or site.password)
    button = driver.find_element(By.CSS_SELECTOR, "form button[type=submit]")
    click_and_wait(driver, button)


def click_and_wait(driver: WebDriver, element: WebElement) -> None:
    """Click and wait until the page it leads to has replaced the current one and has loaded.

    The current page is marked on its window object; a new document has a new window object, so
    the mark is gone once the browser has moved on. (Asking the clicked element whether it is
    stale races the navigation: Chromium may answer that the node is in no document at all.)"""
    driver.execute_script("window.__clickproofPage = true;")
    element.click()

    def replaced(current: WebDriver) -> bool:
        try:
            return bool(
                current.execute_script(
                    "return window.__clickproofPage === undefined && document.readyState === 'complete';"
                )
            )
        except WebDriverException:  # the old document went away while the script ran
            return False

    WebDriverWait(driver, 15).until(replaced)


def find_when_present(driver: WebDriver, css: str, timeout: float = 15) -> WebElement:
    """The element matching css once it is on the page (pages under load may be slow)."""
    found: WebElement = WebDriverWait(driver, timeout).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css))
    )
    return found


def shot(driver: WebDriver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, max(1000, min(int(height), 4000)))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def install_axe(cache: Path) -> str:
    """axe-core's script from the npm registry (installed once per cache folder)."""
    script = cache / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        cache.mkdir(parents=True, exist_ok=True)
        ran = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(cache), f"axe-core@{AXE_VERSION}"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert ran.returncode == 0, ran.stderr[-2000:]
    return script.read_text()


def axe_violations(driver: WebDriver, axe_js: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page."""
    driver.execute_script(axe_js)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
        ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e)}])));"
    )
    violations: list[dict[str, Any]] = json.loads(result)
    return [v for v in violations if v.get("impact") in ("serious", "critical")]
