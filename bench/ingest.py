"""Ingestion benchmarks: Activity API `send` throughput and latency, and bulk import.

    .venv/bin/python bench/ingest.py [--database sqlite|postgresql|both] [--duration 10] [--import-rows 200000]

For each database: starts `clickproof serve` on loopback (fresh CLICKPROOF_HOME, demo catalogue),
then drives it from a separate load process (httpx, asyncio):

1. sustained send: closed loop, `--clients` concurrent keep-alive connections, each send for every demo contract
   (4 activities per request), for `--duration` seconds → activities/s with the hash chain on;
2. latency: open loop at `--rate` send requests/s for `--duration` seconds → p50/p99/max;
3. bulk import: a JSONL file of `--import-rows` rows through `clickproof import` → activities/s;

then checks every chain with `clickproof verify-chain`. PostgreSQL runs in a scratch database
that is dropped afterwards. Prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench_server import free_port, wait_healthy

CLI = [sys.executable, "-m", "clickproof.cli"]
SID = "demo-site-access-id"
PG_ADMIN = os.environ.get("CLICKPROOF_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def database(kind: str, home: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{home / 'clickproof.db'}"
        return
    import psycopg

    name = f"clickproof_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=False, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"clickproof {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


@contextmanager
def server(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(Path(env["CLICKPROOF_HOME"]) / "serve.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def send_params(contracts: list[int], n: int) -> dict[str, Any]:
    return {
        "sid": SID,
        "sig": f"bench-{n % 5000}@example.com",
        "et": "agreed",
        "cid": contracts,
        "em": "clickthrough",
        "pat": "Sign up",
        "pau": "https://app.example/signup",
        "bua": "bench/1.0",
        "addr": "192.0.2.1",
        "cus": {"plan": "pro", "seats": n % 50},
    }


# ---- the load process ----------------------------------------------------------------------
# A minimal HTTP/1.1 keep-alive client on asyncio streams: httpx costs more CPU per request than
# the server's send path, and both share the machine's cores.


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        payload = json.dumps(body).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await self.reader.readexactly(length)
        return status


def split_url(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


async def closed_loop(url: str, contracts: list[int], clients: int, duration: float) -> dict[str, Any]:
    done = 0
    errors = 0
    latencies: list[float] = []
    stop = time.monotonic() + duration
    host, port = split_url(url)

    async def worker(index: int) -> None:
        nonlocal done, errors
        connection = Connection(host, port)
        n = index
        while time.monotonic() < stop:
            started = time.perf_counter()
            status = await connection.post("/send", send_params(contracts, n))
            latencies.append(time.perf_counter() - started)
            n += clients
            if status == 200:
                done += 1
            else:
                errors += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    ms = sorted(v * 1000 for v in latencies)
    return {
        "requests": done,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(done / elapsed, 1),
        "activities_per_s": round(done * len(contracts) / elapsed, 1),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 2),
    }


async def open_loop(url: str, contracts: list[int], rate: float, duration: float) -> dict[str, Any]:
    """Requests start on a fixed schedule; latency counts from the scheduled start, so a slow
    server cannot hide queueing (no coordinated omission). 64 connections at most."""
    latencies: list[float] = []
    errors = 0
    host, port = split_url(url)
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        idle.put_nowait(Connection(host, port))

    async def one(n: int, scheduled: float) -> None:
        nonlocal errors
        connection = await idle.get()
        try:
            status = await connection.post("/send", send_params(contracts[:1], n))
        finally:
            idle.put_nowait(connection)
        latencies.append(time.perf_counter() - scheduled)
        if status != 200:
            errors += 1

    await asyncio.gather(*(one(n, time.perf_counter()) for n in range(32)))  # open the connections
    latencies.clear()
    tasks = []
    start = time.perf_counter()
    total = int(rate * duration)
    for n in range(total):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ms = sorted(v * 1000 for v in latencies)
    return {
        "rate": rate,
        "requests": len(ms),
        "errors": errors,
        "achieved_rate": round(len(ms) / elapsed, 1),
        "p50_ms": round(statistics.median(ms), 2),
        "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 2),
        "max_ms": round(ms[-1], 2),
    }


def load_main(args: argparse.Namespace) -> None:
    contracts = [int(c) for c in args.contracts.split(",")]
    if args.mode == "closed":
        result = asyncio.run(closed_loop(args.url, contracts, args.clients, args.duration))
    else:
        result = asyncio.run(open_loop(args.url, contracts, args.rate, args.duration))
    print(json.dumps(result))


# ---- orchestration ---------------------------------------------------------------------------


def load(url: str, contracts: list[int], *extra: str) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "load",
            "--url",
            url,
            "--contracts",
            ",".join(map(str, contracts)),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def write_import_file(path: Path, rows: int, contract: int, version: str) -> None:
    with path.open("w") as f:
        for i in range(rows):
            f.write(
                json.dumps(
                    {
                        "id": f"{0xB000000 + i:024x}",
                        "event_type": "agreed",
                        "signer_id": f"imported-{i}@example.com",
                        "contract": contract,
                        "version": version,
                        "created_time": "2026-06-01T12:00:00.000Z",
                        "connection_data": {"remote_address": "198.51.100.7", "user_agent": "import/1.0"},
                        "custom_data": {"plan": "pro", "row": i},
                    }
                )
                + "\n"
            )


@contextmanager
def webhook_receiver(wanted: bool) -> Iterator[str | None]:
    """With --webhook: a loopback receiver answering 200, so every send also queues a delivery
    that the server's workers send while the load runs."""
    if not wanted:
        yield None
        return
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    finally:
        receiver.shutdown()
        receiver.server_close()


