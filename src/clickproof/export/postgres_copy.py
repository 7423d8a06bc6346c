"""PostgreSQL CSV exports through `COPY (SELECT …) TO STDOUT`: the server formats every cell
(timestamps, TRUE/FALSE, formula guard) and writes the CSV; we add the header and CRLF ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from sqlalchemy import Engine, Select

from clickproof.export.csv_query import OutputColumn
from clickproof.export.csv_writer import header_line
from clickproof.export.record_ends import RecordEnds
from clickproof.failpoints import failpoint

_BOM = "\ufeff".encode()


def compile_named(statement: Select[Any], engine: Engine) -> tuple[str, dict[str, Any]]:
    """SQL with %(name)s placeholders and the processed values, for psycopg's client-side binding."""
    dialect = engine.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params: dict[str, Any] = {}
    for name, value in compiled.params.items():
        processor = compiled.binds[name].type.bind_processor(dialect) if name in compiled.binds else None
        params[name] = processor(value) if processor else value
    return str(compiled), params


def export_postgres_csv(
    engine: Engine,
    statement: Select[Any],
    columns: tuple[OutputColumn, ...],
    out: BinaryIO,
    *,
    bom: bool,
    on_progress: Callable[[int], None],
    header: bool = True,
) -> int:
    sql, params = compile_named(statement, engine)
    quoted = ", ".join(f"c{i}" for i, column in enumerate(columns) if column.quoted)
    force_quote = f", FORCE_QUOTE ({quoted})" if quoted else ""
    copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv{force_quote})"
    if header:
        out.write((_BOM if bom else b"") + header_line(columns))
    ends = RecordEnds()
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
            for chunk in copy:
                out.write(ends.convert(bytes(chunk)))
                failpoint("export.batch_written")
                on_progress(ends.records)
        conn.rollback()
    return ends.records
