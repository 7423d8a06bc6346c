"""Contracts in a real browser: the list, a contract's versions with their status, times and
acceptance counts (checked against the API), and a version's text in its sandboxed frame; hostile
contract HTML, bad values and another account's contract over plain HTTP."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.console_fixtures import activities_total, api, other_account, signed_in_client
from tests.browser.harness import (
    ConsoleSite,
    axe_violations,
    click_and_wait,
    find_when_present,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e


def test_contracts_their_versions_counts_and_text(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str
) -> None:
    sign_in(driver, console_site)
    driver.get(f"{console_site.url}/sites/1/contracts")
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in rows] == [
        "Terms of Service",
        "Privacy Policy",
        "Data Processing Addendum",
        "Acceptable Use Policy",
    ]
    assert all("version 3.0" in r.text for r in rows)
    shot(driver, "contracts-list")
    assert axe_violations(driver, axe_js) == []
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Terms of Service"))
    assert find_when_present(driver, "h1").text == "Terms of Service"
    versions = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [v.find_element(By.TAG_NAME, "td").text for v in versions] == ["3.0", "2.0", "1.0"]
    for row in versions:
        cells = row.find_elements(By.TAG_NAME, "td")
        number = int(cells[0].text.split(".")[0])
        assert cells[2].text.startswith("published")
        assert cells[3].text and cells[4].text  # published and effective times
        expected = activities_total(
            console_site, {"contract": 1, "version_number": number, "event_type": "agreed"}
        )
        assert int(cells[5].text.replace(",", "")) == expected > 0
    assert "latest" in versions[0].text and "latest" not in versions[1].text
    shot(driver, "contracts-contract")
    assert axe_violations(driver, axe_js) == []
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "3.0"))
    assert find_when_present(driver, "h1").text == "Terms of Service v3"
    frame = driver.find_element(By.CSS_SELECTOR, "iframe.version-text")
    assert frame.get_attribute("sandbox") == ""  # nothing allowed: no scripts, no same origin
    driver.switch_to.frame(frame)
    assert "Version 3.0 of the Terms of Service" in find_when_present(driver, "body").text
    driver.switch_to.default_content()
    shot(driver, "contracts-version")
    assert axe_violations(driver, axe_js) == []


def test_hostile_contract_html_bad_values_and_other_accounts(console_site: ConsoleSite) -> None:
    other = other_account(console_site)
    hostile = (
        '<script>alert("x")</script><img src="https://evil.example/t.png" onerror="alert(1)"><p>Hostile</p>'
    )
    made = api(console_site).post(
        "/v1.1/contracts/1/versions", json={"body": hostile, "title": "<b>Draft</b>"}
    )
    assert made.status_code == 201, made.text
    version_id = made.json()["id"]
    client = signed_in_client(console_site)
    page = client.get(f"/console/sites/1/contracts/1/versions/{version_id}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "evil.example" not in page.text
    assert "&lt;b&gt;Draft&lt;/b&gt;" in page.text and "not published" in page.text
    text = client.get(f"/console/sites/1/contracts/1/versions/{version_id}/text")
    assert text.status_code == 200 and "<p>Hostile</p>" in text.text  # as stored, for the sandbox only
    policy = text.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    listing = client.get("/console/sites/1/contracts/1")
    assert "Versions (4)" in listing.text and "draft" in listing.text
    assert client.get("/console/sites/1/contracts?page=x").status_code == 400
    assert "page must be" in client.get("/console/sites/1/contracts/1?page=-1").text
    for path in (
        f"/console/sites/1/contracts/{other.contract_id}",
        f"/console/sites/1/contracts/1/versions/{other.version_id}",
        f"/console/sites/1/contracts/1/versions/{other.version_id}/text",
        f"/console/sites/{other.site_id}/contracts/{other.contract_id}",
        f"/console/sites/1/contracts/2/versions/{version_id}",  # a version of another contract
        "/console/sites/1/contracts/terms",
        "/console/sites/1/contracts/9999999999",  # beyond the ids a database column holds
        "/console/sites/1/contracts/1/versions/zz",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "There is nothing here, or you have no access to it." in answer.text
