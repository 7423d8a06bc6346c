"""Every console page a person uses, timed on the demo data of `make run`, signed in through the
real sign-in form.

Target (console issue): "Pages answer in < 100 ms p95 on the demo data" — p95 < 100 ms for every
page below. The two evidence PDFs (an activity's, a signer's) are downloads, not pages: they are
timed and reported apart, without a target.

It seeds the demo as `make run` does (`clickproof demo --activities 5000 --if-empty`; SQLite in
the home unless `--database-url` says otherwise), starts `clickproof serve` on loopback, creates
one CSV export through the API and waits for it to finish (the job page then shows its files and
their verdict), signs in as the demo console user (GET the sign-in form, POST it with its CSRF
token, the session cookie from the answer), reads the ids the pages need from the API (the newest
activity, a signer who agreed, the first contract and its newest version), then requests every
page in turn, round after round, on one keep-alive connection: `--warmup` rounds untimed, then
`--requests` timed rounds. A request is timed from before it is sent until its whole body is read.
Each answer must have the page's status (200, or 303 for a search that finds one signer) and, on
an HTML page, the page's own title (not the sign-in page, not an error page).

    .venv/bin/python bench/console_pages.py [--activities 5000] [--requests 200] [--warmup 20] \
        [--pdf-requests 50] [--home bench/out/console-5000] [--database-url postgresql://…]
    # or: make bench-console

Exit status: 0 when every page meets the target, 1 when one misses it, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import follow_job, free_port, wait_healthy

CLI = [sys.executable, "-m", "clickproof.cli"]
TARGET_MS = 100.0
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class BenchError(RuntimeError):
    """The benchmark could not run (seeding, server, sign-in or a page that answers wrongly)."""


@dataclass
class Page:
    name: str
    path: str
    title: str | None = None  # the start of the page's <title>; None: any title but sign-in/error
    status: int = 200
    body: str | None = None  # a form body: POST instead of GET
    is_html: bool = True
    times: list[float] = field(default_factory=list)


def seed(env: dict[str, str], activities: int) -> tuple[int, str, str, str]:
    """`clickproof demo` as `make run` runs it; (site id, console e-mail, password, API token)."""
    done = subprocess.run(
        [*CLI, "demo", "--activities", str(activities), "--if-empty"],
        env=env, capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise BenchError(f"clickproof demo failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    lines = done.stdout.strip().splitlines()
    print(f"  {lines[0]}")
    site = re.match(r"demo account \d+, site (\d+):", lines[0])
    if site is None:
        raise BenchError(f"unexpected output of clickproof demo: {done.stdout!r}")
    words = next(line for line in lines if line.startswith("console:")).split()
    return int(site.group(1)), words[-3], words[-1], lines[-1].strip()


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    """Give the client a console session, signed in through the form as a browser does."""
    form = client.get("/console/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if form.status_code != 200 or found is None:
        raise BenchError(f"the sign-in form answered {form.status_code} without a CSRF token")
    answer = client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": found.group(1), "next": "/console/"},
    )
    if answer.status_code != 303 or "cp_session" not in client.cookies:
        raise BenchError(f"signing in answered {answer.status_code}: {answer.text[:300]}")


def finished_export(api: httpx.Client) -> str:
    """The id of a CSV export of the demo's window, created now and followed to success."""
    start = (datetime.now(UTC) - timedelta(days=100)).isoformat()
    created = api.post("/v1.1/extract/evidence", json={"start_date": start, "standard_all": True})
    if created.status_code != 201:
        raise BenchError(f"creating the export answered {created.status_code}: {created.text[:300]}")
    return str(follow_job(api, created.json(), 0.2)["id"])


