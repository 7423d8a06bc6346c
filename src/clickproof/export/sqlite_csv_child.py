"""The child process that turns a SQLite query into CSV on its standard output.

SQLite exports read through ADBC, whose driver carries its own copy of SQLite. Two copies of
SQLite in one process break each other's POSIX file locks (sqlite.org/howtocorrupt.html §2.2.1),
so ADBC never runs in the process that serves the API: it runs here, alone with the file.

Three stages run at once (export/threaded_stages.py): SQLite stepping, Arrow transform and CSV
encoding, hashing and writing. Standard output is a pipe, or the export file itself when the
parent writes to a local file (then no byte passes through the parent).

Input (stdin, JSON): database path, SQL, parameters, output columns, BOM and header flags.
Output: CSV bytes on stdout. On the progress descriptor: "<rows>\\n" per batch, then
"end <rows> <bytes> <sha256>\\n" once every byte is written.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from clickproof.domain.limits import CSV_BATCH_ROWS
from clickproof.export.csv_query import CellKind, OutputColumn
from clickproof.export.csv_writer import write_csv
from clickproof.export.threaded_stages import HashingFdSink, Prefetched

# Batches waiting between stages; each is CSV_BATCH_ROWS rows (a few MB at most).
PIPELINE_DEPTH = 3


def _batches(path: str, sql: str, params: list[Any]) -> Iterator[pa.RecordBatch]:
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    uri = f"file:{path}?mode=ro"
    connection = adbc_sqlite.connect(uri)
    try:
        cursor = connection.cursor()
        try:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(CSV_BATCH_ROWS)})
            cursor.execute(sql, params)
            yield from cursor.fetch_record_batch()
        finally:
            cursor.close()
    finally:
        connection.close()


def run(spec: dict[str, Any], out_fd: int, progress_fd: int | None) -> tuple[int, int, str]:
    """Write the CSV to `out_fd`; return rows, bytes and SHA-256 of what was written."""
    columns = tuple(
        OutputColumn(c["header"], CellKind(c["kind"]), json_kind=c["json_kind"]) for c in spec["columns"]
    )

    def report(line: str) -> None:
        if progress_fd is not None:
            os.write(progress_fd, f"{line}\n".encode())

    sink = HashingFdSink(out_fd, depth=PIPELINE_DEPTH)
    rows = write_csv(
        Prefetched(_batches(spec["database"], spec["sql"], spec["params"]), depth=PIPELINE_DEPTH),
        columns,
        sink,
        bom=bool(spec.get("bom")),
        header=bool(spec.get("header", True)),
        on_batch=lambda done: report(str(done)),
    )
    sink.finish()
    report(f"end {rows} {sink.size} {sink.sha256()}")
    return rows, sink.size, sink.sha256()


def main() -> None:
    spec = json.loads(sys.stdin.buffer.read())
    run(spec, sys.stdout.fileno(), spec.get("progress_fd"))


if __name__ == "__main__":
    main()
