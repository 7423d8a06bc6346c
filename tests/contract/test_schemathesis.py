"""Schemathesis against a real `clickproof serve` (REST and Activity API): every default check, a
fixed seed, 100 examples per operation (tests/contract/schemathesis.toml), zero failures.

The examples and fuzzing phases run here; bench/schemathesis_long.py adds the coverage and
stateful phases and more examples."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_processes import Server, run_cli

pytestmark = pytest.mark.e2e
CONFIG = Path(__file__).with_name("schemathesis.toml")


def run_schemathesis(
    server: Server, token: str, *args: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{server.url}/openapi.json",
        "--no-color",
        *args,
    ]
    env = {**os.environ, "CLICKPROOF_SCHEMATHESIS_TOKEN": token}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.timeout(900)
def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    """On SQLite, to keep `make test` short; bench/schemathesis_long.py runs on either database."""
    home = tmp_path / "home"
    home.mkdir()
    database_url = f"sqlite:///{home / 'clickproof.db'}"
    demo = run_cli(home, database_url, "demo", "--activities", "300", "--seed", "3")
    assert demo.returncode == 0, demo.stderr
    token = demo.stdout.strip().splitlines()[-1]
    server = Server(home, database_url, CLICKPROOF_WORKERS="1", CLICKPROOF_PDF_PROCESSES="0")
    try:
        started = time.monotonic()
        # One worker thread: CPython 3.11 before 3.11.8 keeps the AST constructor's recursion
        # count per interpreter, so two threads building ASTs at once (hypothesis does, for
        # its lambdas) can end in `SystemError: AST constructor recursion depth mismatch`
        # (python/cpython#106905), a fault of the generator and not an answer of the service.
        result = run_schemathesis(
            server, token, "--phases", "examples,fuzzing", "--workers", "1", timeout=840
        )
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    summary = "\n".join(result.stdout.splitlines()[-12:])
    print(f"schemathesis: {elapsed:.0f} s\n{summary}")
    assert result.returncode == 0, result.stdout[-20000:]
    assert " passed" in result.stdout and "Tested: " in result.stdout
