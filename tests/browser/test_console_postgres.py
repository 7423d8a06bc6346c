"""The console's main flow in a real browser on PostgreSQL: sign in, find a signer from the site's
home page and see whether they accepted the latest terms, download their evidence PDF, build an
export in the New export form and watch it finish on its job page, download its files and verify
them offline. The other browser tests run on SQLite (tests/browser/conftest.py `console_site`).

The server runs its export jobs in its own worker threads on PostgreSQL too (no broker is set:
`clickproof serve` queues and runs them in-process), so no worker process is started."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select

from tests.browser.console_fixtures import (
    accepting_signer,
    check_finished_job_page,
    check_standing,
    download_signer_record,
    find_signer_from_home,
    last_month_with_pdfs,
    latest,
    verified_job_files,
)
from tests.browser.harness import (
    ConsoleSite,
    axe_violations,
    click_and_wait,
    find_when_present,
    seed_console,
    shot,
    sign_in,
)
from tests.databases import empty_postgres, selected_databases
from tests.e2e.test_processes import Server

pytestmark = pytest.mark.e2e


@pytest.fixture
def postgres_site(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ConsoleSite]:
    """The demo on the session's PostgreSQL database (emptied first) behind a real server."""
    if "postgresql" not in selected_databases():
        pytest.skip("PostgreSQL not selected (CLICKPROOF_TEST_DATABASES)")
    postgres_url: str = request.getfixturevalue("postgres_url")
    empty_postgres(postgres_url)
    home = tmp_path / "home"
    home.mkdir()
    email, password, token = seed_console(home, postgres_url)
    server = Server(home, postgres_url)
    yield ConsoleSite(server, home, postgres_url, email, password, token, site_id=1)
    server.stop()


def test_the_main_flow_on_postgresql(
    driver: WebDriver, postgres_site: ConsoleSite, axe_js: str, downloads: Path
) -> None:
    site = postgres_site
    signer_id = accepting_signer(site)
    expected = latest(site, signer_id)
    sign_in(driver, site)
    assert driver.current_url.endswith(f"/console/sites/{site.site_id}")  # the user's only site

    # A signer found from the home page: their standing per contract is /latest's answer.
    find_signer_from_home(driver, signer_id)
    check_standing(driver, expected)
    assert driver.find_elements(By.CSS_SELECTOR, "#history ~ table tbody tr")
    shot(driver, "postgres-signer")
    assert axe_violations(driver, axe_js) == []
    download_signer_record(driver, downloads, signer_id)

    # An export built in the New export form, watched to the end on its job page.
    driver.get(f"{site.url}/sites/{site.site_id}/exports")
    assert "no exports yet" in find_when_present(driver, "p.empty").text
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "New export"))
    driver.find_element(By.XPATH, "//button[text()='Add condition']").click()
    condition = find_when_present(driver, "#filter-builder .condition")
    Select(condition.find_element(By.CSS_SELECTOR, "[data-part=field]")).select_by_value("event_type")
    Select(condition.find_element(By.CSS_SELECTOR, "[data-part=op]")).select_by_value("$eq")
    condition.find_element(By.CSS_SELECTOR, "[data-part=value]").send_keys("agreed")
    matching = last_month_with_pdfs(driver, 'event type is "agreed"')
    assert matching > 0
    shot(driver, "postgres-exports-new")
    assert axe_violations(driver, axe_js) == []
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Create export']"))
    assert re.search(r"/exports/[0-9a-f]{24}$", driver.current_url)
    find_when_present(driver, "[data-role=status]")
    check_finished_job_page(driver, site, 'event type is "agreed"', matching)  # reloaded at the end
    shot(driver, "postgres-exports-job-done")
    assert axe_violations(driver, axe_js) == []

    # Its files, downloaded through the page, verify offline against the site's published keys.
    verified_job_files(driver, site, downloads)

    driver.get(f"{site.url}/sites/{site.site_id}/exports")
    row = find_when_present(driver, "table.jobs tbody tr").text
    assert "manual" in row and site.email in row and "success" in row and str(matching) in row
