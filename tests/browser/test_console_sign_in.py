"""Sign-in in a real browser: a wrong password, the demo sign-in, sign-out, a form posted
without its CSRF token, a session that expires, throttled attempts, sign-out everywhere."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.console_fixtures import csrf_token, signed_in_client
from tests.browser.harness import (
    ConsoleSite,
    axe_violations,
    click_and_wait,
    find_when_present,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def test_the_demo_sign_in_works_and_a_wrong_password_does_not(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str
) -> None:
    driver.get(console_site.server.url + "/")
    assert driver.current_url.startswith(f"{console_site.url}/login")
    shot(driver, "login")
    assert axe_violations(driver, axe_js) == []
    sign_in(driver, console_site, password="not-the-password")
    assert "wrong e-mail address or password" in driver.find_element(By.CSS_SELECTOR, "[role=alert]").text
    sign_in(driver, console_site)
    assert driver.current_url == f"{console_site.url}/sites/1"
    assert driver.find_element(By.TAG_NAME, "h1").text == "Demo Site"
    shot(driver, "site-home")
    assert axe_violations(driver, axe_js) == []
    cookie = driver.get_cookie("cp_session")
    assert (
        cookie is not None
        and cookie["httpOnly"]
        and cookie["sameSite"] == "Lax"
        and cookie["path"] == "/console"
    )
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Sign out']"))
    assert driver.current_url.startswith(f"{console_site.url}/login")
    driver.get(f"{console_site.url}/sites/1")
    assert driver.current_url.startswith(f"{console_site.url}/login?next=")


def _signed_in_client(site: ConsoleSite) -> tuple[httpx.Client, str]:
    client = signed_in_client(site)
    return client, csrf_token(client.get("/console/sites/1").text)


def test_a_form_without_its_csrf_token_is_refused(driver: WebDriver, console_site: ConsoleSite) -> None:
    client, csrf = _signed_in_client(console_site)
    assert client.post("/console/logout", data={}).status_code == 403
    assert client.post("/console/logout", data={"csrf_token": csrf + "x"}).status_code == 403
    assert client.get("/console/sites/1").status_code == 200  # still signed in
    # The same in the browser: a form whose token was tampered with.
    sign_in(driver, console_site)
    driver.execute_script(
        "document.querySelector('form[action=\"/console/logout\"] input[name=csrf_token]').value='x'"
    )
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Sign out']"))
    assert "out of date or did not come from this console" in find_when_present(driver, "[role=alert]").text
    shot(driver, "csrf-refused")
    # The sign-in form needs its own token too (login CSRF).
    fresh = httpx.Client(base_url=console_site.server.url, timeout=10)
    refused = fresh.post(
        "/console/login", data={"email": console_site.email, "password": console_site.password}
    )
    assert refused.status_code == 403


def test_sign_out_everywhere_ends_every_session(console_site: ConsoleSite) -> None:
    first, csrf = _signed_in_client(console_site)
    second, _ = _signed_in_client(console_site)
    assert first.post("/console/logout-everywhere", data={"csrf_token": csrf}).status_code == 303
    assert second.get("/console/sites/1").status_code == 303  # redirected to sign in


def test_sign_in_attempts_are_throttled(console_site: ConsoleSite) -> None:
    client = httpx.Client(base_url=console_site.server.url, timeout=10)
    token = csrf_token(client.get("/console/login").text)
    statuses = [
        client.post(
            "/console/login",
            data={"email": console_site.email, "password": "wrong-password", "csrf_token": token},
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # Even the right password waits for the window now: guessing cannot go on in parallel.
    right = client.post(
        "/console/login",
        data={"email": console_site.email, "password": console_site.password, "csrf_token": token},
    )
    assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
