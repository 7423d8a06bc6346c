"""`GET /health` latency of a real `clickproof serve`, idle and while it creates exports and runs a
big one: the event loop must never wait for the database (issue 13, item 7).

Phases, each timing `--probes` sequential `GET /health` on one keep-alive connection:
1. idle;
2. busy: one export of every activity running, and `--creators` threads each creating exports
   back to back (`POST /v1.1/extract/evidence`, 20 at once by default).

    .venv/bin/python bench/health_under_load.py [--activities 1000000] [--creators 20] [--probes 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import free_port, wait_healthy

CLI = [sys.executable, "-m", "clickproof.cli"]


def probe(url: str, count: int) -> list[float]:
    times = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(count):
            started = time.perf_counter()
            assert client.get("/health").status_code == 200
            times.append(time.perf_counter() - started)
            time.sleep(0.01)
    return times


def summary(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"| {name} | {len(times)} | {p50:.1f} ms | {p99:.1f} ms | {max(times) * 1000:.1f} ms |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=20)
    parser.add_argument("--probes", type=int, default=400)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    home = args.home or Path(f"bench/out/health-{args.activities}")
    home.mkdir(parents=True, exist_ok=True)
    # The load is 20 creators that never stop: the per-site creation and queue limits
    # (docs/adr/0018) would turn most of them into cheap 429s, so they are lifted here.
    env = {
        **os.environ,
        "CLICKPROOF_HOME": str(home),
        "CLICKPROOF_EXPORTS_QUEUED_PER_SITE": "0",
        "CLICKPROOF_EXPORT_CREATIONS_PER_SITE": "0",
    }
    seeded = subprocess.run(
        [*CLI, "demo", "--activities", str(args.activities), "--if-empty"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    token = seeded.stdout.strip().splitlines()[-1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "serve.log").open("ab")
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(url, server)
        idle = probe(url, args.probes)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            big = api.post("/v1.1/extract/evidence", json={"start_date": _year_ago(), "standard_all": True})
            assert big.status_code == 201, big.text
            big_id = big.json()["id"]
            deadline = time.monotonic() + 300
            while api.get(f"/v1.1/extract/evidence/{big_id}").json()["status"] != "started":
                assert time.monotonic() < deadline, "the big export did not start"
                time.sleep(0.05)
        stop = threading.Event()
        created = [0]

        def create() -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                while not stop.is_set():
                    response = client.post(
                        "/v1.1/extract/evidence", json={"start_date": _year_ago(), "filter": {"id": "none"}}
                    )
                    assert response.status_code == 201, response.text
                    created[0] += 1

        creators = [threading.Thread(target=create, daemon=True) for _ in range(args.creators)]
        for thread in creators:
            thread.start()
        time.sleep(1.0)
        busy_started = time.monotonic()
        busy = probe(url, args.probes)
        busy_seconds = time.monotonic() - busy_started
        stop.set()
        for thread in creators:
            thread.join()
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            status = api.get(f"/v1.1/extract/evidence/{big_id}").json()
        print("| server | probes | p50 | p99 | max |")
        print("|---|---:|---:|---:|---:|")
        print(summary("idle", idle))
        print(summary(f"busy: 1 export of {args.activities:,} rows + {args.creators} creating", busy))
        print(
            f"\n{created[0]} exports created in {busy_seconds:.1f} s of busy probes; the big export was "
            f"{status['status']} at the end (progress: {status['message']})"
        )
        print(
            f"p99 busy/idle: {statistics.quantiles(busy, n=100)[98] / statistics.quantiles(idle, n=100)[98]:.1f}x"
        )
    finally:
        server.terminate()
        server.wait(60)
        log.close()


def _year_ago() -> str:
    from datetime import UTC, datetime, timedelta

    return (datetime.now(UTC) - timedelta(days=364)).isoformat()


if __name__ == "__main__":
    main()
