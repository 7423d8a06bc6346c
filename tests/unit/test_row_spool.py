"""The import's row spool: rows come back in order, whether kept in memory or in a temp file."""

from dataclasses import dataclass

import pytest

from clickproof.services import row_spool
from clickproof.services.row_spool import RowSpool


@dataclass(frozen=True)
class Row:
    n: int
    data: dict[str, object]


@pytest.mark.parametrize("count", [0, 1, 5, 6, 2_500, 3_001])
def test_rows_come_back_in_order(count: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_spool, "BLOCK_ROWS", 1_000)
    spool: RowSpool[Row] = RowSpool(memory_rows=5)
    rows = [Row(n, {"n": n, "text": "é" * (n % 7)}) for n in range(count)]
    for row in rows:
        spool.append(row)
    assert spool.count == count
    assert list(spool) == rows
    spool_file = spool._file
    assert (spool_file is not None) == (count > 5)  # past memory_rows the rows live on disk
    spool.close()
    assert spool_file is None or spool_file.closed


def test_memory_stays_bounded_past_the_limit() -> None:
    spool: RowSpool[int] = RowSpool(memory_rows=10)
    for n in range(10 * row_spool.BLOCK_ROWS):
        spool.append(n)
        assert len(spool._rows) <= max(11, row_spool.BLOCK_ROWS)
    assert sum(spool) == sum(range(10 * row_spool.BLOCK_ROWS))
    spool.close()
