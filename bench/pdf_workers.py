"""Benchmark: a 10,000-PDF export with 2 workers against 1 worker, end to end through the API.

Target (issue 4): with 2 workers on this 2-core machine, a 10,000-PDF export finishes >= 1.6x
faster than with 1 worker.

`clickproof demo` seeds N activities once in bench/out/pdf-workers-home; then, per round and for
1 and 2 workers in turn, `clickproof serve` runs with CLICKPROOF_WORKERS=N, one PDF-only export is
POSTed, and the time from the POST to `success` is measured (polling every 0.5 s). The export is
cut into chunks of CLICKPROOF_PDF_CHUNK_ROWS (default 1,000) activities that the workers render.

Run from the project root: `.venv/bin/python bench/pdf_workers.py [--activities 10000] [--rounds 1]`.
Exit status: 0 when the target is met, 1 when it is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil

from bench_server import follow_job, free_port, wait_healthy

BENCH_DIR = Path(__file__).resolve().parent
SPEEDUP_TARGET = 1.6
CLICKPROOF = str(Path(sys.executable).with_name("clickproof"))


def seed(home: Path, activities: int) -> str:
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [CLICKPROOF, "demo", "--activities", str(activities), "--seed", "1", "--if-empty"],
        env={**os.environ, "CLICKPROOF_HOME": str(home)},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().splitlines()[-1]


def export_once(home: Path, token: str, workers: int) -> tuple[float, int, int, int]:
    """Seconds from POST to success, PDFs, peak RSS of the server process and of its largest
    child (the render processes of a server with several workers)."""
    port = free_port()
    env = {**os.environ, "CLICKPROOF_HOME": str(home), "CLICKPROOF_WORKERS": str(workers)}
    with open(BENCH_DIR / "out" / f"pdf-workers-{workers}.log", "ab") as log:
        server = subprocess.Popen(
            [CLICKPROOF, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            start = (datetime.now(UTC) - timedelta(days=100)).isoformat()
            process = psutil.Process(server.pid)
            peak = 0
            child_peak = 0
            began = time.perf_counter()
            job = client.post(
                "/v1.1/extract/evidence",
                json={"start_date": start, "export_types": ["clickwrap_activities_as_pdfs"]},
            ).json()

            def sample() -> None:
                nonlocal peak, child_peak
                peak = max(peak, process.memory_info().rss)
                for child in process.children(recursive=True):
                    with contextlib.suppress(psutil.NoSuchProcess):
                        child_peak = max(child_peak, child.memory_info().rss)

            job = follow_job(client, job, 0.5, sample)
            seconds = time.perf_counter() - began
            pdfs = sum(f["rows"] for f in job["data"]["files"] if f["name"].endswith(".zip"))
            return seconds, pdfs, peak, child_peak
        finally:
            server.terminate()
            server.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--home", type=Path, default=BENCH_DIR / "out" / "pdf-workers-home")
    args = parser.parse_args()
    token = seed(args.home, args.activities)
    times: dict[int, list[float]] = {1: [], 2: []}
    for number in range(1, args.rounds + 1):
        for workers in (1, 2):
            seconds, pdfs, peak, child_peak = export_once(args.home, token, workers)
            times[workers].append(seconds)
            print(
                f"round {number}, {workers} worker(s): {pdfs} PDFs in {seconds:.1f} s "
                f"({pdfs / seconds:.1f}/s), server peak RSS {peak / 1e6:.0f} MB, "
                f"largest child {child_peak / 1e6:.0f} MB",
                flush=True,
            )
    one, two = statistics.median(times[1]), statistics.median(times[2])
    speedup = one / two
    print(
        f"median: 1 worker {one:.1f} s, 2 workers {two:.1f} s -> {speedup:.2f}x (target >= {SPEEDUP_TARGET}x)"
    )
    return 0 if speedup >= SPEEDUP_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
