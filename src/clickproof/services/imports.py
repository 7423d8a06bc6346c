"""Bulk import of activities from JSONL or CSV (including Ironclad's own CSV exports).

The file is read once: every row is validated (nothing is written if any row fails; errors
carry line numbers), prepared for the hash chain (store/chain.prepare: its stored values, hashes
and canonical record) and kept (services/row_spool: in memory while few, then in a private temp
file); then the rows are linked and written in transactions of `batch_size` rows. Validating
and preparing is most of the work: beyond the first rows of a file it runs in child processes,
in order (clickproof/process_pool.py).
Rows whose id is stored already are skipped, so importing a file again adds nothing and an
interrupted import is finished by running it again.
"""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from itertools import islice
from typing import Any, TextIO

from sqlalchemy import Engine

from clickproof.domain.activity import Activity
from clickproof.domain.import_row import ImportRow, RowError, check_columns, from_csv, parse_row
from clickproof.domain.timestamps import utc_now
from clickproof.errors import FieldProblem, ValidationError
from clickproof.process_pool import SpawnPool
from clickproof.services.catalog_cache import SiteCatalog, load_site_catalog
from clickproof.services.row_spool import RowSpool
from clickproof.store import chain
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore
from clickproof.store.chain import PreparedActivity, prepare
from clickproof.store.tenants import Site

MAX_REPORTED_ERRORS = 100
MEMORY_ROWS = 50_000  # validated rows kept in memory; more go to a private temp file
DEFAULT_BATCH_ROWS = 10_000
IN_PROCESS_ROWS = 20_000  # rows of a file validated here; a bigger file's others in child processes
POOL_BATCH_ROWS = 2_000
POOL_IN_FLIGHT = 4
csv.field_size_limit(16 * 1024 * 1024)


class ImportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


class ImportRejectedError(ValidationError):
    code = "import_rejected"


@dataclass(frozen=True)
class ImportReport:
    rows: int
    imported: int
    skipped: int


Opener = Callable[[], TextIO]


Item = str | list[str] | RowError  # a JSONL line, a CSV record's cells, or why it is unreadable


@dataclass(frozen=True)
class Source:
    """The rows of a file as read, before any is understood: the CSV header, then the items."""

    header: tuple[str, ...] | None
    items: Iterator[tuple[int, Item]]


def read_items(stream: TextIO, fmt: ImportFormat) -> Source:
    """(line number, item) in file order; a CSV header is checked here, once."""
    if fmt is ImportFormat.JSONL:
        return Source(None, ((n, line) for n, line in enumerate(stream, start=1) if line.strip()))
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return Source(None, iter(()))
    if len(set(header)) != len(header):
        return Source(None, iter([(1, RowError(None, "the header names a column twice"))]))
    try:
        check_columns(header)
    except RowError as exc:
        return Source(None, iter([(1, exc)]))

    def records() -> Iterator[tuple[int, Item]]:
        previous = reader.line_num
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if not cells:
                continue
            if len(cells) != len(header):
                yield start, RowError(None, f"{len(cells)} cells for {len(header)} columns")
                continue
            yield start, cells

    return Source(tuple(header), records())


def _document(item: str | list[str], header: tuple[str, ...] | None) -> dict[str, Any]:
    if isinstance(item, list):
        assert header is not None, "CSV cells come with their header"
        return from_csv(dict(zip(header, item, strict=True)))
    try:
        doc = json.loads(item)
    except ValueError as exc:
        raise RowError(None, f"not valid JSON: {str(exc)[:100]}") from None
    if not isinstance(doc, dict):
        raise RowError(None, "each line must be a JSON object")
    return doc


class _SiteCatalog:
    """The site's contracts, versions and groups, loaded once per import."""

    def __init__(self, snapshot: SiteCatalog) -> None:
        self.contracts = snapshot.contracts
        self.versions = snapshot.versions
        self.groups = set(snapshot.groups_by_id)

    def check(self, row: ImportRow) -> int:
        """The row's version number, once its references are known to exist on the site."""
        if row.contract_id not in self.contracts:
            raise RowError("contract", f"no contract {row.contract_id} on this site")
        version = self.versions.get(row.version_id)
        if version is None or version[0] != row.contract_id:
            raise RowError(
                "version", f"version {row.version_id} is not a version of contract {row.contract_id}"
            )
        if row.version_number is not None and row.version_number != version[1]:
            raise RowError("version_number", f"version {row.version_id} has number {version[1]}")
        if row.group_id is not None and row.group_id not in self.groups:
            raise RowError("group", f"no group {row.group_id} on this site")
        return version[1]


@dataclass(frozen=True)
class RowContext:
    """What validating and preparing a row needs: the same in this process and in a child."""

    header: tuple[str, ...] | None
    catalog: _SiteCatalog
    account_id: int
    site_id: int
    dialect: str
    now: datetime


def validate_rows(
    context: RowContext, items: list[tuple[int, Item]]
) -> list[tuple[int, PreparedActivity | RowError]]:
    """Each item validated against the site's catalogue and prepared for the chain (pure: runs in
    child processes for big files)."""
    out: list[tuple[int, PreparedActivity | RowError]] = []
    for line, item in items:
        if isinstance(item, RowError):
            out.append((line, item))
            continue
        try:
            row = parse_row(_document(item, context.header))
            version_number = context.catalog.check(row)
            activity = _activity(context.account_id, context.site_id, row, version_number, context.now)
            try:
                out.append((line, prepare(activity, context.dialect)))
            except ValueError:
                raise RowError(None, "numbers must be finite (no NaN or Infinity)") from None
        except RowError as exc:
            out.append((line, exc))
    return out


