"""Benchmark: CSV export of N activities on PostgreSQL, end to end, against psql's COPY.

Target (issue: scale-out): POST /v1.1/extract/evidence → file ready at >= 0.8x the rows/s of
`psql -c "COPY (SELECT <same columns>) TO STDOUT WITH CSV" > file`, both measured in one run,
alternating per round so machine noise hits both.

Run from the project root: `.venv/bin/python bench/export_csv_postgres.py [--activities N]`.
PostgreSQL must run on 127.0.0.1:5432 (trust auth). The data (demo activities) is created once
in the database `clickproof_bench_csv` and reused.
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import psycopg

from bench_server import follow_job, free_port, wait_healthy
from clickproof.query.sql import STANDARD_COLUMNS

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RATIO_TARGET = 0.8


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def ensure_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def clickproof(*args: str, env: dict[str, str]) -> str:
    binary = str(Path(sys.executable).with_name("clickproof"))
    result = subprocess.run([binary, *args], env=env, capture_output=True, text=True, check=True)
    return result.stdout


def export_once(client: httpx.Client, server: psutil.Process) -> tuple[float, int, int, int]:
    """Seconds from POST to success, rows, bytes, peak RSS of the server (which runs COPY)."""
    body = {
        "start_date": (datetime.now(UTC) - timedelta(days=364)).isoformat(),
        "standard_all": True,
        "connection_all": True,
        "custom_all": True,
    }
    peak = 0
    started = time.perf_counter()
    job = client.post("/v1.1/extract/evidence", json=body).json()

    def sample() -> None:
        nonlocal peak
        peak = max(peak, server.memory_info().rss)

    job = follow_job(client, job, 0.02, sample)
    elapsed = time.perf_counter() - started
    return elapsed, job["data"]["row_count"], job["data"]["files"][0]["size"], peak


def baseline_sql(db: str, columns: list[dict[str, str]]) -> str:
    with psycopg.connect(database_url(db)) as conn:
        site = conn.execute("SELECT id FROM sites ORDER BY id LIMIT 1").fetchone()
    assert site is not None
    parts = []
    for column in columns:
        family, name = column["family"], column["name"]
        if family == "standard":
            parts.append(f"a.{STANDARD_COLUMNS[name].name}")
        else:
            quoted = name.replace("'", "''")
            parts.append(f"a.{family}_data->>'{quoted}'")
    start = (datetime.now(UTC) - timedelta(days=364)).isoformat()
    end = datetime.now(UTC).isoformat()
    return (
        f"COPY (SELECT {', '.join(parts)} FROM activities a WHERE a.site_id = {site[0]} "
        f"AND a.created_time >= '{start}' AND a.created_time < '{end}' "
        f"ORDER BY a.created_time DESC, a.id DESC) TO STDOUT WITH CSV"
    )


def psql_once(db: str, sql: str, target: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with open(target, "wb") as out:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql], stdout=out, check=True
        )
    elapsed = time.perf_counter() - started
    # CSV records, not lines: demo notes hold line breaks inside quoted cells.
    with open(target, newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    return elapsed, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="clickproof_bench_csv")
    parser.add_argument("--workers", type=int, default=2, help="CLICKPROOF_WORKERS of the server")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    home = OUT / f"pg-home-{args.activities}"
    ensure_database(args.database)
    env = {**os.environ, "CLICKPROOF_HOME": str(home), "CLICKPROOF_DATABASE_URL": database_url(args.database)}
    token = clickproof("demo", "--activities", str(args.activities), "--seed", "1", "--if-empty", env=env)
    token = token.strip().splitlines()[-1]
    # A table at steady state: autovacuum has set the visibility map and the statistics.
    with psycopg.connect(database_url(args.database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE activities")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(OUT / "pg-server.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("clickproof")), "serve", "--port", str(port)],
        env={**env, "CLICKPROOF_WORKERS": str(args.workers)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    results: list[tuple[float, int, int, int, float, int]] = []
    try:
        wait_healthy(url, process)
        client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        server = psutil.Process(process.pid)
        columns: list[dict[str, Any]] | None = None
        for number in range(1, args.rounds + 1):
            seconds, rows, size, peak = export_once(client, server)
            if columns is None:
                job = client.get("/v1.1/extract/evidence", params={"per_page": 1}).json()["data"][0]
                columns = job["data"]["columns"]
            base_seconds, base_rows = psql_once(
                args.database, baseline_sql(args.database, columns), OUT / "psql.csv"
            )
            results.append((seconds, rows, size, peak, base_seconds, base_rows))
            print(
                f"round {number}: clickproof {seconds:.2f} s ({rows / seconds:,.0f} rows/s, {size / 1e6:.0f} MB, "
                f"server peak RSS {peak / 1e6:.0f} MB) | psql COPY {base_seconds:.2f} s "
                f"({base_rows / base_seconds:,.0f} rows/s) | ratio {(rows / seconds) / (base_rows / base_seconds):.2f}",
                flush=True,
            )
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    ours = statistics.median(r[1] / r[0] for r in results)
    theirs = statistics.median(r[5] / r[4] for r in results)
    ratio = ours / theirs
    peak = max(r[3] for r in results)
    print()
    print("| PostgreSQL, 1 M activities | median s | rows/s | peak RSS |")
    print("|---|---:|---:|---:|")
    print(
        f"| clickproof POST → file ready | {statistics.median(r[0] for r in results):.2f} | {ours:,.0f} | "
        f"{peak / 1e6:.0f} MB (server) |"
    )
    print(
        f"| psql COPY (same columns) > file | {statistics.median(r[4] for r in results):.2f} | {theirs:,.0f} | – |"
    )
    print(f"| ratio | | **{ratio:.2f}×** (target ≥ {RATIO_TARGET}×) | |")
    return 0 if ratio >= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