def bench_database(kind: str, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix=f"clickproof-bench-{kind}-") as tmp:
        home = Path(tmp)
        with database(kind, home) as url:
            env = {**os.environ, "CLICKPROOF_HOME": str(home), "CLICKPROOF_DATABASE_URL": url}
            env["CLICKPROOF_WEBHOOK_ALLOW_HOSTS"] = "127.0.0.1"
            token = run(env, "demo", "--activities", "1000").strip().splitlines()[-1]
            with server(env) as base, webhook_receiver(args.webhook) as hook_url:
                headers = {"Authorization": f"Bearer {token}"}
                if hook_url is not None:
                    created = httpx.post(
                        f"{base}/v1.1/webhooks",
                        headers=headers,
                        json={"url": hook_url, "events": ["activity.agreed", "activity.displayed"]},
                    )
                    created.raise_for_status()
                listed = httpx.get(f"{base}/v1.1/contracts", headers=headers).json()["data"]
                contracts = [c["id"] for c in listed]
                version = listed[0]["published_version"]
                closed = load(
                    base,
                    contracts,
                    "--mode",
                    "closed",
                    "--clients",
                    str(args.clients),
                    "--duration",
                    str(args.duration),
                )
                print(
                    json.dumps(
                        {
                            "database": kind,
                            "measure": "send_sustained",
                            "clients": args.clients,
                            "activities_per_request": len(contracts),
                            **closed,
                        }
                    ),
                    flush=True,
                )
                latency = load(
                    base,
                    contracts,
                    "--mode",
                    "open",
                    "--rate",
                    str(args.rate),
                    "--duration",
                    str(args.duration),
                )
                print(json.dumps({"database": kind, "measure": "send_latency", **latency}), flush=True)
            data = home / "import.jsonl"
            write_import_file(data, args.import_rows, contracts[0], version)
            started = time.monotonic()
            run(env, "import", str(data), "--access-id", SID)
            elapsed = time.monotonic() - started
            print(
                json.dumps(
                    {
                        "database": kind,
                        "measure": "bulk_import",
                        "rows": args.import_rows,
                        "seconds": round(elapsed, 2),
                        "activities_per_s": round(args.import_rows / elapsed, 1),
                    }
                ),
                flush=True,
            )
            floor = subprocess.run(
                [sys.executable, str(Path(__file__).with_name("import_floor.py")), str(args.import_rows)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            print(floor.stdout.strip().splitlines()[-1], flush=True)
            started = time.monotonic()
            verified = run(env, "verify-chain")
            print(
                json.dumps(
                    {
                        "database": kind,
                        "measure": "verify_chain",
                        "seconds": round(time.monotonic() - started, 2),
                        "result": verified.strip(),
                    }
                ),
                flush=True,
            )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        parser = argparse.ArgumentParser()
        parser.add_argument("load")
        parser.add_argument("--url", required=True)
        parser.add_argument("--contracts", required=True)
        parser.add_argument("--mode", choices=["closed", "open"], required=True)
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--rate", type=float, default=200)
        parser.add_argument("--duration", type=float, default=10)
        load_main(parser.parse_args())
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--import-rows", type=int, default=200_000)
    parser.add_argument(
        "--webhook", action="store_true", help="Subscribe a loopback receiver to the sends' activity events."
    )
    args = parser.parse_args()
    for kind in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        bench_database(kind, args)


if __name__ == "__main__":
    main()
