"""An export killed at every phase boundary ends with the bytes of an uninterrupted run.

One chunked export (CSV in chunks, evidence PDFs in chunks, the manifest) is run by a chain of
processes: each one is started with failpoints at every boundary still ahead, stops at the first
it meets (SIGKILL, or a graceful SIGTERM arriving there), and the next process takes the job over
from what the last one left behind. At the end the same job is reset and run once more without interruption; the
files must be equal byte for byte, the manifest apart from `generated_time` and the signature
over it (the time the manifest was written: an honest record of the run that wrote it).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.databases import selected_databases
from tests.e2e.export_reruns import assert_same_files, job_row, published_files, reset_job, temporary_files
from tests.e2e.test_distributed import Worker, broker_url, cluster_env, server_for  # noqa: F401 - fixtures
from tests.e2e.test_processes import CLI, START, api, free_port, run_cli, wait_status

pytestmark = pytest.mark.e2e

ROWS = 60
SMALL_CHUNKS = {
    "CLICKPROOF_CHUNK_ROWS": "20",
    "CLICKPROOF_PDF_CHUNK_ROWS": "20",
    "CLICKPROOF_JOB_LEASE_SECONDS": "4",
    "CLICKPROOF_SWEEP_INTERVAL_SECONDS": "0.2",
    "CLICKPROOF_DISPATCH_GRACE_SECONDS": "1",
    "CLICKPROOF_WORKERS": "1",  # one thread: the chunks of a process run one after another
    "CLICKPROOF_MAX_ATTEMPTS": "30",  # every SIGKILLed process of the chain spends one
}
BODY = {
    "start_date": START,
    "connection_all": True,
    "custom_all": True,
    "export_types": ["clickwrap_activities", "clickwrap_activities_as_pdfs"],
}
# Every boundary, in the order one job passes them; the chunk boundaries come once per chunk
# (each process stops at the first chunk it finishes, a different chunk in every process).
BOUNDARIES = [
    "export.claimed",
    "export.chunks_planned",  # the CSV's chunk plan is recorded
    "export.chunk_done",  # one CSV chunk done
    "export.part_appended",  # the join has begun
    "export.chunk_done",  # another chunk
    "export.joined",  # the joined file is published, its parts are still there
    "export.parts_deleted",  # the parts are gone: the next attempt must recognise the file
    "export.csv_done",
    "export.chunks_planned",  # the PDFs' chunk plan (the CSV's is kept)
    "export.pdf_chunk_done",
    "export.pdf_chunk_done",
    "export.pdfs_done",
    "export.manifest_written",
    "export.before_commit",
    "export.committed",
]
ACTIONS = {"sigkill": "kill", "sigterm": "term"}


def _assert_same_export(interrupted: dict[str, bytes], uninterrupted: dict[str, bytes]) -> None:
    assert_same_files(interrupted, uninterrupted)
    assert len([n for n in interrupted if n.endswith(".zip")]) == 3  # one zip per PDF chunk


def _wait_exit(
    process: subprocess.Popen[bytes], boundary: str, log: Path, finished: Callable[[], bool]
) -> int | None:
    """The exit status of `process`, or None when the job finished while it still runs."""
    deadline = time.monotonic() + 90
    while (code := process.poll()) is None:
        if finished():
            return None
        assert time.monotonic() < deadline, f"never stopped at {boundary}: {log.read_text()[-3000:]}"
        time.sleep(0.05)
    return code


Start = Callable[[str], tuple["subprocess.Popen[bytes]", Path]]
FIRED = re.compile(r"failpoint\.fired name=(export\.\S+)")


def _armed(action: str, remaining: Counter[str]) -> str:
    """The failpoints of the next process: every boundary not yet stopped at as often as it comes
    in BOUNDARIES, so it stops at the first it meets. Which one that is depends on what the
    processes before left behind: a chunk message queued by an earlier attempt may finish chunks
    before the new attempt's join begins, and a graceful stop goes on to the attempt's next check,
    possibly past more boundaries."""
    names = dict.fromkeys(name for name in BOUNDARIES if remaining[name] > 0)
    return ",".join(f"{name}={action}@1" for name in names)


def _expected(remaining: Counter[str]) -> Counter[str]:
    """What remains after the process stops where one would guess: the first boundary left."""
    guess = Counter(remaining)
    guess[next(b for b in BOUNDARIES if remaining[b] > 0)] -= 1
    return guess


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def _crash_chain(
    action: str, start: Start, created: Callable[[], None], gates: Path, finished: Callable[[], bool]
) -> list[str]:
    """Processes that each stop at the next boundary until every boundary has been passed, then
    one that runs the job to its end (left running); returns the boundaries they stopped at.

    Each process is started while the one before it still runs and waits at `jobs.starting`
    until that one is gone, so the chain does not pay for every interpreter start in turn.
    `created()` is called once the first process runs.
    """
    gates.mkdir()
    fired: list[str] = []
    remaining = Counter(BOUNDARIES)
    process, log = start(_armed(action, remaining))
    created()
    while True:
        gate = gates / str(len(fired))
        guess = _expected(remaining) if remaining.total() else remaining
        ahead = [_armed(action, guess)] if guess.total() else []
        following, following_log = start(",".join([f"jobs.starting=wait:{gate}", *ahead]))
        if not remaining.total():
            _stop(process)  # it passed every boundary: the job is done
            gate.touch()
            return fired
        code = _wait_exit(process, "any boundary left", log, finished if action == "term" else lambda: False)
        names = FIRED.findall(log.read_text())
        if code is None:  # a graceful stop went past every boundary left and finished the job
            fired.extend(names[:1])
            _stop(process)
            _stop(following)  # armed for boundaries the job no longer passes: one without any
            start(f"jobs.starting=wait:{gate}")
            gate.touch()
            return fired
        assert names, f"stopped without a failpoint: {log.read_text()[-3000:]}"
        if action == "kill":
            assert code == -signal.SIGKILL, (names, code)
        fired.append(names[0])
        remaining[names[0]] -= 1
        if remaining != guess:  # the one started ahead is armed for another state
            _stop(following)
            rearmed = [_armed(action, remaining)] if remaining.total() else []
            following, following_log = start(",".join([f"jobs.starting=wait:{gate}", *rearmed]))
        gate.touch()
        process, log = following, following_log


def _seeded(home: Path, database_url: str) -> str:
    """The demo site with ROWS activities; its API token."""
    demo = run_cli(home, database_url, "demo", "--activities", str(ROWS), "--seed", "11")
    assert demo.returncode == 0, demo.stderr
    return demo.stdout.strip().splitlines()[-1]


def _chained_export(sig: str, start: Start, create: Callable[[], str], home: Path, database_url: str) -> str:
    """The crash chain over the job `create()` makes (its id), every boundary checked as covered."""
    job_ids: list[str] = []
    fired = _crash_chain(
        ACTIONS[sig],
        start,
        lambda: job_ids.append(create()),
        home.parent / "gates",
        lambda: job_row(database_url, job_ids[0]).status == "success",
    )
    _assert_covered(sig, fired)
    return job_ids[0]


def _assert_covered(sig: str, fired: list[str]) -> None:
    """SIGKILL stopped at every kind of boundary; a graceful stop at most (one that arrives at
    the join goes on through the deletion of the parts before its next check)."""
    if sig == "sigkill":
        assert Counter(fired) == Counter(BOUNDARIES), ", ".join(fired)
    else:
        assert len(set(fired)) >= 8, ", ".join(fired)


@pytest.fixture
def sqlite_home(tmp_path: Path) -> Path:
    if "sqlite" not in selected_databases():
        pytest.skip("SQLite not selected")
    home = tmp_path / "home"
    home.mkdir()
    return home


class _Serve:
    """`clickproof serve` that may die before it ever answers (its failpoint comes first)."""

    def __init__(self, home: Path, database_url: str, failpoints: str | None) -> None:
        self.port = free_port()
        self.log_path = home / f"serve-{self.port}-{time.monotonic_ns()}.log"  # ports come round again
        env = {
            **os.environ,
            **SMALL_CHUNKS,
            "CLICKPROOF_HOME": str(home),
            "CLICKPROOF_DATABASE_URL": database_url,
            "CLICKPROOF_FAILPOINTS": failpoints or "",
        }
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port)], env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def client(self, token: str) -> httpx.Client:
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert self.process.poll() is None and time.monotonic() < deadline, self.log_path.read_text()
            time.sleep(0.05)
        return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.mark.parametrize("sig", ["sigkill", "sigterm"])
def test_sqlite_export_killed_at_every_boundary_equals_an_uninterrupted_run(
    sqlite_home: Path, sig: str
) -> None:
    home = sqlite_home
    database_url = f"sqlite:///{home / 'clickproof.db'}"
    token = _seeded(home, database_url)
    servers: list[_Serve] = []

    def start(failpoints: str | None) -> tuple[subprocess.Popen[bytes], Path]:
        servers.append(_Serve(home, database_url, failpoints))
        return servers[-1].process, servers[-1].log_path

    def create() -> str:
        client = servers[0].client(token)
        return str(client.post("/v1.1/extract/evidence", json=BODY).json()["id"])

    try:
        job_id = _chained_export(sig, start, create, home, database_url)
        client = servers[-1].client(token)
        done = wait_status(client, job_id, {"success", "failed"}, timeout=90)
        assert done["status"] == "success", done["message"]
        assert done["data"]["row_count"] == ROWS
        interrupted = published_files(database_url, home / "exports", job_id)
        servers[-1].kill()
        reset_job(database_url, home / "exports", job_id)
        start(None)
        again = wait_status(servers[-1].client(token), job_id, {"success", "failed"}, timeout=90)
        assert again["status"] == "success", again["message"]
        _assert_same_export(interrupted, published_files(database_url, home / "exports", job_id))
    finally:
        for server in servers:
            server.kill()
    assert temporary_files(home / "exports") == []


@pytest.fixture
def postgres_cluster(cluster_env: dict[str, str]) -> Iterator[dict[str, str]]:  # noqa: F811
    if "postgresql" not in selected_databases():
        pytest.skip("PostgreSQL not selected")
    yield {**cluster_env, **SMALL_CHUNKS}


@pytest.mark.parametrize("sig", ["sigkill", "sigterm"])
def test_postgres_workers_killed_at_every_boundary_equal_an_uninterrupted_run(
    postgres_cluster: dict[str, str], sig: str
) -> None:
    env = postgres_cluster
    home = Path(env["CLICKPROOF_HOME"])
    database_url = env["CLICKPROOF_DATABASE_URL"]
    token = _seeded(home, database_url)
    server = server_for(env)
    workers: list[Worker] = []

    def start(failpoints: str | None) -> tuple[subprocess.Popen[bytes], Path]:
        extra_env = {"CLICKPROOF_FAILPOINTS": failpoints} if failpoints else {}
        worker = Worker(home, env, str(len(workers)), **extra_env)
        workers.append(worker)
        return worker.process, worker.log_path

    try:
        client = api(server, token)

        def create() -> str:
            return str(client.post("/v1.1/extract/evidence", json=BODY).json()["id"])

        job_id = _chained_export(sig, start, create, home, database_url)
        done = wait_status(client, job_id, {"success", "failed"}, timeout=90)
        assert done["status"] == "success", done["message"]
        assert done["data"]["row_count"] == ROWS
        interrupted = published_files(database_url, home / "exports", job_id)
        reset_job(database_url, home / "exports", job_id)
        again = wait_status(client, job_id, {"success", "failed"}, timeout=90)
        assert again["status"] == "success", again["message"]
        _assert_same_export(interrupted, published_files(database_url, home / "exports", job_id))
    finally:
        for worker in workers:
            worker.stop(signal.SIGKILL)
        server.stop()
    assert temporary_files(home / "exports") == []
