"""PostgreSQL CSV exports with the cells made by Arrow on the worker.

The server runs `COPY (SELECT <raw values>) TO STDOUT (FORMAT csv)`: bare columns, timestamps
shifted to UTC, JSON family values with `->>` and their kind — about what `psql`'s COPY of the
same columns costs it. Here, on another core at the same time, Arrow's CSV reader parses that
stream (C++, types given per column) and the shared writer (export/csv_writer.py) makes the
cells: ISO 8601 timestamps, TRUE/FALSE, JSON kinds, the formula guard, RFC 4180 quoting. The
bytes equal those of the SQLite path and of ADR 0005's COPY path (docs/adr/0010).

COPY takes no server-side parameters: psycopg binds them client-side, quoted by its adapters.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import DateTime, Engine, Integer, Select

from clickproof.export.csv_query import OutputColumn
from clickproof.export.csv_writer import ByteSink, write_csv
from clickproof.export.postgres_copy import compile_named
from clickproof.export.threaded_stages import Prefetched, write_through_file

BLOCK_BYTES = 1024 * 1024  # Arrow parses this much at a time (a few thousand rows)
WRITE_BYTES = 256 * 1024
PIPELINE_DEPTH = 3
PIPE_BYTES = 1024 * 1024
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Python 3.10+ on Linux; spelled out for type checkers)


def _arrow_type(sql_type: Any) -> pa.DataType:
    if isinstance(sql_type, Integer):
        return pa.int64()
    if isinstance(sql_type, DateTime):
        return pa.timestamp("us")  # UTC wall time: the SELECT shifts timestamps to UTC
    return pa.string()


def _write_all(fd: int, data: bytearray) -> None:
    view = memoryview(data)
    while view.nbytes:
        view = view[os.write(fd, view) :]
    view.release()


def _copy_into(
    engine: Engine, copy_sql: str, params: dict[str, Any], fd: int, failed: list[BaseException]
) -> None:
    """Stream COPY's output into the pipe `fd` (closed at the end, so the reader sees EOF)."""
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            with raw.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
                # COPY sends one message per row: gather them into large writes.
                pending = bytearray()
                for chunk in copy:
                    pending += chunk
                    if len(pending) >= WRITE_BYTES:
                        _write_all(fd, pending)
                        pending.clear()
                _write_all(fd, pending)
            conn.rollback()
    except BaseException as exc:  # raised in the exporting thread once the reader stops
        failed.append(exc)
    finally:
        os.close(fd)


def _batches(engine: Engine, statement: Select[Any]) -> Iterator[pa.RecordBatch]:
    sql, params = compile_named(statement, engine)
    copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    names = [f"c{i}" for i in range(len(statement.selected_columns))]
    types = {n: _arrow_type(c.type) for n, c in zip(names, statement.selected_columns, strict=True)}
    read_fd, write_fd = os.pipe()
    with contextlib.suppress(OSError):  # a larger pipe decouples COPY from parsing (Linux)
        fcntl.fcntl(write_fd, F_SETPIPE_SZ, PIPE_BYTES)
    failed: list[BaseException] = []
    producer = threading.Thread(
        target=_copy_into, args=(engine, copy_sql, params, write_fd, failed), name="copy-out", daemon=True
    )
    producer.start()
    source = os.fdopen(read_fd, "rb", buffering=0)
    try:
        first = source.read(1)  # Arrow refuses an empty stream: no rows, no batches
        if first:
            # Buffered: read(n) returns n bytes unless at the end, so Arrow parses whole blocks.
            stream = pa.PythonFile(io.BufferedReader(_Prepended(first, source), BLOCK_BYTES), mode="r")
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
                ),
            )
            for batch in Prefetched(reader, depth=PIPELINE_DEPTH):  # parsing runs ahead
                if failed:
                    break
                yield batch
    finally:
        source.close()  # a producer still writing gets EPIPE and stops
        producer.join()
    if failed:
        raise failed[0]


class _Prepended(io.RawIOBase):
    """`head` followed by the rest of `rest`."""

    def __init__(self, head: bytes, rest: io.RawIOBase | Any) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            n = len(self.head)
            buffer[:n] = self.head
            self.head = b""
            return n
        return int(self.rest.readinto(buffer) or 0)


def export_postgres_arrow(
    engine: Engine,
    statement: Select[Any],
    columns: tuple[OutputColumn, ...],
    out: ByteSink,
    *,
    bom: bool,
    on_progress: Callable[[int], None],
    header: bool = True,
) -> int:
    return write_through_file(
        out,
        PIPELINE_DEPTH,
        lambda sink: write_csv(
            _batches(engine, statement), columns, sink, bom=bom, header=header, on_batch=on_progress
        ),
    )
