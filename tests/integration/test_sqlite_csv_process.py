"""The SQLite CSV child process: straight into a local file, or through a pipe; the same bytes,
and the byte count and SHA-256 it reports are those of the bytes written."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from clickproof.bootstrap import System
from clickproof.domain.export_request import Column
from clickproof.domain.fields import CONNECTION_KEYS, STANDARD_NAMES, Family
from clickproof.domain.timestamps import utc_now
from clickproof.export.csv_query import CsvQuery, build_csv_query
from clickproof.export.hashing_writer import HashingWriter
from clickproof.export.sqlite_csv_process import ChildExportError, export_sqlite_csv
from clickproof.query.sort import parse_sort
from clickproof.services.demo_data import DemoResult
from clickproof.store.database import sqlite_file

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _query(site_id: int) -> CsvQuery:
    columns = [Column(Family.STANDARD, n) for n in STANDARD_NAMES]
    columns += [Column(Family.CONNECTION, k) for k in CONNECTION_KEYS]
    columns += [Column(Family.CUSTOM, k) for k in ("vip", "seats", "company_name")]
    return build_csv_query(
        dialect_name="sqlite",
        site_id=site_id,
        start=utc_now() - timedelta(days=200),
        end=utc_now() + timedelta(days=1),
        filter_node=None,
        sort=parse_sort(None),
        columns=columns,
    )


def _export(system: System, query: CsvQuery, target: Any, progress: list[int] | None = None) -> int:
    path = sqlite_file(system.engine)
    assert path is not None
    return export_sqlite_csv(
        system.engine,
        path,
        query.statement,
        query.columns,
        target,
        bom=True,
        on_progress=(progress.append if progress is not None else lambda _rows: None),
    )


def test_file_and_pipe_give_the_same_bytes_and_true_hashes(
    system: System, demo: DemoResult, tmp_path: Path
) -> None:
    query = _query(demo.site_id)
    path = tmp_path / "direct.csv"
    with open(path, "wb") as handle:
        direct = HashingWriter(handle)
        progress: list[int] = []
        rows = _export(system, query, direct, progress)
    piped = HashingWriter(cast(Any, io.BytesIO()))
    assert _export(system, query, piped) == rows == 400
    data = path.read_bytes()
    assert data == cast(io.BytesIO, piped.target).getvalue()
    assert direct.size == piped.size == len(data)
    assert direct.sha256() == piped.sha256() == hashlib.sha256(data).hexdigest()
    assert data.startswith("\ufeffid,".encode()) and data.count(b"\r\n") >= 401
    assert progress and progress[-1] == rows


def test_the_file_path_appends_after_what_is_already_there(
    system: System, demo: DemoResult, tmp_path: Path
) -> None:
    """A file that already holds bytes goes through the pipe path: nothing is overwritten."""
    path = tmp_path / "after.csv"
    with open(path, "wb") as handle:
        handle.write(b"existing\r\n")
        rows = _export(system, _query(demo.site_id), HashingWriter(handle))
    assert rows == 400 and path.read_bytes().startswith(b"existing\r\n\xef\xbb\xbfid,")


def test_a_failing_child_is_an_error_not_a_short_file(
    system: System, demo: DemoResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLICKPROOF_FAILPOINTS", "export.batch_written=raise")
    with open(tmp_path / "failed.csv", "wb") as handle, pytest.raises(ChildExportError):
        _export(system, _query(demo.site_id), HashingWriter(handle))
