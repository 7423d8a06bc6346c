"""RFC 4180 lines from finished cells, with quoting decided per cell (vectorized, no per-row Python).

pyarrow's CSV writer quotes by column type (every string, docs/adr/0004), so a column of JSON
values could not print a number bare and a text quoted. Here each cell is quoted unless it is
marked bare: text is quoted with its `"` doubled, numbers are bare, an absent value is an empty,
bare cell; without bare cells the bytes are pyarrow's `needed` style (docs/adr/0015).

`encode` keeps pyarrow's writer (several times faster than joining cells with Arrow compute):
bare cells are written between two marker characters, then the quotes around each marked cell
are cut from the bytes. A batch whose text holds a marker character next to a quote (the byte
counts tell) takes `encode_lines`, the same bytes made cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

_OPEN, _CLOSE = "\x1f", "\x1e"  # unit and record separators: markers around bare cells
_OPTIONS = pacsv.WriteOptions(include_header=False, eol="\r\n", quoting_style="needed")


@dataclass(frozen=True)
class Cells:
    """One output column: its values, and which of them are written bare (unquoted). `bare` is
    a boolean array, or one flag for the whole column."""

    values: pa.Array
    bare: pa.Array | bool


def _quoted(values: pa.Array) -> pa.Array:
    escaped = pc.replace_substring(values, pattern='"', replacement='""')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def cell_text(cells: Cells) -> pa.Array:
    """The column's CSV text, absent values empty."""
    values = cells.values
    if pa.types.is_null(values.type):
        return pc.fill_null(pc.cast(values, pa.string()), "")
    if not pa.types.is_string(values.type):  # integers and numbers: their text, bare
        return pc.fill_null(pc.cast(values, pa.string()), "")
    if cells.bare is True:
        text = values
    elif cells.bare is False:
        text = _quoted(values)
    else:
        text = pc.if_else(pc.fill_null(cells.bare, False), values, _quoted(values))
    return pc.fill_null(text, "")


def encode_lines(columns: list[Cells]) -> pa.Buffer:
    """The rows of the columns as CSV bytes, each line ending in CRLF."""
    texts = [cell_text(c) for c in columns]
    lines = pc.binary_join_element_wise(*texts, ",") if len(texts) > 1 else texts[0]
    lines = pc.binary_join_element_wise(lines, "\r\n", "")
    if len(lines) == 0:
        return pa.py_buffer(b"")
    _validity, offsets_buffer, data = lines.buffers()
    assert offsets_buffer is not None and data is not None
    offsets = pa.Array.from_buffers(pa.int32(), len(lines) + 1, [None, offsets_buffer], offset=lines.offset)
    start, end = offsets[0].as_py(), offsets[len(lines)].as_py()
    return data.slice(start, end - start)


def _pyarrow_lines(arrays: list[pa.Array]) -> bytes:
    # One writer per batch: batches of one stream may type an all-empty column differently.
    names = [f"c{i}" for i in range(len(arrays))]
    encoded = pa.BufferOutputStream()
    pacsv.write_csv(pa.RecordBatch.from_arrays(arrays, names=names), encoded, write_options=_OPTIONS)
    data: bytes = encoded.getvalue().to_pybytes()
    return data


def encode(columns: list[Cells]) -> bytes:
    """The rows of the columns as CSV bytes, each line ending in CRLF (= encode_lines)."""
    if all(c.bare is False for c in columns):
        return _pyarrow_lines([c.values for c in columns])
    arrays: list[pa.Array] = []
    marked_cells = 0
    for column in columns:
        values = column.values
        if column.bare is not False and pa.types.is_string(values.type):
            bare = pa.array([True] * len(values)) if column.bare is True else pc.fill_null(column.bare, False)
            bare = pc.and_(bare, pc.is_valid(values))
            marked_cells += pc.sum(pc.cast(bare, pa.int64())).as_py() or 0
            values = pc.if_else(bare, pc.binary_join_element_wise(_OPEN, values, _CLOSE, ""), values)
        arrays.append(values)
    lines = _pyarrow_lines(arrays)
    # Each marked cell is `"<OPEN>number<CLOSE>"`: both cuts remove two bytes per marked cell,
    # unless a text holds a marker next to a quote itself (then the lengths tell).
    opened = lines.replace(b'"' + _OPEN.encode(), b"")
    closed = opened.replace(_CLOSE.encode() + b'"', b"")
    if len(lines) - len(opened) != 2 * marked_cells or len(opened) - len(closed) != 2 * marked_cells:
        exact: bytes = encode_lines(columns).to_pybytes()
        return exact
    return closed