def pages_of(
    api: httpx.Client, console: httpx.Client, site_id: int, job_id: str
) -> tuple[list[Page], list[Page]]:
    """(the pages, the PDF downloads), with the ids of the demo data they show."""
    newest = api.get("/v1.1/activity", params={"per_page": 1}).json()["data"][0]
    agreed = api.get(
        "/v1.1/activity", params={"filter": json.dumps({"event_type": "agreed"}), "per_page": 50}
    ).json()["data"]
    signer = next(a["signer_id"] for a in agreed if a["signer_id"])
    contract = api.get("/v1.1/contracts", params={"per_page": 1}).json()["data"][0]
    versions = api.get(f"/v1.1/contracts/{contract['id']}/versions", params={"per_page": 100}).json()["data"]
    version = max(versions, key=lambda v: v["version_number"])
    home = console.get(f"/console/sites/{site_id}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    if csrf is None:
        raise BenchError(f"the site's home page has no CSRF token ({home.status_code})")
    base = f"/console/sites/{site_id}"
    who = quote(signer, safe="")
    search = urlencode({"contract": contract["id"], "event_type": "agreed", "page": 2})
    preview = urlencode(
        {
            "csrf_token": csrf.group(1),
            "window": "last_month",
            "export_type": "clickwrap_activities",
            "filter": '{"event_type": "agreed"}',
            "action": "preview",
        }
    )
    contract_page = f"{base}/contracts/{contract['id']}"
    pages = [
        Page("site home", base),
        Page("exports list", f"{base}/exports", "Exports"),
        Page("new export form", f"{base}/exports/new", "New export"),
        Page("export preview (POST, JSON)", f"{base}/exports/preview", body=preview, is_html=False),
        Page("job page (finished, verified)", f"{base}/exports/{job_id}", f"Export {job_id}"),
        Page("job progress (JSON)", f"{base}/exports/{job_id}/progress", is_html=False),
        Page("activities, no filter", f"{base}/activities", "Activities"),
        Page("activities, contract + event type, page 2", f"{base}/activities?{search}", "Activities"),
        Page("activities, signer", f"{base}/activities?signer={who}", "Activities"),
        Page("activity page", f"{base}/activities/{newest['id']}", f"Activity {newest['id']}"),
        Page("signers list", f"{base}/signers", "Signers"),
        Page("signers list, page 2", f"{base}/signers?page=2", "Signers"),
        Page(
            "signer search (e-mail, other case) → 303",
            f"{base}/signers?q={quote(signer.upper(), safe='')}",
            status=303,
            is_html=False,
        ),
        Page("signer page", f"{base}/signers/show?id={who}", html.escape(f"Signer {signer}")),
        Page("contracts list", f"{base}/contracts", "Contracts"),
        Page("contract page", contract_page),
        Page("version page", f"{contract_page}/versions/{version['id']}"),
        Page("version text (frame)", f"{contract_page}/versions/{version['id']}/text", is_html=False),
        Page("admin overview", f"{base}/admin", "Administration"),
        Page("admin: API tokens", f"{base}/admin/tokens", "API tokens"),
        Page("admin: users and roles", f"{base}/admin/users", "Users and roles"),
        Page("admin: site settings", f"{base}/admin/settings", "Site settings"),
        Page("account", "/console/account", "Your account"),
    ]
    downloads = [
        Page("activity evidence PDF", f"{base}/activities/{newest['id']}/record.pdf", is_html=False),
        Page("signer evidence PDF", f"{base}/signers/record.pdf?id={who}", is_html=False),
    ]
    return pages, downloads


def fetch(client: httpx.Client, page: Page) -> httpx.Response:
    if page.body is None:
        return client.get(page.path)
    return client.post(page.path, content=page.body, headers=FORM)


def check(page: Page, answer: httpx.Response) -> None:
    """Refuse an answer that is not the page: a wrong status, the sign-in page or an error page."""
    if answer.status_code != page.status:
        raise BenchError(f"{page.name}: {page.path} answered {answer.status_code}: {answer.text[:300]}")
    if not page.is_html:
        return
    title = re.search(r"<title>(.*?) · clickproof console</title>", answer.text, re.S)
    shown = title.group(1).strip() if title else ""
    if not shown or shown == "Sign in" or shown.isdigit() or not shown.startswith(page.title or ""):
        raise BenchError(f"{page.name}: {page.path} showed the page {shown!r}, not {page.title!r}")


def timed(client: httpx.Client, pages: list[Page], warmup: int, rounds: int) -> None:
    """Every page in turn per round (machine noise hits every page alike)."""
    for page in pages:
        check(page, fetch(client, page))
    for number in range(warmup + rounds):
        for page in pages:
            started = time.perf_counter()
            answer = fetch(client, page)
            _ = answer.content
            elapsed = time.perf_counter() - started
            if answer.status_code != page.status:
                check(page, answer)
            if number >= warmup:
                page.times.append(elapsed)


def percentile(times: list[float], fraction: float) -> float:
    """Nearest rank, in milliseconds."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] * 1000


def table(pages: list[Page], target: bool) -> list[str]:
    lines = [
        "| page | requests | p50 | p95 | max |" + (" target |" if target else ""),
        "|---|---:|---:|---:|---:|" + ("---|" if target else ""),
    ]
    for page in pages:
        p95 = percentile(page.times, 0.95)
        row = (
            f"| {page.name} | {len(page.times)} | {percentile(page.times, 0.5):.1f} ms | {p95:.1f} ms"
            f" | {max(page.times) * 1000:.1f} ms |"
        )
        if target:
            row += " met |" if p95 < TARGET_MS else " **missed** |"
        lines.append(row)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--activities", type=int, default=5000, help="as DEMO_ACTIVITIES of `make run`")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of every page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed rounds first")
    parser.add_argument("--pdf-requests", type=int, default=50, help="timed requests of every PDF")
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--database-url", default=None, help="default: SQLite in the home")
    args = parser.parse_args()
    home = (args.home or Path(f"bench/out/console-{args.activities}")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CLICKPROOF_HOME": str(home)}
    if args.database_url:
        env["CLICKPROOF_DATABASE_URL"] = args.database_url
    print(f"seeding the demo in {home} (as make run) ...")
    try:
        site_id, email, password, token = seed(env, args.activities)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = home / "serve.log"
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_healthy(url, server)
        with (
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as api,
            httpx.Client(base_url=url, timeout=60, follow_redirects=False) as console,
        ):
            sign_in(console, email, password)
            job_id = finished_export(api)
            pages, downloads = pages_of(api, console, site_id, job_id)
            load_before = os.getloadavg()
            started = time.monotonic()
            timed(console, pages, args.warmup, args.requests)
            timed(console, downloads, min(args.warmup, 5), args.pdf_requests)
            seconds = time.monotonic() - started
            load_after = os.getloadavg()
    except (BenchError, RuntimeError, httpx.HTTPError) as exc:
        print(f"error: {exc} (server log: {log_path})", file=sys.stderr)
        return 2
    finally:
        server.terminate()
        server.wait(60)
    every = [t for page in pages for t in page.times]
    missed = [page.name for page in pages if percentile(page.times, 0.95) >= TARGET_MS]
    print(
        f"\n{len(pages)} pages x {args.requests} requests (after {args.warmup} warm-up rounds), "
        f"{len(downloads)} PDFs x {args.pdf_requests}, in {seconds:.0f} s; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after\n"
    )
    print("\n".join(table(pages, target=True)))
    print(
        f"| **every page** | {len(every)} | {percentile(every, 0.5):.1f} ms | "
        f"**{percentile(every, 0.95):.1f} ms** | {max(every) * 1000:.1f} ms | |\n"
    )
    print("\n".join(table(downloads, target=False)))
    if missed:
        print(f"\ntarget p95 < {TARGET_MS:.0f} ms missed by: {', '.join(missed)}")
        return 1
    print(f"\ntarget p95 < {TARGET_MS:.0f} ms met by every page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
