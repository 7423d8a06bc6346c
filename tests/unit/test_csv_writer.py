import csv
import io

import pyarrow as pa
import pytest

from clickproof.export.csv_query import CellKind, OutputColumn
from clickproof.export.csv_writer import guard_text, header_line, write_csv

HOSTILE = [
    '=HYPERLINK("http://x")',
    "+1",
    "-cmd",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "  =1",
    "safe",
    "a,b",
    'say "hi"',
    "two\nlines",
    "\u202eevil",
    "王芳",
    "x" * 100_000,
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_guard_text(value: str) -> None:
    guarded = guard_text(value)
    risky = value.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r")
    assert guarded == ("'" + value if risky else value)


def _csv(batches: list[pa.RecordBatch], columns: tuple[OutputColumn, ...], bom: bool = False) -> bytes:
    out = io.BytesIO()
    write_csv(batches, columns, out, bom=bom)
    return out.getvalue()


def test_hostile_values_round_trip_with_guard() -> None:
    columns = (OutputColumn("signer_id", CellKind.TEXT), OutputColumn("version_number", CellKind.PLAIN))
    batch = pa.record_batch([pa.array(HOSTILE), pa.array([-5] * len(HOSTILE))], names=["c0", "c1"])
    data = _csv([batch], columns)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["signer_id", "version_number"]
    assert [r[0] for r in rows[1:]] == [guard_text(v) for v in HOSTILE]
    assert all(r[1] == "-5" for r in rows[1:])  # numbers are never prefixed
    assert data.count(b"\r\n") >= len(HOSTILE) + 1


def test_json_family_cells() -> None:
    columns = (OutputColumn("custom_data.x", CellKind.JSON), OutputColumn("id", CellKind.TEXT))
    values = pa.array(["=1", "1", "0", "-3", None, '{"a":1}', "2.5"])
    kinds = pa.array(["text", "true", "false", "integer", None, "object", "real"])
    ids = pa.array(["i"] * 7)
    data = _csv([pa.record_batch([values, kinds, ids], names=["c0", "c1", "c2"])], columns)
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert [r[0] for r in rows[1:]] == ["'=1", "TRUE", "FALSE", "-3", "", '{"a":1}', "2.5"]


def test_headers_are_guarded_and_bom_optional() -> None:
    columns = (OutputColumn("custom_data.=cmd", CellKind.TEXT),)
    assert header_line(columns) == b"'custom_data.=cmd\r\n" or header_line(columns).startswith(
        b"custom_data.=cmd"
    )
    data = _csv([], (OutputColumn("=x", CellKind.TEXT),), bom=True)
    assert data == "\ufeff'=x\r\n".encode()


def test_all_null_column_writes_empty_cells() -> None:
    columns = (OutputColumn("group", CellKind.PLAIN), OutputColumn("batch", CellKind.TEXT))
    batch = pa.record_batch([pa.nulls(2), pa.nulls(2)], names=["c0", "c1"])
    assert _csv([batch], columns) == b"group,batch\r\n,\r\n,\r\n"
