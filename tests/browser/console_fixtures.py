"""Data and helpers the console's browser tests share: another account's site with a contract, a
version and an acceptance (that the demo user must never see), a viewer of the demo site, a
signed-in client and the pages' CSRF token, the API's own answers to compare the pages with, a
signer found from the site's home page and their standing checked, and waiting for the browser's
downloads to finish."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from tests.browser.harness import ConsoleSite, click_and_wait, find_when_present


@dataclass(frozen=True)
class OtherAccount:
    site_id: int
    contract_id: int
    version_id: str
    activity_id: str
    signer_id: str


def api(site: ConsoleSite, token: str | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=site.server.url, headers={"Authorization": f"Bearer {token or site.token}"}, timeout=30
    )


def other_account(site: ConsoleSite) -> OtherAccount:
    """A site of a second account with contract 77, a published version and one acceptance."""
    account = site.cli("account", "create", "Other Account")
    assert account.returncode == 0, account.stderr
    account_id = re.search(r"account_id=(\d+)", account.stdout)
    assert account_id
    made = site.cli("site", "create", "--account", account_id.group(1), "--name", "Other Site")
    assert made.returncode == 0, made.stderr
    found = re.search(r"site_id=(\d+) access_id=(\w+)", made.stdout)
    assert found
    site_id, access_id = int(found.group(1)), found.group(2)
    issued = site.cli(
        "token",
        "create",
        "--account",
        account_id.group(1),
        "--site",
        str(site_id),
        "--email",
        "o@example.com",
    )
    assert issued.returncode == 0, issued.stderr
    client = api(site, issued.stdout.strip().splitlines()[-1])
    contract = client.post(
        f"/v1.1/contracts?site_id={site_id}", json={"title": "Other terms", "key": "other", "id": 77}
    )
    assert contract.status_code == 201, contract.text
    version = client.post(
        f"/v1.1/contracts/77/versions?site_id={site_id}", json={"body": "<p>Other text</p>", "publish": True}
    )
    assert version.status_code == 201, version.text
    version_id = version.json()["id"]
    signer = "other-signer@example.com"
    sent = client.get(
        "/send", params={"sid": access_id, "et": "agreed", "sig": signer, "cid": "77", "vid": version_id}
    )
    assert sent.status_code == 200, sent.text
    activity_id = sent.json()["activities"][0]
    deadline = time.monotonic() + 20
    while client.get(f"/v1.1/activity/{activity_id}?site_id={site_id}").status_code != 200:
        assert time.monotonic() < deadline, "the other account's activity was not recorded"
        time.sleep(0.2)
    return OtherAccount(site_id, 77, version_id, activity_id, signer)


def activities_total(site: ConsoleSite, filter_doc: dict[str, Any]) -> int:
    """How many activities of the demo site the API finds with this filter."""
    answer = api(site).get("/v1.1/activity", params={"filter": json.dumps(filter_doc), "per_page": 1})
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total_count"])


def csrf_token(html: str) -> str:
    """The CSRF token of the (first) form on a console page."""
    return html.split('name="csrf_token" value="')[1].split('"', maxsplit=1)[0]


def signed_in_client(site: ConsoleSite) -> httpx.Client:
    client = httpx.Client(base_url=site.server.url, timeout=60)
    token = csrf_token(client.get("/console/login").text)
    answer = client.post(
        "/console/login",
        data={"email": site.email, "password": site.password, "csrf_token": token, "next": "/console/"},
    )
    assert answer.status_code == 303, answer.text
    return client


def new_viewer(site: ConsoleSite) -> ConsoleSite:
    """The site as viewer@example.com signs in to it: a console user made with the viewer role on
    site 1 and a generated password."""
    made = site.cli(
        "user",
        "create",
        "--email",
        "viewer@example.com",
        "--site",
        "1",
        "--role",
        "viewer",
        "--generate-password",
    )
    assert made.returncode == 0, made.stderr
    password = made.stdout.split("password=")[1].split()[0]
    return replace(site, email="viewer@example.com", password=password)


def finished_downloads(
    folder: Path, count: int, *, pattern: str = "*", before: Collection[Path] = (), timeout: float = 60
) -> list[Path]:
    """The `count` files matching `pattern` that the browser has downloaded into `folder` (apart
    from those in `before`), once none there is still being downloaded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        loading = any(p.name.endswith(".crdownload") for p in folder.iterdir())
        done = [
            p
            for p in folder.glob(pattern)
            if p not in before and not p.name.endswith(".crdownload") and p.stat().st_size > 0
        ]
        if len(done) == count and not loading:
            return done
        time.sleep(0.2)
    raise AssertionError(f"downloads of {pattern} did not finish: {sorted(p.name for p in folder.iterdir())}")


def finished_download(
    folder: Path, *, pattern: str = "*", before: Collection[Path] = (), timeout: float = 60
) -> Path:
    """The one file matching `pattern` that the browser has downloaded into `folder`."""
    return finished_downloads(folder, 1, pattern=pattern, before=before, timeout=timeout)[0]


