"""A real browser (headless Chromium from Debian's packages) on a customer's page served from
another origin records an acceptance with `fetch` (a JSON POST: CORS preflight and all) and reads
`/latest`, against a real `clickproof serve`."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_processes import Server, api, home, run_cli, server, token

__all__ = ["home", "server", "token"]

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Shop checkout</title></head>
<body><pre id="out">pending</pre>
<script>
const api = "%(api)s";
async function run() {
  const out = document.getElementById("out");
  try {
    const sent = await fetch(api + "/send", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({sid: "demo-site-access-id", sig: "browser@example.com", et: "agreed",
                            cid: [1], pat: document.title, btz: new Date().getTimezoneOffset()}),
    });
    const sentBody = await sent.json();
    const latest = await fetch(api + "/latest?sid=demo-site-access-id&sig=browser%%40example.com&cid=1,2");
    out.textContent = JSON.stringify({send: sent.status, activities: sentBody.activities,
                                      latest: await latest.json()});
  } catch (err) {
    out.textContent = "error: " + err;
  }
}
run();
</script></body></html>
"""


def browse(url: str, tmp_path: Path) -> str:
    """The page's DOM after its scripts ran, in headless Chromium."""
    assert Path(CHROMIUM).exists(), "chromium is not installed (.ci/run installs it)"
    ran = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran.stdout


@pytest.fixture
def page_origin(server: Server) -> Iterator[str]:
    html = (PAGE % {"api": server.url}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *_args: Any) -> None:
            pass

    pages = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=pages.serve_forever, daemon=True)
    thread.start()
    # localhost vs 127.0.0.1 and another port: a different origin from the API's.
    yield f"http://localhost:{pages.server_address[1]}/checkout"
    pages.shutdown()


def test_a_page_on_another_origin_records_and_reads(
    page_origin: str, server: Server, token: str, tmp_path: Path
) -> None:
    dom = browse(page_origin, tmp_path)
    assert '"send":200' in dom, dom[-2000:]
    assert '"latest":{"1":true,"2":false}' in dom
    activity = dom.split('"activities":["', 1)[1].split('"', 1)[0]
    stored = api(server, token).get(f"/v1.1/activity/{activity}").json()
    assert stored["signer_id"] == "browser@example.com"
    connection = stored["connection_data"]
    assert connection["server_side"] is False and connection["page_title"] == "Shop checkout"
    assert "Chrome" in connection["user_agent"] and connection["remote_address"] == "127.0.0.1"
    assert isinstance(connection["browser_timezone"], int)
    assert httpx.get(f"{server.url}/health").status_code == 200


def test_a_site_that_lists_its_origins_refuses_other_pages(
    page_origin: str, server: Server, home: Path, database_url: str, tmp_path: Path
) -> None:
    restricted = run_cli(home, database_url, "site", "origins", "1", "--allow", "https://shop.example")
    assert restricted.returncode == 0, restricted.stderr
    assert "site 1: https://shop.example" in restricted.stdout
    bad = run_cli(home, database_url, "site", "origins", "1", "--allow", "shop.example")
    assert bad.returncode != 0 and "not an origin" in bad.stderr
    time.sleep(1.2)  # the server's catalogue snapshot lives CLICKPROOF_CATALOG_CACHE_SECONDS (1 s)
    dom = browse(page_origin, tmp_path)
    assert '"send":403' in dom  # refused, with a body the page can read and show
    refused = httpx.get(
        f"{server.url}/latest?sid=demo-site-access-id&sig=a&cid=1", headers={"Origin": page_origin}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "origin_not_allowed"
