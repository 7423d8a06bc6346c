"""Runs the SQLite CSV export in a child process and streams its output into the export file."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, cast

from sqlalchemy import Engine, Select

from clickproof.export.csv_query import OutputColumn, compile_positional

HEARTBEAT_WAIT = 0.25
CHUNK = 1024 * 1024


class ChildExportError(RuntimeError):
    pass


def export_sqlite_csv(
    engine: Engine,
    database_path: str,
    statement: Select[Any],
    columns: tuple[OutputColumn, ...],
    out: BinaryIO,
    *,
    bom: bool,
    on_progress: Callable[[int], None],
    header: bool = True,
) -> int:
    """Write the CSV of `statement` to `out`; `on_progress(rows)` may raise to stop the child."""
    sql, params = compile_positional(statement, engine.dialect)
    read_fd, write_fd = os.pipe()
    spec = {
        "database": database_path,
        "sql": sql,
        "params": params,
        "bom": bom,
        "header": header,
        "progress_fd": write_fd,
        "columns": [{"header": c.header, "kind": c.kind.value} for c in columns],
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "clickproof.export.sqlite_csv_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    rows = [0]
    progress_done = threading.Event()

    def read_progress() -> None:
        with os.fdopen(read_fd, "rb") as progress:
            for line in progress:
                rows[0] = int(line)
        progress_done.set()

    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=read_progress, daemon=True)
    err_reader = threading.Thread(
        target=lambda: stderr_chunks.append(child.stderr.read() if child.stderr else b""), daemon=True
    )
    reader.start()
    err_reader.start()
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps(spec).encode())
        child.stdin.close()
        while True:
            # Wait at most HEARTBEAT_WAIT for output, so the lease is renewed (on_progress is
            # throttled) even while the child starts up or runs a slow query.
            ready, _, _ = select.select([child.stdout], [], [], HEARTBEAT_WAIT)
            if ready:
                # read1 returns what is buffered or one read of the pipe: nothing stays buffered
                # behind select's back.
                chunk = cast(io.BufferedReader, child.stdout).read1(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
            on_progress(rows[0])
        code = child.wait()
    except BaseException:
        child.kill()
        child.wait()
        raise
    reader.join()
    err_reader.join()
    if code != 0:
        detail = b"".join(stderr_chunks).decode("utf-8", "replace").strip().splitlines()
        raise ChildExportError(f"CSV export process exited with {code}: {detail[-1] if detail else ''}"[:300])
    return rows[0]
