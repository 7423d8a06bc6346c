"""Signers in a real browser: find a signer from the site's home page, see at a glance whether
they accepted the latest version of each contract (the Activity API's /latest answer), download
their evidence PDF; e-mail search, empty states, bad values and another account's signer."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.console_fixtures import (
    accepting_signer,
    check_standing,
    download_signer_record,
    find_signer_from_home,
    latest,
    new_viewer,
    other_account,
    signed_in_client,
)
from tests.browser.harness import (
    ConsoleSite,
    axe_violations,
    click_and_wait,
    find_when_present,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def test_a_signer_found_from_the_home_page_shows_whether_they_accepted_the_latest_terms(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str, downloads: Path
) -> None:
    signer_id = accepting_signer(console_site)
    expected = latest(console_site, signer_id)
    sign_in(driver, console_site)
    find_signer_from_home(driver, signer_id)
    shot(driver, "signers-signer")
    assert axe_violations(driver, axe_js) == []
    check_standing(driver, expected)
    # The signer's evidence PDF: shown by the browser, and downloaded.
    inline = signed_in_client(console_site).get(
        f"/console/sites/1/signers/record.pdf?id={quote(signer_id, safe='')}"
    )
    assert inline.status_code == 200 and inline.headers["content-type"] == "application/pdf"
    assert inline.headers["content-disposition"].startswith("inline;")
    download_signer_record(driver, downloads, signer_id)
    # The history lists every event of the signer, oldest first, each with its PDF.
    history = driver.find_elements(By.CSS_SELECTOR, "#history ~ table tbody tr")
    assert history
    # The list of every signer, and a search that finds nobody.
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Signers"))
    assert find_when_present(driver, "#matches").text.startswith("All signers (")
    shot(driver, "signers-list")
    assert axe_violations(driver, axe_js) == []
    find_when_present(driver, "#signer-q").send_keys("nobody@example.net")
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Find signer']"))
    assert find_when_present(driver, "#matches").text == "No signer found"
    shot(driver, "signers-not-found")
    assert axe_violations(driver, axe_js) == []


def test_signer_search_empty_states_bad_values_and_other_accounts(console_site: ConsoleSite) -> None:
    other = other_account(console_site)
    client = signed_in_client(console_site)
    listing = client.get("/console/sites/1/signers")
    assert listing.status_code == 200 and "All signers" in listing.text and 'rel="next"' in listing.text
    assert client.get("/console/sites/1/signers?page=2").status_code == 200
    missing = client.get("/console/sites/1/signers?q=nobody-at-all")
    assert missing.status_code == 200 and "No signer found" in missing.text
    bad_page = client.get("/console/sites/1/signers?page=zero")
    assert bad_page.status_code == 400 and "page must be a whole number" in bad_page.text
    no_id = client.get("/console/sites/1/signers/show")
    assert no_id.status_code == 400 and "id: give the signer id" in no_id.text
    too_long = client.get("/console/sites/1/signers", params={"q": "x" * 1025})
    assert too_long.status_code == 400 and "q: a signer id" in too_long.text
    for path in ("/console/sites/1/signers?q=a%00b", "/console/sites/1/signers/show?id=a%00b"):
        not_text = client.get(path)
        assert not_text.status_code == 400 and "holds characters that are not text" in not_text.text
    # Another account's signer reads exactly like one that does not exist, on every page.
    nobody = client.get("/console/sites/1/signers/show?id=nobody-at-all")
    assert nobody.status_code == 404
    for path in (
        f"/console/sites/1/signers/show?id={quote(other.signer_id)}",
        f"/console/sites/1/signers/record.pdf?id={quote(other.signer_id)}",
        f"/console/sites/{other.site_id}/signers/show?id={quote(other.signer_id)}",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert (
            answer.text == nobody.text.replace(nobody.url.path, answer.url.path)
            or "nothing here" in answer.text
        )
    assert "No signer found" in client.get(f"/console/sites/1/signers?q={quote(other.signer_id)}").text
    # A viewer reads signers and downloads their evidence (nothing on these pages needs more).
    viewer = signed_in_client(new_viewer(console_site))
    signer_id = accepting_signer(console_site)
    page = viewer.get(f"/console/sites/1/signers/show?id={quote(signer_id, safe='')}")
    assert page.status_code == 200 and "Did they accept the latest terms?" in page.text
    pdf = viewer.get(f"/console/sites/1/signers/record.pdf?id={quote(signer_id, safe='')}&download=1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith("attachment;")
