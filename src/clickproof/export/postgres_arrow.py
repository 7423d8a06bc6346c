"""PostgreSQL CSV exports with the cells made by Arrow on the worker.

The server runs the SELECT of raw values — bare columns (timestamps as UTC instants),
JSON family values with `->>` and their type word — a little more than `psql`'s COPY of the
same columns costs it (the type words). The ADBC PostgreSQL driver streams the result with `COPY … (FORMAT
binary)` straight into Arrow record batches (C++, no per-row Python), and the shared writer
(export/csv_writer.py) makes the cells: ISO 8601 timestamps, TRUE/FALSE, JSON kinds, the formula
guard, RFC 4180 quoting. Fetching, encoding and hashing+writing run as threaded stages, at the
same time as the server. The bytes equal those of the SQLite path (docs/adr/0010).

The driver streams only statements without server-side parameters (with parameters libpq
buffers the whole result). The values are therefore bound client-side by psycopg's adapters
(`ClientCursor.mogrify`), exactly as psycopg binds them for any COPY; the SQL itself is compiled
with bound parameters as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pyarrow as pa
from sqlalchemy import Engine, Select

from clickproof.domain.limits import CSV_BATCH_ROWS
from clickproof.export.csv_query import OutputColumn
from clickproof.export.csv_writer import ByteSink, write_csv
from clickproof.export.postgres_copy import compile_named
from clickproof.export.threaded_stages import Prefetched, write_through_file

PIPELINE_DEPTH = 3
BATCH_BYTES = CSV_BATCH_ROWS * 1024  # the driver's batch size hint, in bytes of Arrow data


def libpq_url(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def bound_sql(engine: Engine, statement: Select[Any]) -> str:
    """The statement with its values bound client-side by psycopg (literals quoted by its adapters)."""
    sql, params = compile_named(statement, engine)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        return psycopg.ClientCursor(raw).mogrify(sql, params)


def _batches(engine: Engine, statement: Select[Any]) -> Iterator[pa.RecordBatch]:
    import adbc_driver_postgresql.dbapi as adbc_pg

    sql = bound_sql(engine, statement)
    connection = adbc_pg.connect(libpq_url(engine))
    try:
        cursor = connection.cursor()
        try:
            cursor.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(BATCH_BYTES)})
            cursor.execute(sql)
            yield from cursor.fetch_record_batch()
        finally:
            cursor.close()
    finally:
        connection.close()


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
            Prefetched(_batches(engine, statement), depth=PIPELINE_DEPTH),
            columns,
            sink,
            bom=bom,
            header=header,
            on_batch=on_progress,
        ),
    )
