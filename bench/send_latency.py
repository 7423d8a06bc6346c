"""p50/p99 of `POST /send` at a fixed rate, two or more code trees side by side, alternating.

    .venv/bin/python bench/send_latency.py --variant before=/tmp/before/src --variant after=src \
        [--variant limits-off=src:CLICKPROOF_ACTIVITY_REQUESTS_PER_ACCESS_ID=0] \
        [--rounds 4] [--rate 200] [--duration 10] [--database-url sqlite|postgresql://…]

Each variant is `NAME=SOURCE_DIR[:VAR=VALUE,VAR=VALUE]`: the `src` folder of a checkout (run with
`PYTHONPATH` at it, the same virtual environment) and settings of its server. Every variant gets a
fresh home seeded with its own code (`clickproof demo --activities 1000`, SQLite by default). In
each round every variant in turn: `clickproof serve` starts, 200 warm-up sends, then the open
loop of `bench/ingest.py` (`--rate` sends/s for `--duration` seconds, latency from each request's
scheduled start) → one JSON line; the server stops. The machine's noise moves numbers between
rounds, so the comparison is within a round and over the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_server import free_port, wait_healthy

INGEST = Path(__file__).with_name("ingest.py")


def parse_variant(text: str) -> tuple[str, Path, dict[str, str]]:
    name, _, rest = text.partition("=")
    source, _, settings = rest.partition(":")
    env = dict(pair.split("=", 1) for pair in settings.split(",") if pair)
    return name, Path(source).resolve(), env


def variant_env(home: Path, source: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(source), "CLICKPROOF_HOME": str(home), **extra}
    env.setdefault("CLICKPROOF_DATABASE_URL", f"sqlite:///{home / 'clickproof.db'}")
    return env


def seed(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "clickproof.cli", "demo", "--activities", "1000"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


def one_round(env: dict[str, str], rate: float, duration: float) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(Path(env["CLICKPROOF_HOME"]) / "serve.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "clickproof.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(url, process)
            contracts = "1,2,3,4"
            load = [
                sys.executable,
                str(INGEST),
                "load",
                "--url",
                url,
                "--contracts",
                contracts,
                "--mode",
                "open",
            ]
            subprocess.run([*load, "--rate", "100", "--duration", "2"], check=True, capture_output=True)
            out = subprocess.run(
                [*load, "--rate", str(rate), "--duration", str(duration)],
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            )
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            return result
        finally:
            process.terminate()
            process.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--variant", action="append", required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    variants = [parse_variant(v) for v in args.variant]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in variants}
    with tempfile.TemporaryDirectory(prefix="clickproof-send-latency-") as tmp:
        envs = {}
        for name, source, extra in variants:
            home = Path(tmp) / name
            home.mkdir()
            settings = (
                extra
                if args.database_url is None
                else {"CLICKPROOF_DATABASE_URL": args.database_url, **extra}
            )
            envs[name] = variant_env(home, source, settings)
            seed(envs[name])
        for round_number in range(1, args.rounds + 1):
            order = variants if round_number % 2 else variants[::-1]
            for name, _, _ in order:
                load_average = os.getloadavg()[0]
                result = one_round(envs[name], args.rate, args.duration)
                results[name].append(result)
                line = {"round": round_number, "variant": name, "load": round(load_average, 1), **result}
                print(json.dumps(line), flush=True)
                time.sleep(1)
    for name, runs in results.items():
        summary = {
            "variant": name,
            "median_p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
            "median_p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
            "errors": sum(r["errors"] for r in runs),
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
