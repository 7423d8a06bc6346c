"""The long schemathesis run: every phase (examples, coverage, fuzzing, stateful), every default
check, more examples per operation than `make test`'s run (tests/contract/test_schemathesis.py),
against a real `clickproof serve` on SQLite or PostgreSQL.

    .venv/bin/python bench/schemathesis_long.py [--examples 1000] [--seed 20261202]
        [--database-url postgresql://postgres@127.0.0.1:5432/clickproof_st]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "clickproof.cli"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261202)
    # more than one thread can trip python/cpython#106905 before 3.11.8 (tests/contract)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="clickproof-st-"))
    env = {
        **os.environ,
        "CLICKPROOF_HOME": str(home),
        "CLICKPROOF_WORKERS": "1",
        "CLICKPROOF_PDF_PROCESSES": "0",
    }
    if args.database_url:
        env["CLICKPROOF_DATABASE_URL"] = args.database_url
    demo = subprocess.run(
        [*CLI, "demo", "--activities", "300", "--seed", "3"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    token = demo.stdout.strip().splitlines()[-1]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (home / "serve.log").open("ab") as log:
        server = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_healthy(url, server)
            started = time.monotonic()
            result = subprocess.run(
                [
                    str(Path(sys.executable).with_name("schemathesis")),
                    "--config-file",
                    str(ROOT / "tests" / "contract" / "schemathesis.toml"),
                    "run",
                    f"{url}/openapi.json",
                    "--no-color",
                    "--seed",
                    str(args.seed),
                    "--max-examples",
                    str(args.examples),
                    "--workers",
                    str(args.workers),
                ],
                env={**env, "CLICKPROOF_SCHEMATHESIS_TOKEN": token},
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(60)
    print(result.stdout[-30000:])
    print(
        f"schemathesis, every phase, {args.examples} examples per operation: {elapsed:.0f} s, exit {result.returncode}"
    )
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
