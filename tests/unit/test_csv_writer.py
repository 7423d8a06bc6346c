import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from clickproof.domain.timestamps import format_stored
from clickproof.export.csv_query import CellKind, OutputColumn
from clickproof.export.csv_writer import guard_text, header_line, iso_utc, write_csv

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


def test_timestamps_print_as_stored_instants() -> None:
    """Arrow timestamps (UTC or naive UTC, any unit) print exactly as format_stored does."""
    instants = [
        datetime(1000, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 29, 14, 3, 7, 120_500, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    ]
    expected = [format_stored(i) for i in instants] + [None]
    for arrow_type in (pa.timestamp("us", tz="UTC"), pa.timestamp("us"), pa.timestamp("ms", tz="UTC")):
        values = [
            i if arrow_type.unit == "us" else i.replace(microsecond=i.microsecond // 1000 * 1000)
            for i in instants
        ]
        column = pa.array([*values, None], type=arrow_type)
        wanted = expected if arrow_type.unit == "us" else [format_stored(v) for v in values] + [None]
        assert iso_utc(column).to_pylist() == wanted


def _one_column(
    values: Sequence[str | None], column: OutputColumn, kinds: Sequence[str | None] | None = None
) -> list[str]:
    arrays = [pa.array(values, type=pa.string())]
    if kinds is not None:
        arrays.append(pa.array(kinds, type=pa.string()))
    data = _csv([pa.record_batch(arrays, names=[f"c{i}" for i in range(len(arrays))])], (column,))
    return [r[0] if r else "" for r in csv.reader(io.StringIO(data.decode(), newline=""))][1:]


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("string", ["=1", "-3", "true", "x"], ["'=1", "'-3", "true", "x"]),
        # SQLite's json_extract gives 1/0 for booleans; a string under a boolean key stays guarded text
        ("boolean", ["true", "false", "1", "0", "=cmd"], ["TRUE", "FALSE", "TRUE", "FALSE", "'=cmd"]),
        (
            "number",
            ["-3", "2.5", "-1.5e+20", "-2+3+cmd", "=1", "@x"],
            ["-3", "2.5", "-1.5e+20", "'-2+3+cmd", "'=1", "'@x"],
        ),
        (
            "object",
            ['{"b": 1, "a": [1, "é"]}', "{not json", "=x"],
            ['{"a":[1,"é"],"b":1}', "{not json", "'=x"],
        ),
        ("array", ['[1, {"b": 2, "a": 1}]'], ['[1,{"a":1,"b":2}]']),
    ],
)
def test_single_kind_json_cells(kind: str, values: list[str], expected: list[str]) -> None:
    """A key whose stored values all have one kind comes without kind words; a value of another
    kind (written after the kinds were read) is never left unguarded."""
    assert _one_column(values, OutputColumn("custom_data.x", CellKind.JSON, json_kind=kind)) == expected


def test_objects_and_arrays_print_canonically_whatever_the_database() -> None:
    column = OutputColumn("custom_data.x", CellKind.JSON)
    postgres = _one_column(['{"bb": 1, "a": [1, 2]}', "[]"], column, ["object", "array"])
    sqlite = _one_column(['{"a":[1,2],"bb":1}', "[]"], column, ["object", "array"])
    assert postgres == sqlite == ['{"a":[1,2],"bb":1}', "[]"]


def test_json_numbers_are_bare_and_text_quoted_in_the_bytes() -> None:
    """docs/api.md: text values are quoted, numbers are not, so a number 5 and a text "5" differ."""
    mixed = (OutputColumn("custom_data.x", CellKind.JSON),)
    values = pa.array(["5", "5", "-2.5", "true", None, "", 'a"b'])
    kinds = pa.array(["integer", "text", "real", "true", None, "text", "text"])
    data = _csv([pa.record_batch([values, kinds], names=["c0", "c1"])], mixed)
    assert data == b'custom_data.x\r\n5\r\n"5"\r\n-2.5\r\n"TRUE"\r\n\r\n""\r\n"a""b"\r\n'
    single = (OutputColumn("custom_data.x", CellKind.JSON, json_kind="number"),)
    data = _csv([pa.record_batch([pa.array(["7", "-1e+20", "=1", None])], names=["c0"])], single)
    assert data == b'custom_data.x\r\n7\r\n-1e+20\r\n"\'=1"\r\n\r\n'


def test_cells_match_pyarrows_writer_for_columns_without_bare_cells() -> None:
    import pyarrow.csv as pacsv

    columns = (
        OutputColumn("signer_id", CellKind.TEXT),
        OutputColumn("version_number", CellKind.PLAIN),
        OutputColumn("batch", CellKind.PLAIN),
    )
    texts = pa.array([*HOSTILE, None])
    numbers = pa.array([*range(len(HOSTILE)), None], type=pa.int64())
    nulls = pa.nulls(len(HOSTILE) + 1)
    ours = _csv([pa.record_batch([texts, numbers, nulls], names=["c0", "c1", "c2"])], columns)
    theirs = pa.BufferOutputStream()
    guarded = pa.array([None if v is None else guard_text(v) for v in texts.to_pylist()])
    pacsv.write_csv(
        pa.record_batch([guarded, numbers, pa.nulls(len(texts), pa.string())], names=["a", "b", "c"]),
        theirs,
        write_options=pacsv.WriteOptions(include_header=False, eol="\r\n", quoting_style="needed"),
    )
    assert ours == header_line(columns) + theirs.getvalue().to_pybytes()


@pytest.mark.parametrize("text", ["\x1f1", "a\x1e", '"\x1f', '\x1e"', "\x1f\x1e", 'x"\x1f2\x1e"y', "plain"])
def test_bare_cells_are_exact_whatever_the_text_holds(text: str) -> None:
    """Marker characters in stored text never change another cell or lose a character."""
    from clickproof.export.csv_lines import Cells, encode, encode_lines

    values = pa.array(["5", text, "-1.5", None, text])
    bare = pa.array([True, False, True, False, False])
    columns = [Cells(values, bare), Cells(pa.array([text, "7", text, "", None]), False)]
    assert encode(columns) == encode_lines(columns).to_pybytes()
    rows = list(csv.reader(io.StringIO(encode(columns).decode(), newline="")))
    assert [r[0] for r in rows] == ["5", text, "-1.5", "", text]
