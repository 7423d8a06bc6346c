"""Activities in a real browser: a search with filters whose results match the API's, paging,
and an activity's page with its fields, its place in the hash chain and its evidence PDF; bad
values, empty results and another account's activity over plain HTTP."""

from __future__ import annotations

import re

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

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


def _count(heading: str) -> int:
    found = re.match(r"([\d,]+) activit", heading)
    assert found, heading
    return int(found.group(1).replace(",", ""))


def test_searching_paging_and_opening_an_activity(
    driver: WebDriver, console_site: ConsoleSite, axe_js: str
) -> None:
    sign_in(driver, console_site)
    driver.get(f"{console_site.url}/sites/1/activities")
    everything = _count(find_when_present(driver, "#results").text)
    assert everything == activities_total(console_site, {})
    assert axe_violations(driver, axe_js) == []
    Select(driver.find_element(By.ID, "event_type")).select_by_value("agreed")
    Select(driver.find_element(By.ID, "contract")).select_by_value("1")
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Search']"))
    results = find_when_present(driver, "#results").text
    expected = activities_total(console_site, {"event_type": "agreed", "contract": 1})
    assert _count(results) == expected > 50  # more than a page
    assert "event type is" in results  # the filter, described in words
    shot(driver, "activities-search")
    assert axe_violations(driver, axe_js) == []
    first_page = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tbody a.mono")]
    assert len(first_page) == 50
    assert {td.text for td in driver.find_elements(By.CSS_SELECTOR, "tbody .event")} == {"agreed"}
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "Next page"))
    assert "Page 2 of" in find_when_present(driver, ".pager").text
    second_page = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "tbody a.mono")]
    assert second_page and not set(first_page) & set(second_page)
    assert Select(driver.find_element(By.ID, "event_type")).first_selected_option.text == "agreed"
    # The activity's page: every field, its place in the chain, its PDF shown inline.
    activity_id = second_page[0]
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, activity_id))
    assert activity_id in find_when_present(driver, "h1").text
    wire = api(console_site).get(f"/v1.1/activity/{activity_id}").json()
    chain = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=chain]").text
    assert f"Link {wire['chain']['seq']:,} of the site's {everything:,}" in chain
    assert wire["chain"]["chain_hash"] in chain and wire["chain"]["prev_hash"] in chain
    fields = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=fields]").text
    assert wire["uuid"] in fields and wire["connection_data"]["user_agent"] in fields
    frame = driver.find_element(By.CSS_SELECTOR, "iframe.pdf")
    assert frame.get_attribute("src") or "".endswith(f"/activities/{activity_id}/record.pdf")
    shot(driver, "activities-activity")
    assert axe_violations(driver, axe_js) == []
    click_and_wait(driver, driver.find_element(By.PARTIAL_LINK_TEXT, "Previous link"))
    assert f"Link {wire['chain']['seq'] - 1:,} of" in find_when_present(driver, "#chain ~ p").text
    # A value the search cannot read: the form again, the field named and marked.
    driver.get(f"{console_site.url}/sites/1/activities?version=latest&event_type=agreed")
    alert = find_when_present(driver, "[role=alert]")
    assert alert.text.startswith("Version:")
    assert driver.find_element(By.ID, "version").get_attribute("aria-invalid") == "true"
    shot(driver, "activities-error")
    assert axe_violations(driver, axe_js) == []


def test_bad_values_empty_results_and_other_accounts(console_site: ConsoleSite) -> None:
    other = other_account(console_site)
    client = signed_in_client(console_site)
    for query, field, words in (
        ("page=0", "page", "page must be between"),
        ("from=2026-02-30", "from", "From: &#39;2026-02-30&#39; is not a date"),
        ("from=2026-10-02&to=2026-10-01", "to", "To: the last day is before the first"),
        ("version=v3", "version", "Version: a version number"),
        ("event_type=signed", "event_type", "Event type: one of"),
        ("contract=terms", "contract", "Contract: choose a contract"),
        ("signer=a%00b", "signer", "Signer: holds characters that are not text"),
    ):
        answer = client.get(f"/console/sites/1/activities?{query}")
        assert answer.status_code == 400, query
        assert f'data-field="{field}"' in answer.text and words in answer.text, (query, answer.text[-1500:])
        assert field == "page" or 'aria-invalid="true"' in answer.text  # the field is marked
    # A signer's e-mail address finds their activities whatever its case.
    signer = api(console_site).get("/v1.1/signers", params={"per_page": 1}).json()["data"][0]
    email = str(signer["properties"]["email"])
    by_email = client.get("/console/sites/1/activities", params={"signer": email.upper()})
    mine = activities_total(console_site, {"signer_id": signer["signer_id"]})
    assert f">{mine:,} activit" in by_email.text
    beyond = client.get("/console/sites/1/activities?event_type=agreed&page=999")
    assert beyond.status_code == 200 and "There are only" in beyond.text
    assert "/console/sites/1/activities?event_type=agreed&amp;page=1" in beyond.text
    empty = client.get("/console/sites/1/activities?signer=nobody-at-all")
    assert empty.status_code == 200 and "No activity matches this search" in empty.text
    # Dates and versions filter as the API's query language does.
    window = client.get("/console/sites/1/activities?version=2&from=2026-01-01&to=2099-12-31")
    expected = activities_total(
        console_site, {"version_number": 2, "created_time": {"$gte": "2026-01-01", "$lt": "2100-01-01"}}
    )
    assert f">{expected:,} activities where" in window.text
    # Another account's activity is a 404 like a missing one, its PDF too, and no search finds it.
    for path in (
        f"/console/sites/1/activities/{other.activity_id}",
        f"/console/sites/1/activities/{other.activity_id}/record.pdf",
        f"/console/sites/{other.site_id}/activities/{other.activity_id}",
        "/console/sites/1/activities/ffffffffffffffffffffffff",
        "/console/sites/1/activities/not-an-id",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "There is nothing here, or you have no access to it." in answer.text
    found = client.get(f"/console/sites/1/activities?signer={other.signer_id}")
    assert "No activity matches this search" in found.text
    pdf = client.get(f"/console/sites/1/activities/{activities_first_id(client)}/record.pdf?download=1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith("attachment;")


def activities_first_id(client: httpx.Client) -> str:
    page = client.get("/console/sites/1/activities")
    return str(page.text.split("/console/sites/1/activities/")[1].split('"')[0])
