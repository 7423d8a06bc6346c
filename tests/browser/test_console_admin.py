"""Administration and the account page in a real browser: a token shown once, used against the
API and revoked; a person added who then signs in; max_export_days changed; the public key
downloaded and parsed; the key rotated; a new password. axe-core on every page, a screenshot of
each. (The many small cases — role limits, CSRF, bad input — are in tests/web/test_console_admin.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from tests.browser.console_fixtures import finished_download
from tests.browser.harness import (
    ConsoleSite,
    axe_violations,
    click_and_wait,
    find_when_present,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def _page(driver: WebDriver, axe_js: str, name: str) -> None:
    """The page is accessible; keep its picture."""
    shot(driver, name)
    assert axe_violations(driver, axe_js) == [], name


def _submit(driver: WebDriver, form_action_ends: str) -> None:
    button = driver.find_element(By.CSS_SELECTOR, f'form[action$="{form_action_ends}"] button[type=submit]')
    click_and_wait(driver, button)


def test_a_token_is_shown_once_works_and_stops_working_when_revoked(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str
) -> None:
    sign_in(driver, console_site)
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Administration"))
    assert find_when_present(driver, "h1").text == "Administration of Demo Site"
    _page(driver, axe_js, "admin-overview")
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "nav.subnav a[href$='/admin/tokens']"))
    find_when_present(driver, "#tokens")
    _page(driver, axe_js, "admin-tokens")
    driver.find_element(By.ID, "label").send_keys("evidence pulls")
    for permission in ("exports:read", "exports:create"):
        driver.find_element(By.CSS_SELECTOR, f"input[name=permissions][value='{permission}']").click()
    driver.find_element(By.ID, "expires").send_keys("30d")
    _submit(driver, "/admin/tokens")
    secret = find_when_present(driver, "#token-secret").text.strip()
    assert re.fullmatch(r"cp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", secret)
    assert secret not in driver.current_url
    _page(driver, axe_js, "admin-token-created")
    public_id = secret.split("_")[1]
    # Never again: the list names the token by its id only.
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Back to the API tokens"))
    row = find_when_present(driver, f"tr[data-token='{public_id}']")
    assert "evidence pulls" in row.text and "active" in row.text
    assert secret not in driver.page_source and secret.split("_", 2)[2] not in driver.page_source
    api = httpx.Client(
        base_url=console_site.server.url, timeout=10, headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.get("/v1.1/extract/evidence").status_code == 200
    assert api.get("/v1.1/contracts").status_code == 403  # catalog:read was not given
    click_and_wait(driver, row.find_element(By.PARTIAL_LINK_TEXT, "Revoke"))
    find_when_present(driver, "button.danger")
    _page(driver, axe_js, "admin-token-revoke")
    _submit(driver, f"/tokens/{public_id}/revoke")
    assert public_id in find_when_present(driver, "[role=status]").text
    assert "revoked" in driver.find_element(By.CSS_SELECTOR, f"tr[data-token='{public_id}']").text
    refused = api.get("/v1.1/extract/evidence")
    assert refused.status_code == 401 and refused.json()["code"] == "token_revoked"


def test_a_person_is_added_signs_in_and_changes_their_password(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str
) -> None:
    sign_in(driver, console_site)
    driver.get(f"{console_site.url}/sites/1/admin/users")
    find_when_present(driver, "#users")
    _page(driver, axe_js, "admin-users")
    driver.find_element(By.ID, "new-email").send_keys("counsel@example.com")
    driver.find_element(By.ID, "new-name").send_keys("Counsel")
    Select(driver.find_element(By.ID, "new-role")).select_by_value("exporter")
    _submit(driver, "/admin/users")
    password = find_when_present(driver, "#new-password").text.strip()
    assert len(password) >= 10
    _page(driver, axe_js, "admin-user-added")
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Back to users and roles"))
    row = find_when_present(driver, "#users tbody tr:nth-child(1)")
    assert "counsel@example.com" in row.text
    user_id = row.get_attribute("data-user")
    Select(row.find_element(By.TAG_NAME, "select")).select_by_value("viewer")
    click_and_wait(driver, row.find_element(By.TAG_NAME, "button"))
    assert find_when_present(driver, "[role=status]").text == "The role is changed."
    selected = Select(driver.find_element(By.ID, f"role-{user_id}")).first_selected_option
    assert selected.get_attribute("value") == "viewer"
    # The last admin (the demo user) cannot give the role up.
    me = driver.find_element(By.XPATH, "//tr[th[contains(., 'demo@example.com')]]")
    click_and_wait(driver, me.find_element(By.PARTIAL_LINK_TEXT, "Remove"))
    find_when_present(driver, "button.danger")
    _page(driver, axe_js, "admin-user-remove")
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "button.danger"))
    alert = find_when_present(driver, "[role=alert]").text
    assert alert == "you are this site's only admin: give another user the admin role first"
    _page(driver, axe_js, "admin-last-admin-refused")
    # The new person signs in with the password shown and sees the site, without Administration.
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Sign out']"))
    sign_in(driver, console_site, "counsel@example.com", password)
    assert find_when_present(driver, "h1").text == "Demo Site"
    assert driver.find_elements(By.LINK_TEXT, "Administration") == []
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Account"))
    assert find_when_present(driver, "#account-email").text == "counsel@example.com"
    _page(driver, axe_js, "account")
    driver.find_element(By.ID, "current-password").send_keys(password)
    driver.find_element(By.ID, "new-password-1").send_keys("a long new password")
    driver.find_element(By.ID, "new-password-2").send_keys("a long new password")
    _submit(driver, "/account/password")
    assert find_when_present(driver, "#password-changed").text.startswith("Your password is changed.")
    _page(driver, axe_js, "account-password-changed")
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Sign out']"))
    sign_in(driver, console_site, "counsel@example.com", password)
    assert "wrong e-mail address or password" in find_when_present(driver, "[role=alert]").text
    sign_in(driver, console_site, "counsel@example.com", "a long new password")
    assert find_when_present(driver, "h1").text == "Demo Site"


def test_site_settings_are_saved_and_the_public_key_downloads(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str, downloads: Path
) -> None:
    sign_in(driver, console_site)
    driver.get(f"{console_site.url}/sites/1/admin/settings")
    key_id = find_when_present(driver, "#key-id").text
    fingerprint = driver.find_element(By.ID, "key-fingerprint").text
    assert driver.find_element(By.ID, "access-id").text == "demo-site-access-id"
    _page(driver, axe_js, "admin-settings")
    field = driver.find_element(By.ID, "max-export-days")
    field.clear()
    field.send_keys("0")
    _submit(driver, "/settings/max-export-days")
    alert = find_when_present(driver, "[role=alert]").text
    assert alert == "max_export_days must be a whole number of days from 1 to 3650"
    _page(driver, axe_js, "admin-settings-refused")
    driver.get(f"{console_site.url}/sites/1/admin/settings")
    field = find_when_present(driver, "#max-export-days")
    field.clear()
    field.send_keys("90")
    _submit(driver, "/settings/max-export-days")
    assert find_when_present(driver, "[role=status]").text == "The longest export window is saved."
    assert driver.find_element(By.ID, "max-export-days").get_attribute("value") == "90"
    # The site's rule now holds for the API too.
    api = httpx.Client(
        base_url=console_site.server.url,
        timeout=10,
        headers={"Authorization": f"Bearer {console_site.token}"},
    )
    too_long = api.post(
        "/v1.1/extract/evidence",
        json={"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    )
    assert too_long.status_code == 400 and too_long.json()["code"] == "date_range_too_long"
    # The public key as a PEM file, parsed with cryptography: the key the API publishes.
    for old in downloads.glob("clickproof-site-1-*"):
        old.unlink()
    driver.find_element(By.PARTIAL_LINK_TEXT, "public key (PEM)").click()
    pem = finished_download(downloads, pattern="clickproof-site-1-*.pem", timeout=15)
    key = load_pem_public_key(pem.read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    published = api.get("/v1.1/sites/1/evidence-key").json()
    assert published["key_id"] == key_id and published["fingerprint"] == fingerprint
    assert published["keys"][-1]["public_key_pem"] == pem.read_text()
    driver.find_element(By.PARTIAL_LINK_TEXT, "published keys (JSON)").click()
    assert (
        '"format": "clickproof-evidence-keys/1"'
        in finished_download(downloads, pattern="clickproof-site-1-keys.json", timeout=15).read_text()
    )
    click_and_wait(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "Rotate the key"))
    find_when_present(driver, "button.danger")
    _page(driver, axe_js, "admin-rotate-key")
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "button.danger"))
    assert "A new evidence key is current" in find_when_present(driver, "[role=status]").text
    assert driver.find_element(By.ID, "key-id").text != key_id
    _page(driver, axe_js, "admin-settings-rotated")
    assert [k["status"] for k in api.get("/v1.1/sites/1/evidence-key").json()["keys"]] == [
        "retired",
        "current",
    ]
