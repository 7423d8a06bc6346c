"""The Exports pages in a real browser: a filter built in the builder, its description and match
count before the job exists, the site's window limit, live progress to the end, the files
downloaded and verified; a viewer who sees and downloads but cannot create, retry or cancel;
another account's job; cancel and retry."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser.console_fixtures import (
    check_finished_job_page,
    csrf_token,
    last_month_with_pdfs,
    new_viewer,
    signed_in_client,
    verified_job_files,
)
from tests.browser.harness import (
    ConsoleSite,
    axe_violations,
    click_and_wait,
    find_when_present,
    new_driver,
    seed_console,
    shot,
    sign_in,
)
from tests.e2e.test_processes import Server

pytestmark = pytest.mark.e2e
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def held_site(tmp_path: Path) -> Iterator[tuple[ConsoleSite, Path]]:
    """The demo behind a server whose export attempts wait after claiming a job until a file
    exists (the failpoint), so a test sees a job while it runs and can cancel it in time."""
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'clickproof.db'}"
    email, password, token = seed_console(home, url)
    release = tmp_path / "release"
    server = Server(home, url, CLICKPROOF_FAILPOINTS=f"export.csv_done=wait:{release}")
    yield ConsoleSite(server, home, url, email, password, token, site_id=1), release
    release.touch()
    server.stop()


def _csrf(client: httpx.Client) -> str:
    return csrf_token(client.get("/console/sites/1/exports").text)


def _api_export(site: ConsoleSite, token: str, site_id: int = 1) -> str:
    for _attempt in range(60):
        answer = httpx.post(
            f"{site.server.url}/v1.1/extract/evidence?site_id={site_id}",
            headers={"Authorization": f"Bearer {token}"},
            json={"start_date": "2026-01-01T00:00:00Z", "export_types": ["clickwrap_activities"]},
            timeout=20,
        )
        if answer.status_code != 429:  # the site's queue is full: a place frees when a job starts
            break
        time.sleep(1)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _wait_for_status(client: httpx.Client, job_id: str, *statuses: str) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while True:
        progress: dict[str, object] = client.get(f"/console/sites/1/exports/{job_id}/progress").json()
        if progress["status"] in statuses or time.monotonic() > deadline:
            return progress
        time.sleep(0.3)


def _builder_json(driver: WebDriver) -> object:
    """Switch the filter to raw JSON and read it."""
    driver.find_element(By.ID, "filter-mode").click()
    textarea = find_when_present(driver, "#filter")
    WebDriverWait(driver, 10).until(lambda d: textarea.is_displayed())
    return json.loads(textarea.get_attribute("value") or "null")


def test_an_export_built_previewed_watched_downloaded_and_verified(
    driver: WebDriver, held_site: tuple[ConsoleSite, Path], axe_js: str, downloads: Path
) -> None:
    site, release = held_site
    sign_in(driver, site)
    driver.get(f"{site.url}/sites/1/exports")
    assert "no exports yet" in find_when_present(driver, "p.empty").text
    shot(driver, "exports-empty")
    assert axe_violations(driver, axe_js) == []

    click_and_wait(driver, driver.find_element(By.LINK_TEXT, "New export"))
    find_when_present(driver, "#filter-builder fieldset.group")
    assert not driver.find_element(By.ID, "filter").is_displayed()  # the builder replaced the textarea
    # A condition built in the builder: the description and match count appear before any job.
    driver.find_element(By.XPATH, "//button[text()='Add condition']").click()
    condition = find_when_present(driver, "#filter-builder .condition")
    Select(condition.find_element(By.CSS_SELECTOR, "[data-part=field]")).select_by_value("event_type")
    Select(condition.find_element(By.CSS_SELECTOR, "[data-part=op]")).select_by_value("$eq")
    condition.find_element(By.CSS_SELECTOR, "[data-part=value]").send_keys("agreed")
    description = driver.find_element(By.CSS_SELECTOR, "#preview [data-role=description]")
    WebDriverWait(driver, 15).until(lambda d: description.text == 'event type is "agreed"')
    matching = int(driver.find_element(By.CSS_SELECTOR, "#preview [data-role=matching]").text)
    assert matching > 0
    shot(driver, "exports-new-builder")
    assert axe_violations(driver, axe_js) == []

    # The raw JSON mode round-trips: builder → JSON → builder → the same JSON.
    assert _builder_json(driver) == {"event_type": {"$eq": "agreed"}}
    either = {"$or": [{"event_type": {"$eq": "agreed"}}, {"contract": {"$in": [1, 2]}}]}
    textarea = driver.find_element(By.ID, "filter")
    textarea.clear()
    textarea.send_keys(json.dumps(either))
    driver.find_element(By.ID, "filter-mode").click()  # back to the builder
    WebDriverWait(driver, 10).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#filter-builder .condition")) == 2
    )
    combinator = driver.find_element(By.CSS_SELECTOR, "#filter-builder [data-part=combinator]")
    assert Select(combinator).first_selected_option.get_attribute("value") == "$or"
    WebDriverWait(driver, 15).until(lambda d: description.text.startswith('event type is "agreed" or '))
    assert _builder_json(driver) == either
    shot(driver, "exports-new-json")
    textarea.clear()
    textarea.send_keys(json.dumps({"event_type": "agreed"}))
    driver.find_element(By.ID, "filter-mode").click()
    find_when_present(driver, "#filter-builder .condition")

    # The site's max_export_days, with the API's message; the form keeps what was entered.
    driver.find_element(By.ID, "window-custom").click()
    driver.execute_script(
        "document.getElementById('start_date').value = '2024-01-01';"
        "document.getElementById('end_date').value = '2025-06-30';"
    )
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Create export']"))
    alert = find_when_present(driver, "[role=alert]")
    assert "exceeds this site's maximum of 365 days" in alert.text and "end_date" in alert.text
    assert find_when_present(driver, "#filter-builder .condition")
    assert driver.find_element(By.ID, "end_date").get_attribute("aria-invalid") == "true"
    shot(driver, "exports-new-too-long")
    assert axe_violations(driver, axe_js) == []

    # Last month, CSV and PDFs, all standard columns: create, and watch it run.
    matching_month = last_month_with_pdfs(driver, 'event type is "agreed"')
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Create export']"))
    assert re.search(r"/exports/[0-9a-f]{24}$", driver.current_url)
    status = find_when_present(driver, "[data-role=status]")
    driver.execute_script("window.sameDocument = true")
    # The attempt waits after its CSV: the page follows it to half done, without a reload.
    halfway = f"50% ({matching_month} of {2 * matching_month})"
    WebDriverWait(driver, 30).until(
        lambda d: (
            status.text == "started" and d.find_element(By.CSS_SELECTOR, "[data-role=text]").text == halfway
        )
    )
    assert driver.find_element(By.ID, "job-progress").get_attribute("value") == "50"
    assert driver.execute_script("return window.sameDocument") is True
    shot(driver, "exports-job-running")
    assert axe_violations(driver, axe_js) == []
    release.touch()
    check_finished_job_page(driver, site, 'event type is "agreed"', matching_month)  # reloaded at the end
    shot(driver, "exports-job-done")
    assert axe_violations(driver, axe_js) == []

    # Download every file through the page and verify them offline against the published keys.
    verified_job_files(driver, site, downloads)

    driver.get(f"{site.url}/sites/1/exports")
    row = find_when_present(driver, "table.jobs tbody tr")
    cells = row.text
    assert "manual" in cells and site.email in cells and "success" in cells and str(matching_month) in cells
    shot(driver, "exports-list")
    assert axe_violations(driver, axe_js) == []


def test_a_viewer_sees_and_downloads_but_cannot_create_retry_or_cancel(
    driver: WebDriver, held_site: tuple[ConsoleSite, Path], axe_js: str
) -> None:
    site, release = held_site
    viewer_site = new_viewer(site)
    running = _api_export(site, site.token)  # held after its CSV: cancellable while we look
    exporter = signed_in_client(site)
    assert _wait_for_status(exporter, running, "started")["status"] == "started"

    sign_in(driver, viewer_site)
    driver.get(f"{site.url}/sites/1/exports")
    find_when_present(driver, "table.jobs")
    assert driver.find_elements(By.LINK_TEXT, "New export") == []
    shot(driver, "exports-list-viewer")
    assert axe_violations(driver, axe_js) == []
    driver.get(f"{site.url}/sites/1/exports/{running}")
    find_when_present(driver, "[data-role=status]")
    assert driver.find_elements(By.XPATH, "//button[contains(., 'Cancel')]") == []
    assert driver.find_elements(By.XPATH, "//button[contains(., 'Retry')]") == []
    shot(driver, "exports-job-viewer")
    assert axe_violations(driver, axe_js) == []

    viewer = signed_in_client(viewer_site)
    csrf = _csrf(viewer)
    assert viewer.get("/console/sites/1/exports/new").status_code == 403
    form = urlencode(
        {
            "csrf_token": csrf,
            "window": "last_7_days",
            "export_type": "clickwrap_activities",
            "action": "create",
        }
    )
    assert viewer.post("/console/sites/1/exports/new", content=form, headers=FORM).status_code == 403
    assert viewer.post("/console/sites/1/exports/preview", content=form, headers=FORM).status_code == 403
    for action in ("cancel", "retry"):
        refused = viewer.post(f"/console/sites/1/exports/{running}/{action}", data={"csrf_token": csrf})
        assert refused.status_code == 403 and "needs exporter" in refused.text
    # The exporter's cancel works; the viewer still reads the job and downloads a finished one's files.
    driver.get(f"{site.url}/sites/1/exports")
    find_when_present(driver, f"#job-{running} progress")
    cancelled = exporter.post(
        f"/console/sites/1/exports/{running}/cancel", data={"csrf_token": _csrf(exporter)}
    )
    assert cancelled.status_code == 303
    # The viewer's list follows the job live and shows how it ended (it reloads when the job ends).
    WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, f"#job-{running} [data-role=status]").text == "failed"
            and not d.find_elements(By.CSS_SELECTOR, f"#job-{running} progress")
        )
    )
    release.touch()
    done = _api_export(site, site.token)
    assert _wait_for_status(viewer, done, "success", "failed")["status"] == "success"
    page = viewer.get(f"/console/sites/1/exports/{done}").text
    names = re.findall(r'/files/([^"]+)" download', page)
    assert len(names) == 2 and 'data-verdict="verified"' in page
    for name in names:
        answer = viewer.get(f"/console/sites/1/exports/{done}/files/{name}")
        assert answer.status_code == 200 and answer.headers["content-disposition"].startswith("attachment")
    assert viewer.get(f"/console/sites/1/exports/{running}").text.count("cancelled by") >= 1


def test_cancel_retry_another_accounts_job_and_bad_input(held_site: tuple[ConsoleSite, Path]) -> None:
    site, release = held_site
    client = signed_in_client(site)
    csrf = _csrf(client)
    base = "/console/sites/1/exports"
    # Created here: source manual, the user recorded; held running, then cancelled.
    form = urlencode(
        [
            ("csrf_token", csrf),
            ("window", "last_month"),
            ("export_type", "clickwrap_activities"),
            ("all", "standard"),
            ("column", "connection:remote_address"),
            ("filter", '{"test_mode": false}'),
            ("action", "create"),
        ]
    )
    created = client.post(f"{base}/new", content=form, headers=FORM)
    assert created.status_code == 303
    job_id = created.headers["location"].rsplit("/", 1)[1]
    api = httpx.get(
        f"{site.server.url}/v1.1/extract/evidence/{job_id}?site_id=1",
        headers={"Authorization": f"Bearer {site.token}"},
    ).json()
    assert api["source"] == "manual" and api["data"]["filter"] == {"test_mode": False}
    assert {"family": "connection", "name": "remote_address"} in api["data"]["columns"]
    assert _wait_for_status(client, job_id, "started")["status"] == "started"
    assert (
        client.post(f"{base}/{job_id}/retry", data={"csrf_token": csrf}).status_code == 409
    )  # still running
    assert client.post(f"{base}/{job_id}/cancel", data={"csrf_token": csrf}).status_code == 303
    page = client.get(f"{base}/{job_id}").text
    assert f"Export job cancelled by {site.email}." in page and "Retry as a new export" in page
    again = client.post(f"{base}/{job_id}/cancel", data={"csrf_token": csrf})
    assert again.status_code == 409 and "already ended failed" in again.text
    release.touch()
    # Retry: a new manual job with exactly the failed job's request.
    retried = client.post(f"{base}/{job_id}/retry", data={"csrf_token": csrf})
    assert retried.status_code == 303
    new_id = retried.headers["location"].rsplit("/", 1)[1]
    assert new_id != job_id and _wait_for_status(client, new_id, "success", "failed")["status"] == "success"
    new = httpx.get(
        f"{site.server.url}/v1.1/extract/evidence/{new_id}?site_id=1",
        headers={"Authorization": f"Bearer {site.token}"},
    ).json()
    for key in ("start_date", "end_date", "filter", "columns", "export_types", "sort"):
        assert new["data"][key] == api["data"][key], key
    assert client.post(f"{base}/{new_id}/retry", data={"csrf_token": csrf}).status_code == 409  # succeeded
    assert client.get(f"{base}/{new_id}/files/nope.csv").status_code == 404
    # The verdict is of the stored files as they are now: a changed file is Not verified.
    assert 'data-verdict="verified"' in client.get(f"{base}/{new_id}").text
    stored = [p for p in (site.home / "exports").rglob("*.csv") if new_id in str(p)]
    assert len(stored) == 1
    with open(stored[0], "ab") as tampered:
        tampered.write(b"one more row\r\n")
    page = client.get(f"{base}/{new_id}").text
    assert 'data-verdict="not_verified"' in page and "SHA-256 differs" in page
    assert client.get(f"{base}/{job_id}/files/manifest.json").status_code == 409  # failed: no files

    # Another account's job: the same 404 as a missing one, on every page of it.
    assert site.cli("account", "create", "Other").returncode == 0
    other_site = site.cli("site", "create", "--account", "2", "--name", "Other site")
    assert other_site.returncode == 0, other_site.stderr
    issued = site.cli("token", "create", "--account", "2", "--site", "2", "--email", "other@example.com")
    other_token = issued.stdout.strip().splitlines()[-1]
    other_job = _api_export(site, other_token, site_id=2)
    missing = client.get(f"{base}/{'0' * 24}")
    assert missing.status_code == 404
    for path in ("", "/progress", "/files/manifest.json"):
        answer = client.get(f"{base}/{other_job}{path}")
        assert answer.status_code == 404 and answer.text.count("nothing here") == missing.text.count(
            "nothing here"
        )
    for action in ("cancel", "retry"):
        assert client.post(f"{base}/{other_job}/{action}", data={"csrf_token": csrf}).status_code == 404
    assert client.get(f"/console/sites/2/exports/{other_job}").status_code == 404

    # Bad input: an error page or the form again, naming the problem; never a 500.
    assert client.get(f"{base}/not-an-id").status_code == 404
    bad_page = client.get(f"{base}?page=0")
    assert bad_page.status_code == 400 and "page must be a whole number" in bad_page.text
    for fields, status, words in (
        ([("filter", "{not json")], 400, "filter"),
        ([("filter", '{"nope": 1}')], 400, "nope"),
        ([("window", "forever")], 400, "window must be one of"),
        ([("window", "custom"), ("start_date", "")], 400, "start_date is required"),
        ([("window", "custom"), ("start_date", "2026-13-01")], 400, "start_date must be a date"),
        ([("column", "standard:nope")], 400, "unknown standard field"),
        ([("column", "nonsense")], 400, "family:name"),
    ):
        body = urlencode(
            [("csrf_token", csrf), ("export_type", "clickwrap_activities"), *fields, ("action", "preview")]
        )
        answer = client.post(f"{base}/new", content=body, headers=FORM)
        assert answer.status_code == status and words in answer.text and 'role="alert"' in answer.text, fields
        preview = client.post(f"{base}/preview", content=body, headers=FORM)
        assert preview.status_code == status and words in preview.json()["error"], fields
    no_types = urlencode([("csrf_token", csrf), ("window", "last_7_days"), ("action", "create")])
    answer = client.post(f"{base}/new", content=no_types, headers=FORM)
    assert answer.status_code == 400 and "export_types must be a non-empty array" in answer.text
    # Without JavaScript the Preview button answers the same description and count.
    body = urlencode(
        [
            ("csrf_token", csrf),
            ("window", "last_month"),
            ("export_type", "clickwrap_activities"),
            ("filter", '{"event_type": "agreed"}'),
            ("action", "preview"),
        ]
    )
    shown = client.post(f"{base}/new", content=body, headers=FORM).text
    counted = client.post(f"{base}/preview", content=body, headers=FORM).json()
    assert counted["description"] == 'event type is "agreed"'
    assert f'data-role="matching">{counted["matching"]}<' in shown


def test_the_job_list_pages(held_site: tuple[ConsoleSite, Path]) -> None:
    site, release = held_site
    release.touch()
    ids = [_api_export(site, site.token) for _ in range(27)]
    client = signed_in_client(site)
    first = client.get("/console/sites/1/exports").text
    second = client.get("/console/sites/1/exports?page=2").text
    assert first.count('<tr id="job-') == 25 and second.count('<tr id="job-') == 2
    assert ids[-1] in first and ids[0] in second and ids[0] not in first  # newest first
    assert "Older jobs" in first and "Newer jobs" in second and "Older jobs" not in second
    assert "No jobs on this page" in client.get("/console/sites/1/exports?page=9").text


def test_the_form_works_without_javascript(held_site: tuple[ConsoleSite, Path], tmp_path: Path) -> None:
    site, release = held_site
    release.touch()
    driver = new_driver(tmp_path / "downloads", javascript=False)
    try:
        sign_in(driver, site)
        driver.get(f"{site.url}/sites/1/exports/new")
        textarea = find_when_present(driver, "#filter")
        assert textarea.is_displayed()
        assert not driver.find_element(By.ID, "filter-builder").is_displayed()
        assert not driver.find_element(By.ID, "filter-mode").is_displayed()
        textarea.send_keys('{"$or": [{"event_type": "agreed"}, {"test_mode": true}]}')
        driver.find_element(By.ID, "window-month").click()
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Preview']"))
        description = find_when_present(driver, "#preview [data-role=description]").text
        assert description == 'event type is "agreed" or test mode is true'
        matching = int(driver.find_element(By.CSS_SELECTOR, "#preview [data-role=matching]").text)
        assert driver.find_element(By.ID, "filter").get_attribute("value").startswith('{"$or"')
        shot(driver, "exports-new-no-javascript")
        click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Create export']"))
        job_url = driver.current_url
        deadline = time.monotonic() + 60
        while "data-verdict" not in driver.page_source and time.monotonic() < deadline:
            time.sleep(0.5)
            driver.get(job_url)  # no live progress without JavaScript: reload
        assert find_when_present(driver, "[data-verdict]").get_attribute("data-verdict") == "verified"
        assert f"Rows\n{matching}" in driver.find_element(By.TAG_NAME, "main").text
    finally:
        driver.quit()