class ImportService:
    def __init__(self, engine: Engine, catalog: CatalogStore, store: ActivityStore) -> None:
        self.engine = engine
        self.catalog = catalog
        self.store = store
        self.pool = SpawnPool(os.cpu_count() or 2)
        self.in_process_rows = IN_PROCESS_ROWS

    def close(self) -> None:
        self.pool.close()

    def run(
        self, site: Site, opener: Opener, fmt: ImportFormat, batch_size: int = DEFAULT_BATCH_ROWS
    ) -> ImportReport:
        snapshot = load_site_catalog(self.catalog, site.access_id)
        if snapshot is None:
            raise ImportRejectedError("the site does not exist", field="site_id")
        valid: RowSpool[PreparedActivity] = RowSpool(MEMORY_ROWS)
        try:
            rows = self._validate(site, opener, fmt, _SiteCatalog(snapshot), valid)
            imported = 0
            batch: list[PreparedActivity] = []
            for prepared in valid:
                batch.append(prepared)
                if len(batch) >= batch_size:
                    imported += self._write(site, batch)
                    batch = []
            if batch:
                imported += self._write(site, batch)
        finally:
            valid.close()
        return ImportReport(rows, imported, rows - imported)

    def _rows(
        self, opener: Opener, fmt: ImportFormat, site: Site, site_catalog: _SiteCatalog
    ) -> Iterator[tuple[int, PreparedActivity | RowError]]:
        """Every row validated and prepared, in file order: the first rows here, the rest of a
        big file in child processes (reading stays here)."""
        with opener() as stream:
            try:
                source = read_items(stream, fmt)
                context = RowContext(
                    source.header,
                    site_catalog,
                    site.account_id,
                    site.id,
                    self.engine.dialect.name,
                    utc_now(),
                )
                first = list(islice(source.items, self.in_process_rows))
                rest = None
                if len(first) == self.in_process_rows:  # maybe more: children start on them now
                    rest = self.pool.map_batches(
                        partial(validate_rows, context), source.items, POOL_BATCH_ROWS, POOL_IN_FLIGHT
                    )
                yield from validate_rows(context, first)
                if rest is not None:
                    yield from rest
            except UnicodeDecodeError:
                yield 0, RowError(None, "the file is not valid UTF-8")

    def _validate(
        self,
        site: Site,
        opener: Opener,
        fmt: ImportFormat,
        site_catalog: _SiteCatalog,
        valid: RowSpool[PreparedActivity],
    ) -> int:
        """Check every row; returns the row count. The valid rows go to `valid`, prepared for the
        chain, in file order."""
        problems: list[FieldProblem] = []
        seen: set[str] = set()
        count = 0

        def add(line: int, error: RowError) -> None:
            if len(problems) < MAX_REPORTED_ERRORS:
                problems.append(
                    FieldProblem("invalid_row", error.field, f"line {line}: {error.message}", line)
                )

        for line, row in self._rows(opener, fmt, site, site_catalog):
            count += 1
            if isinstance(row, RowError):
                add(line, row)
                continue
            activity_id = row.activity_id
            if activity_id in seen:
                add(line, RowError("id", f"activity {activity_id} appears twice in the file"))
                continue
            seen.add(activity_id)
            if not problems:  # once a row is invalid nothing is written: stop keeping rows
                valid.append(row)
        if problems:
            first = problems[0]
            raise ImportRejectedError(
                f"nothing was imported: {len(problems)}{'+' if len(problems) >= MAX_REPORTED_ERRORS else ''} "
                f"rows are invalid; first: {first.message}",
                field=first.field,
                problems=problems,
            )
        return count

    def _write(self, site: Site, batch: list[PreparedActivity]) -> int:
        """One atomic batch: lock the chain, drop rows stored already, append the rest."""
        with self.engine.begin() as conn:
            chain.lock_head(conn, site.id, utc_now())
            existing = self.store.existing_ids(conn, site.id, [p.activity_id for p in batch])
            fresh = [p for p in batch if p.activity_id not in existing]
            return self.store.insert_many(conn, fresh, ids_checked=True) if fresh else 0


def _activity(account_id: int, site_id: int, row: ImportRow, version_number: int, now: datetime) -> Activity:
    """The activity a valid row stores (created now unless the row says when)."""
    return Activity(
        id=row.id,
        uuid=row.uuid or str(uuid.uuid4()),
        account_id=account_id,
        site_id=site_id,
        signer_id=row.signer_id,
        group_id=row.group_id,
        contract_id=row.contract_id,
        version_id=row.version_id,
        version_number=version_number,
        event_type=row.event_type,
        execution_method=row.execution_method,
        batch=row.batch,
        session=row.session,
        created_time=row.created_time or now,
        event_time=row.event_time,
        test_mode=row.test_mode,
        connection_data=row.connection_data,
        custom_data=row.custom_data,
        render_data=row.render_data,
        source="import",
    )
