"""The console's promise to a person who has never used it, on the demo `make run` serves: sign
in with the printed sign-in, find whether a given signer accepted the latest terms, and download
verified evidence for them — following only what the pages say (link and button texts, labels),
never an id a test would know from the templates."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser.console_fixtures import api, verified_job_files
from tests.browser.harness import ConsoleSite, axe_violations, click_and_wait, shot

pytestmark = pytest.mark.e2e


def _a_signer_who_accepted(site: ConsoleSite) -> tuple[str, int]:
    """An e-mail address of a demo signer who agreed to contract 1, and how many events they have."""
    client = api(site)
    found = client.get(
        "/v1.1/activity",
        params={"filter": json.dumps({"event_type": "agreed", "contract": 1}), "per_page": 50},
    )
    assert found.status_code == 200, found.text
    signer_id = str(next(a["signer_id"] for a in found.json()["data"] if "@" in str(a["signer_id"])))
    history = client.get("/v1.1/activity", params={"filter": json.dumps({"signer_id": signer_id})})
    assert history.status_code == 200, history.text
    return signer_id, int(history.json()["total_count"])


def _field(driver: WebDriver, label: str) -> WebElement:
    """The form field whose label begins with `label`, as a person finds it."""
    target = driver.find_element(By.XPATH, f"//label[starts-with(normalize-space(), {json.dumps(label)})]")
    return driver.find_element(By.ID, str(target.get_attribute("for")))


def test_a_newcomer_finds_a_signer_and_downloads_verified_evidence(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str, downloads: Path
) -> None:
    signer_id, events = _a_signer_who_accepted(console_site)
    # The address the service prints leads to the sign-in; the demo's sign-in works.
    driver.get(console_site.server.url + "/")
    _field(driver, "E-mail address").send_keys(console_site.email)
    _field(driver, "Password").send_keys(console_site.password)
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Sign in']"))
    # The site's home page offers to find a signer.
    _field(driver, "Signer id or e-mail").send_keys(signer_id)
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Find signer']"))
    page = driver.find_element(By.TAG_NAME, "main").text
    assert signer_id in page
    # The answer at a glance: per contract, whether they accepted its latest version.
    answers = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "table tbody td")]
    assert any(a.startswith(("Yes", "No")) for a in answers), answers
    shot(driver, "newcomer-signer")
    # Verified evidence: a signed bundle of their history, made from the signer's page.
    click_and_wait(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "Export a signed, verifiable bundle"))
    chosen = json.loads(_field(driver, "Filter as JSON").get_attribute("value") or "")
    assert chosen in ({"signer_id": signer_id}, {"signer_id": {"$eq": signer_id}})  # as the builder writes it
    description = driver.find_element(By.CSS_SELECTOR, "#preview [data-role=description]").text
    assert signer_id in description, description
    matching = driver.find_element(By.CSS_SELECTOR, "#preview [data-role=matching]")
    assert int(matching.text) == events  # their whole history is in the window
    shot(driver, "newcomer-bundle-form")
    assert axe_violations(driver, axe_js) == []
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[normalize-space()='Create export']"))
    verdict = WebDriverWait(driver, 120).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-verdict]")  # the page reloads when done
    )[0]
    assert verdict.text == "Verified", driver.find_element(By.TAG_NAME, "main").text
    shot(driver, "newcomer-bundle-verified")
    # Every file downloaded through the page verifies offline against the site's published keys.
    files = verified_job_files(driver, console_site, downloads)
    assert files[".csv"].read_text().count(signer_id) == events
    with zipfile.ZipFile(files[".zip"]) as pdfs:
        assert sum(name.endswith(".pdf") for name in pdfs.namelist()) == events
