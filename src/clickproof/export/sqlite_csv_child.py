"""The child process that turns a SQLite query into CSV on stdout.

SQLite exports read through ADBC, whose driver carries its own copy of SQLite. Two copies of
SQLite in one process break each other's POSIX file locks (sqlite.org/howtocorrupt.html §2.2.1),
so ADBC never runs in the process that serves the API: it runs here, alone with the file.

Input (stdin, JSON): database path, SQL, parameters, output columns, BOM flag.
Output: CSV bytes on stdout; one line per batch, "<rows>\\n", on the progress descriptor.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

import pyarrow as pa

from clickproof.domain.limits import CSV_BATCH_ROWS
from clickproof.export.csv_query import CellKind, OutputColumn
from clickproof.export.csv_writer import write_csv


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


def run(spec: dict[str, Any], out: BinaryIO, progress_fd: int | None) -> int:
    columns = tuple(OutputColumn(c["header"], CellKind(c["kind"])) for c in spec["columns"])

    def report(rows: int) -> None:
        if progress_fd is not None:
            os.write(progress_fd, f"{rows}\n".encode())

    rows = write_csv(
        _batches(spec["database"], spec["sql"], spec["params"]),
        columns,
        out,
        bom=bool(spec.get("bom")),
        header=bool(spec.get("header", True)),
        on_batch=report,
    )
    out.flush()
    return rows


def main() -> None:
    spec = json.loads(sys.stdin.buffer.read())
    progress_fd = spec.get("progress_fd")
    run(spec, sys.stdout.buffer, progress_fd)


if __name__ == "__main__":
    main()