def accepting_signer(site: ConsoleSite) -> str:
    """A demo signer who agreed to version 3 (the newest) of contract 1."""
    found = api(site).get(
        "/v1.1/activity",
        params={
            "filter": json.dumps({"event_type": "agreed", "contract": 1, "version_number": 3}),
            "per_page": 50,
        },
    )
    assert found.status_code == 200, found.text
    return str(next(a["signer_id"] for a in found.json()["data"] if a["signer_id"]))


def latest(site: ConsoleSite, signer_id: str) -> dict[str, bool]:
    """The Activity API's /latest answer for the signer: contract id → accepted the newest version."""
    answer = httpx.get(
        f"{site.server.url}/latest",
        params={"sid": "demo-site-access-id", "sig": signer_id, "cid": "1,2,3,4"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {k: bool(v) for k, v in answer.json().items()}


def find_signer_from_home(driver: WebDriver, signer_id: str) -> None:
    """On the site's home page, search for the signer (in upper case: e-mail addresses are
    matched without regard to case) and land on their page."""
    box = find_when_present(driver, "#signer-q")
    box.send_keys(signer_id.upper())
    click_and_wait(driver, driver.find_element(By.XPATH, "//button[text()='Find signer']"))
    assert find_when_present(driver, "h1").text == f"Signer {signer_id}"


def check_standing(driver: WebDriver, expected: dict[str, bool]) -> None:
    """The signer page's standing table answers, per contract, what /latest answers."""
    rows = driver.find_elements(By.CSS_SELECTOR, "table.standing tbody tr")
    assert len(rows) == 4
    by_contract = {}
    for row in rows:
        link = row.find_element(By.CSS_SELECTOR, "th a").get_attribute("href") or ""
        by_contract[link.rsplit("/", 1)[-1]] = row
    assert sorted(by_contract) == sorted(expected)
    for contract_id, row in by_contract.items():
        answer = row.find_element(By.CSS_SELECTOR, "td.answer").text
        assert answer.startswith("Yes") == expected[contract_id], (contract_id, answer)
    cells = by_contract["1"].find_elements(By.TAG_NAME, "td")
    assert cells[0].text == "version 3"  # the latest published version of the demo's contracts
    assert cells[2].text.startswith("version ")  # the version they last accepted, whichever it is
    assert cells[3].find_element(By.TAG_NAME, "a").get_attribute("href")  # when: the acceptance itself
    assert cells[4].text  # from where: the address and page recorded


def download_signer_record(driver: WebDriver, folder: Path, signer_id: str) -> Path:
    """Download the signer's evidence PDF from their page (into folder, where the browser saves
    downloads) and check it is a PDF naming the signer."""
    before = set(folder.glob("*.pdf"))
    driver.find_element(By.ID, "signer-record").click()
    pdf = finished_download(folder, pattern="*.pdf", before=before)
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert signer_id in text
    return pdf


def verified_job_files(driver: WebDriver, site: ConsoleSite, folder: Path) -> dict[str, Path]:
    """Download every file of the job page shown (into folder, where the browser saves downloads)
    and check that `clickproof verify` finds them VERIFIED against the site's published keys; the
    files by suffix (.csv, .zip, .json)."""
    before = set(folder.iterdir())
    links = driver.find_elements(By.CSS_SELECTOR, "table.files a[download]")
    assert len(links) == 3  # the CSV, the zip of PDFs, the manifest
    for link in links:
        link.click()
    files = {p.suffix: p for p in finished_downloads(folder, 3, before=before)}
    assert sorted(files) == [".csv", ".json", ".zip"]
    keys = folder.parent / f"{folder.name}-keys.json"
    keys.write_text(site.cli("keys", "list", "--site", str(site.site_id)).stdout)
    bundle = folder.parent / f"{folder.name}-bundle"
    bundle.mkdir()
    for path in files.values():
        (bundle / path.name).write_bytes(path.read_bytes())
    checked = site.cli("verify", str(bundle), "--public-key", str(keys))
    assert checked.returncode == 0 and "VERIFIED" in checked.stdout, checked.stdout
    return files


def last_month_with_pdfs(driver: WebDriver, description: str) -> int:
    """On the New export form: last month, evidence PDFs as well; once the preview describes the
    filter as `description`, the number of activities it says match."""
    driver.find_element(By.ID, "window-month").click()
    pdfs = driver.find_element(By.CSS_SELECTOR, "input[value=clickwrap_activities_as_pdfs]")
    if not pdfs.is_selected():
        pdfs.click()
    shown = driver.find_element(By.CSS_SELECTOR, "#preview [data-role=description]")
    WebDriverWait(driver, 15).until(lambda d: shown.text == description)
    return int(driver.find_element(By.CSS_SELECTOR, "#preview [data-role=matching]").text)


def check_finished_job_page(driver: WebDriver, site: ConsoleSite, description: str, rows: int) -> None:
    """The job page, once it has reloaded at the job's end: verified, a manual job of the site's
    user with the filter's description and the rows the preview promised."""
    verdict = find_when_present(driver, "[data-verdict]", timeout=90)
    assert verdict.get_attribute("data-verdict") == "verified"
    page = driver.find_element(By.TAG_NAME, "main").text
    assert description in page and "manual" in page and site.email in page
    assert f"Rows\n{rows}" in page
