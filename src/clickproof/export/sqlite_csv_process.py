"""Runs the SQLite CSV export in a child process (export/sqlite_csv_child.py).

When the export goes to a local file, the child writes into that file itself (its standard
output is the file's descriptor) and reports the byte count and SHA-256 of what it wrote; no
byte passes through this process. Otherwise its output comes through a pipe and is written to
`out` here, and the child's hash is checked against the bytes received.
"""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

from sqlalchemy import Engine, Select

from clickproof.export.csv_query import OutputColumn, compile_positional
from clickproof.export.hashing_writer import HashingWriter

HEARTBEAT_WAIT = 0.25
CHUNK = 1024 * 1024


class ChildExportError(RuntimeError):
    pass


@dataclass
class _ChildReport:
    rows: int = 0
    end: tuple[int, int, str] | None = None  # rows, bytes, sha256


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
    file_fd = out.fresh_file_fd() if isinstance(out, HashingWriter) else None
    checkable = isinstance(out, HashingWriter) and out.size == 0
    if file_fd is not None:
        start_offset = os.lseek(file_fd, 0, os.SEEK_CUR)
    read_fd, write_fd = os.pipe()
    spec = {
        "database": database_path,
        "sql": sql,
        "params": params,
        "bom": bom,
        "header": header,
        "progress_fd": write_fd,
        "columns": [{"header": c.header, "kind": c.kind.value, "json_kind": c.json_kind} for c in columns],
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "clickproof.export.sqlite_csv_child"],
        stdin=subprocess.PIPE,
        stdout=file_fd if file_fd is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(write_fd,),
    )
    os.close(write_fd)
    report = _ChildReport()
    progress_done = threading.Event()

    def read_progress() -> None:
        with os.fdopen(read_fd, "rb") as progress:
            for line in progress:
                fields = line.split()
                if fields and fields[0] == b"end":
                    report.end = (int(fields[1]), int(fields[2]), fields[3].decode())
                elif fields:
                    report.rows = int(fields[0])
        progress_done.set()

    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=read_progress, daemon=True)
    err_reader = threading.Thread(
        target=lambda: stderr_chunks.append(child.stderr.read() if child.stderr else b""), daemon=True
    )
    reader.start()
    err_reader.start()
    try:
        assert child.stdin is not None
        child.stdin.write(json.dumps(spec).encode())
        child.stdin.close()
        if child.stdout is not None:
            _copy_output(child.stdout, out, lambda: on_progress(report.rows))
        else:
            while child.poll() is None:
                progress_done.wait(HEARTBEAT_WAIT)
                on_progress(report.rows)
        code = child.wait()
    except BaseException:
        child.kill()
        child.wait()
        raise
    reader.join()
    err_reader.join()
    if code != 0 or report.end is None:
        detail = b"".join(stderr_chunks).decode("utf-8", "replace").strip().splitlines()
        raise ChildExportError(f"CSV export process exited with {code}: {detail[-1] if detail else ''}"[:300])
    rows, size, sha256 = report.end
    if file_fd is not None:
        written = os.fstat(file_fd).st_size - start_offset
        if written != size:
            raise ChildExportError(f"CSV export process reported {size} bytes but the file grew by {written}")
        cast(HashingWriter, out).adopt(size, sha256)
    elif checkable and (cast(HashingWriter, out).size, cast(HashingWriter, out).sha256()) != (size, sha256):
        raise ChildExportError("the CSV bytes received differ from what the export process wrote")
    return rows


def _copy_output(stdout: IO[bytes], out: BinaryIO, beat: Callable[[], None]) -> None:
    while True:
        # Wait at most HEARTBEAT_WAIT for output, so the lease is renewed (on_progress is
        # throttled) even while the child starts up or runs a slow query.
        ready, _, _ = select.select([stdout], [], [], HEARTBEAT_WAIT)
        if ready:
            # read1 returns what is buffered or one read of the pipe: nothing stays buffered
            # behind select's back.
            chunk = cast(io.BufferedReader, stdout).read1(CHUNK)
            if not chunk:
                return
            out.write(chunk)
        beat()
