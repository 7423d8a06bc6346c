"""Streams the rows of a CSV query as Arrow record batches, with memory flat in the row count.

Small SQLite exports read here, in-process through the stdlib driver: starting the ADBC child
process (export/sqlite_csv_child.py) costs more than its faster reader saves below
`limits.IN_PROCESS_EXPORT_ROWS` rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, Select

from clickproof.domain.limits import CSV_BATCH_ROWS


def stream_batches(engine: Engine, statement: Select[Any]) -> Iterator[pa.RecordBatch]:
    names = [c.name for c in statement.selected_columns]
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=CSV_BATCH_ROWS).execute(statement)
        for partition in result.partitions():
            arrays = [pa.array([_plain(row[i]) for row in partition]) for i in range(len(names))]
            yield pa.RecordBatch.from_arrays(arrays, names=names)


def _plain(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, str | int | float | bool) else value
