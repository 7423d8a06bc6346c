"""Benchmark: CSV export of N activities on SQLite, end to end, against the sqlite3 CLI.

Target: POST /v1.1/extract/evidence → file ready at >= 0.8x the rows/s of `sqlite3 .mode csv`
writing the same columns of the same rows, and peak RSS of the exporting process < 300 MB.

Per round the two measurements alternate (export, baseline) so that machine noise hits both.
Run from the project root: `.venv/bin/python bench/export_csv.py` (or `make bench`).
Exit status: 0 when both targets are met, 1 when one is missed, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil

from clickproof.domain.fields import CONNECTION_ALL_KEYS, STANDARD_NAMES
from clickproof.query.sql import STANDARD_COLUMNS

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
SQLITE3 = "/usr/bin/sqlite3"
TIME = "/usr/bin/time"
POLL_SECONDS = 0.02
SAMPLE_SECONDS = 0.02
JOB_TIMEOUT_SECONDS = 3600.0
RATIO_TARGET = 0.8
RSS_TARGET_BYTES = 300 * 1000 * 1000
MB = 1000 * 1000
CHILD_MARKER = "sqlite_csv_child"


class BenchError(RuntimeError):
    """The benchmark could not run (setup, server or export failure)."""


# ---------------------------------------------------------------- data and token


def clickproof_bin() -> str:
    local = Path(sys.executable).with_name("clickproof")
    if local.exists():
        return str(local)
    found = shutil.which("clickproof")
    if found is None:
        raise BenchError("the clickproof command is not installed next to this Python nor on PATH")
    return found


def home_env(home: Path) -> dict[str, str]:
    return {**os.environ, "CLICKPROOF_HOME": str(home)}


def run_demo(home: Path, activities: int) -> str:
    """Run `clickproof demo`; return the token it prints last."""
    command = [clickproof_bin(), "demo", "--activities", str(activities), "--seed", "1"]
    done = subprocess.run(command, env=home_env(home), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"clickproof demo failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    lines = done.stdout.strip().splitlines()
    if len(lines) < 2:
        raise BenchError(f"unexpected output of clickproof demo: {done.stdout!r}")
    print(f"  {lines[-2]}")
    return lines[-1].strip()


def prepare_data(home: Path, activities: int) -> str:
    """Create the demo data when the home has no database yet; return a fresh API token."""
    home.mkdir(parents=True, exist_ok=True)
    if (home / "clickproof.db").exists():
        print(f"reusing the database in {home} (fresh token)")
        return run_demo(home, 0)
    print(f"creating {activities:,} demo activities in {home} ...")
    started = time.perf_counter()
    token = run_demo(home, activities)
    print(f"  done in {time.perf_counter() - started:.0f} s")
    return token


def abandon_leftover_jobs(database: Path) -> None:
    """Fail the unfinished jobs of an interrupted earlier run, or the server would resume them
    alongside the measured export."""
    try:
        with sqlite3.connect(database) as conn:
            changed = conn.execute(
                "UPDATE export_jobs SET status = 'failed', active = 0,"
                " message = 'Abandoned by an interrupted benchmark run.'"
                " WHERE status IN ('pending', 'scheduled', 'started')"
            ).rowcount
    except sqlite3.Error as exc:
        print(f"warning: could not check for unfinished jobs of an earlier run: {exc}")
        return
    if changed:
        print(f"marked {changed} unfinished job(s) of an interrupted earlier run as failed")


def warm_page_cache(path: Path) -> None:
    """Read the database once so that neither side of round 1 pays for a cold cache."""
    for name in (path.name, f"{path.name}-wal"):
        target = path.with_name(name)
        if target.exists():
            with open(target, "rb") as handle:
                while handle.read(8 * 1024 * 1024):
                    pass


# ---------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path


def start_server(home: Path, log_path: Path) -> Server:
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [clickproof_bin(), "serve", "--port", str(port)],
            env=home_env(home),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    wait_for_health(server, timeout=60.0)
    return server


def wait_for_health(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"the server exited with {server.process.returncode}; see {server.log_path}")
        try:
            if httpx.get(f"{server.base_url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise BenchError(f"the server did not answer /health within {timeout:.0f} s; see {server.log_path}")


def stop_server(server: Server) -> None:
    if server.process.poll() is not None:
        return
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


# ---------------------------------------------------------------- memory sampling


def vm_hwm_bytes(pid: int) -> int:
    """The kernel's peak-RSS high-water mark of a live process (Linux), or 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def is_export_child(process: psutil.Process) -> bool:
    try:
        return any(CHILD_MARKER in part for part in process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def rss_bytes(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return 0


@dataclass
class PeakSampler:
    """Samples RSS of the server and of each of its export children every SAMPLE_SECONDS.

    `child_peak` is the highest peak of one export child; `children_peak` the highest sum of the
    RSS of the export children alive at one sample (they differ when chunks run in parallel).
    """

    server_pid: int
    server_peak: int = 0
    child_peak: int = 0
    children_peak: int = 0
    most_at_once: int = 0
    child_pids: set[int] = field(default_factory=set)
    child_first_seen: float | None = None  # perf_counter() of the first sample that saw the child
    child_last_seen: float | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        server = psutil.Process(self.server_pid)
        while not self._stop.is_set():
            self.sample(server)
            self._stop.wait(SAMPLE_SECONDS)

    def sample(self, server: psutil.Process) -> None:
        self.server_peak = max(self.server_peak, rss_bytes(server))
        try:
            children = server.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return
        alive = [c for c in children if c.pid in self.child_pids or is_export_child(c)]
        if not alive:
            return
        self.child_last_seen = time.perf_counter()
        self.child_first_seen = self.child_first_seen or self.child_last_seen
        self.most_at_once = max(self.most_at_once, len(alive))
        total = 0
        for child in alive:
            self.child_pids.add(child.pid)
            rss = rss_bytes(child)
            total += rss
            self.child_peak = max(self.child_peak, rss, vm_hwm_bytes(child.pid))
        self.children_peak = max(self.children_peak, total)


@contextmanager
def sampling(server_pid: int) -> Iterator[PeakSampler]:
    sampler = PeakSampler(server_pid)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()


# ---------------------------------------------------------------- one export through the API


@dataclass(frozen=True)
class Phases:
    """Where the end-to-end seconds went, as seen from outside (±20 ms sampling)."""

    counted: float  # POST → the job reports its total (claim + COUNT query done)
    child_start: float  # POST → the export child process first seen
    child_run: float  # child first seen → child last seen
    after_child: float  # child last seen → status success seen (fsync, publish, commit, poll)

    def describe(self) -> str:
        return (
            f"phases: total known at {self.counted:.2f} s, child started at {self.child_start:.2f} s, "
            f"child ran {self.child_run:.2f} s, then {self.after_child:.2f} s to success"
        )


@dataclass(frozen=True)
class ExportResult:
    seconds: float
    rows: int
    size: int
    path: Path
    child_peak: int
    children_peak: int
    children: int
    most_at_once: int
    server_peak: int
    job: dict[str, Any]
    phases: Phases


def export_body() -> dict[str, Any]:
    start = datetime.now(UTC) - timedelta(days=364)
    return {
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "standard_all": True,
        "connection_all": True,
        "custom_all": True,
    }


def wait_for_job(client: httpx.Client, job_id: str) -> tuple[dict[str, Any], float]:
    """Poll until success; return the job and the perf_counter() when its total was first seen."""
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    counted: float | None = None
    while time.monotonic() < deadline:
        response = client.get(f"/v1.1/extract/evidence/{job_id}")
        response.raise_for_status()
        job: dict[str, Any] = response.json()
        if counted is None and job["data"].get("progress", {}).get("total") is not None:
            counted = time.perf_counter()
        if job["status"] == "success":
            return job, counted or time.perf_counter()
        if job["status"] in ("failed", "error", "cancelled"):
            raise BenchError(f"export job {job_id} ended as {job['status']}: {job['message']}")
        time.sleep(POLL_SECONDS)
    raise BenchError(f"export job {job_id} did not finish within {JOB_TIMEOUT_SECONDS:.0f} s")


def run_export(client: httpx.Client, server: Server, home: Path) -> ExportResult:
    body = export_body()
    with sampling(server.process.pid) as sampler:
        started = time.perf_counter()
        response = client.post("/v1.1/extract/evidence", json=body)
        if response.status_code != 201:
            raise BenchError(f"POST /v1.1/extract/evidence → {response.status_code}: {response.text[:300]}")
        job, counted = wait_for_job(client, response.json()["id"])
        finished = time.perf_counter()
    if not sampler.child_pids:
        print("  warning: no export child process was seen (is the database SQLite?)")
    data = job["data"]
    file = data["files"][0]
    path = home / "exports" / job["id"] / file["name"]
    first = sampler.child_first_seen or finished
    last = sampler.child_last_seen or finished
    phases = Phases(counted - started, first - started, last - first, finished - last)
    return ExportResult(
        seconds=finished - started,
        rows=int(data["row_count"]),
        size=int(file["size"]),
        path=path,
        child_peak=sampler.child_peak,
        children_peak=sampler.children_peak,
        children=len(sampler.child_pids),
        most_at_once=sampler.most_at_once,
        server_peak=sampler.server_peak,
        job=job,
        phases=phases,
    )


# ---------------------------------------------------------------- the sqlite3 baseline


def custom_keys(database: Path, site_id: int) -> list[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT key FROM field_keys WHERE site_id = ? AND family = 'custom' ORDER BY key", (site_id,)
        ).fetchall()
    return [str(row[0]) for row in rows]


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_name(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def json_column(column: str, key: str) -> str:
    path = '$."' + key + '"'
    return f"json_extract({column}, {sql_text(path)}) AS {sql_name(f'{column}.{key}')}"


def standard_column(name: str) -> str:
    column = STANDARD_COLUMNS[name].name
    if name == "test_mode":
        return f"CASE WHEN {column} THEN 'TRUE' ELSE 'FALSE' END AS {sql_name(name)}"
    return f"{column} AS {sql_name(name)}"


def baseline_sql(job: dict[str, Any], keys: list[str]) -> str:
    """The same columns (with the same headers), rows and order as the export job, in plain SQL."""
    columns = [standard_column(name) for name in STANDARD_NAMES]
    columns += [json_column("connection_data", key) for key in CONNECTION_ALL_KEYS]
    columns += [json_column("custom_data", key) for key in keys]
    data = job["data"]
    return (
        f"SELECT {', '.join(columns)} FROM activities"
        f" WHERE account_id = {int(job['account'])} AND site_id = {int(job['site'])}"
        f" AND created_time >= {sql_text(data['start_date'])} AND created_time < {sql_text(data['end_date'])}"
        " ORDER BY created_time DESC, id DESC;"
    )


def check_same_columns(job: dict[str, Any], keys: list[str]) -> None:
    exported = [(c["family"], c["name"]) for c in job["data"]["columns"]]
    expected = [("standard", n) for n in STANDARD_NAMES]
    expected += [("connection", k) for k in CONNECTION_ALL_KEYS] + [("custom", k) for k in keys]
    if exported != expected:
        raise BenchError(f"the export job's columns differ from the baseline's: {exported} != {expected}")


@dataclass(frozen=True)
class BaselineResult:
    seconds: float
    rows: int
    size: int
    path: Path
    peak: int


def run_sqlite3(database: Path, sql: str, output: Path) -> tuple[float, int]:
    """Run the sqlite3 CLI; return (wall seconds, peak RSS bytes).

    Peak RSS comes from /usr/bin/time (%M) when present, else from polling VmHWM. Not from
    wait4's rusage: on Linux a child's ru_maxrss keeps the pre-exec peak, i.e. this Python's.
    """
    script = OUT_DIR / "baseline.sql"
    script.write_text(f".mode csv\n.headers on\n.output {output}\n{sql}\n.output stdout\n", encoding="utf-8")
    rss_file = OUT_DIR / "baseline.rss"
    rss_file.unlink(missing_ok=True)
    timed = [TIME, "-f", "%M", "-o", str(rss_file)] if Path(TIME).exists() else []
    with open(script, "rb") as stdin:
        started = time.perf_counter()
        process = subprocess.Popen([*timed, SQLITE3, str(database)], stdin=stdin, stderr=subprocess.PIPE)
        polled = wait_polling_hwm(process)
        seconds = time.perf_counter() - started
    errors = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if process.returncode != 0 or errors.strip():
        raise BenchError(f"sqlite3 failed ({process.returncode}): {errors.strip()[:500]}")
    peak = int(rss_file.read_text().split()[-1]) * 1024 if timed else polled
    return seconds, peak


def wait_polling_hwm(process: subprocess.Popen[bytes]) -> int:
    """Wait for the process; return the highest VmHWM seen while it ran."""
    peak = 0
    while True:
        peak = max(peak, vm_hwm_bytes(process.pid))
        try:
            process.wait(timeout=SAMPLE_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        return peak


def run_baseline(database: Path, sql: str, output: Path) -> BaselineResult:
    output.unlink(missing_ok=True)
    seconds, peak = run_sqlite3(database, sql, output)
    return BaselineResult(seconds, count_csv_rows(output), output.stat().st_size, output, peak)


# ---------------------------------------------------------------- checks


def count_csv_rows(path: Path) -> int:
    """Data rows of a CSV file: line ends outside quoted fields, minus the header."""
    records = 0
    quoted = False
    with open(path, "rb") as handle:
        for line in handle:
            if line.count(b'"') % 2:
                quoted = not quoted
            if not quoted:
                records += 1
    return records - 1


def header_of(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.readline().rstrip(b"\r\n").removeprefix("\ufeff".encode())


# ---------------------------------------------------------------- rounds and report


@dataclass(frozen=True)
class Round:
    export: ExportResult
    baseline: BaselineResult
    export_file_rows: int

    @property
    def ratio(self) -> float:
        return rate(self.export.rows, self.export.seconds) / rate(self.baseline.rows, self.baseline.seconds)


def rate(amount: float, seconds: float) -> float:
    return amount / seconds if seconds > 0 else float("inf")


def run_round(number: int, client: httpx.Client, server: Server, home: Path, keys: list[str]) -> Round:
    print(f"round {number}: export through the API ...", flush=True)
    export = run_export(client, server, home)
    check_same_columns(export.job, keys)
    print(f"  {describe(export.seconds, export.rows, export.size, export.child_peak)}", flush=True)
    print(f"  {export.phases.describe()}", flush=True)
    print(
        f"  {export.children} export child process(es), at most {export.most_at_once} at once, "
        f"together at most {export.children_peak / MB:.0f} MB RSS",
        flush=True,
    )
    print(f"round {number}: sqlite3 baseline ...", flush=True)
    output = OUT_DIR / f"sqlite3-{export.rows}.csv"
    baseline = run_baseline(home / "clickproof.db", baseline_sql(export.job, keys), output)
    print(f"  {describe(baseline.seconds, baseline.rows, baseline.size, baseline.peak)}", flush=True)
    file_rows = verify_round(export, baseline)
    result = Round(export, baseline, file_rows)
    print(f"  ratio {result.ratio:.3f}  (server peak RSS {export.server_peak / MB:.0f} MB)", flush=True)
    export.path.unlink(missing_ok=True)
    baseline.path.unlink(missing_ok=True)
    return result


def describe(seconds: float, rows: int, size: int, peak: int) -> str:
    return (
        f"{seconds:.2f} s, {rows:,} rows, {rate(rows, seconds):,.0f} rows/s, "
        f"{rate(size / MB, seconds):.1f} MB/s, {size / MB:.0f} MB, peak RSS {peak / MB:.0f} MB"
    )


def verify_round(export: ExportResult, baseline: BaselineResult) -> int:
    file_rows = count_csv_rows(export.path)
    if export.path.stat().st_size != export.size:
        raise BenchError(f"{export.path} has {export.path.stat().st_size} bytes, the job says {export.size}")
    if not file_rows == export.rows == baseline.rows:
        raise BenchError(
            f"row counts differ: job {export.rows}, export file {file_rows}, sqlite3 {baseline.rows}"
        )
    if header_of(export.path) != header_of(baseline.path):
        print("  warning: the CSV headers of the export and of sqlite3 differ")
    return file_rows


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(rounds: list[Round], activities: int) -> str:
    head = (
        "| round | clickproof s | clickproof rows/s | clickproof MB/s | export child peak RSS MB "
        "| export children together MB | server peak RSS MB "
        "| sqlite3 s | sqlite3 rows/s | sqlite3 MB/s | sqlite3 peak RSS MB | ratio |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [row_cells(str(i), [r]) for i, r in enumerate(rounds, 1)]
    lines.append(row_cells("**median**", rounds))
    note = (
        f"\n{activities:,} activities requested; {rounds[0].export.rows:,} rows exported, "
        f"{len(rounds[0].export.job['data']['columns'])} columns; "
        f"{rounds[0].export.children} export child process(es), at most {rounds[0].export.most_at_once} at once; "
        f"export file {rounds[0].export.size / MB:.0f} MB, sqlite3 file {rounds[0].baseline.size / MB:.0f} MB. "
        "MB = 10^6 bytes. Ratio = clickproof rows/s ÷ sqlite3 rows/s.\n\n"
        f"Median export phases: total known at {med_phase(rounds, 'counted'):.2f} s, "
        f"child started at {med_phase(rounds, 'child_start'):.2f} s, "
        f"child ran {med_phase(rounds, 'child_run'):.2f} s, "
        f"then {med_phase(rounds, 'after_child'):.2f} s to success."
    )
    return head + "\n".join(lines) + "\n" + note


def med_phase(rounds: list[Round], name: str) -> float:
    return median([float(getattr(r.export.phases, name)) for r in rounds])


def row_cells(label: str, rounds: list[Round]) -> str:
    def med(get: Callable[[Round], float]) -> float:
        return median([get(r) for r in rounds])

    cells = [
        label,
        f"{med(lambda r: r.export.seconds):.2f}",
        f"{med(lambda r: rate(r.export.rows, r.export.seconds)):,.0f}",
        f"{med(lambda r: rate(r.export.size / MB, r.export.seconds)):.1f}",
        f"{med(lambda r: r.export.child_peak / MB):.0f}",
        f"{med(lambda r: r.export.children_peak / MB):.0f}",
        f"{med(lambda r: r.export.server_peak / MB):.0f}",
        f"{med(lambda r: r.baseline.seconds):.2f}",
        f"{med(lambda r: rate(r.baseline.rows, r.baseline.seconds)):,.0f}",
        f"{med(lambda r: rate(r.baseline.size / MB, r.baseline.seconds)):.1f}",
        f"{med(lambda r: r.baseline.peak / MB):.0f}",
        f"{med(lambda r: r.ratio):.3f}",
    ]
    return "| " + " | ".join(cells) + " |"


def verdict(rounds: list[Round]) -> list[str]:
    failures = []
    ratio = median([r.ratio for r in rounds])
    if ratio < RATIO_TARGET:
        failures.append(f"throughput: median ratio {ratio:.3f} < {RATIO_TARGET}")
    peak = max(r.export.child_peak for r in rounds)
    if peak > RSS_TARGET_BYTES:
        failures.append(
            f"memory: peak RSS of the exporting process {peak / MB:.0f} MB > {RSS_TARGET_BYTES / MB:.0f} MB"
        )
    return failures


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--activities", type=int, default=1_000_000, help="activities in the data set")
    parser.add_argument("--rounds", type=int, default=3, help="alternating export/baseline rounds")
    parser.add_argument("--home", type=Path, default=None, help="CLICKPROOF_HOME (default bench/out/home-N)")
    args = parser.parse_args(argv)
    if args.activities < 1 or args.rounds < 1:
        parser.error("--activities and --rounds must be positive")
    if args.home is None:
        args.home = OUT_DIR / f"home-{args.activities}"
    args.home = args.home.resolve()
    return args


def benchmark(args: argparse.Namespace) -> list[Round]:
    if not Path(SQLITE3).exists():
        raise BenchError(f"{SQLITE3} is missing (apt-get install sqlite3)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    token = prepare_data(args.home, args.activities)
    abandon_leftover_jobs(args.home / "clickproof.db")
    warm_page_cache(args.home / "clickproof.db")
    server = start_server(args.home, OUT_DIR / f"server-{args.activities}.log")
    print(f"server pid {server.process.pid} at {server.base_url}")
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=30.0) as client:
            keys = custom_keys(args.home / "clickproof.db", site_id=1)
            return [run_round(i, client, server, args.home, keys) for i in range(1, args.rounds + 1)]
    finally:
        stop_server(server)


def source_version() -> str:
    """The commit of the clickproof checkout, and how many files differ from it."""
    root = BENCH_DIR.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    return f"{commit} + {len(changed)} uncommitted change(s) under src/" if changed else commit


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    begun = datetime.now(UTC)
    load_before = load_average()
    print(f"clickproof source: {source_version()}")
    if os.getloadavg()[0] > 0.5:
        print(f"warning: load average {load_before}: other processes compete for the CPUs, expect noise")
    try:
        rounds = benchmark(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if rounds[0].export.rows != args.activities:
        print(f"note: {rounds[0].export.rows:,} rows exported, {args.activities:,} activities requested")
    print()
    print(
        f"Measured {begun:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs; "
        f"load average {load_before} before, {load_average()} after; source {source_version()}."
    )
    print()
    print(table(rounds, args.activities))
    print()
    failures = verdict(rounds)
    for failure in failures:
        print(f"TARGET MISSED — {failure}")
    if not failures:
        print(f"targets met: ratio >= {RATIO_TARGET}, exporting process peak RSS <= 300 MB")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
