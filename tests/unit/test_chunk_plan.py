"""Where chunks start: tapered CSV chunks, uniform PDF chunks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickproof.export.chunked_csv import chunk_starts


def _sizes(total: int, chunk_rows: int, tapered: bool) -> list[int]:
    starts = chunk_starts(total, chunk_rows, tapered=tapered)
    return [end - start for start, end in zip(starts, [*starts[1:], total], strict=True)]


def test_csv_chunks_taper_to_small_last_chunks() -> None:
    sizes = _sizes(1_000_000, 250_000, True)
    assert sizes[:3] == [250_000, 187_500, 140_625]
    assert sizes == sorted(sizes, reverse=True)
    assert max(sizes[-4:]) == 31_250  # the chunks finishing last are an eighth of a full one
    assert len(sizes) == 12


def test_pdf_chunks_are_uniform() -> None:
    assert _sizes(40, 15, False) == [15, 15, 10]


@pytest.mark.parametrize("tapered", [True, False])
def test_nothing_to_cut(tapered: bool) -> None:
    assert chunk_starts(0, 10, tapered=tapered) == []
    assert chunk_starts(1, 10, tapered=tapered) == [0]


@given(st.integers(1, 100_000), st.integers(1, 5_000), st.booleans())
def test_chunks_cover_every_row_once(total: int, chunk_rows: int, tapered: bool) -> None:
    sizes = _sizes(total, chunk_rows, tapered)
    assert sum(sizes) == total
    assert all(0 < size <= chunk_rows for size in sizes)
