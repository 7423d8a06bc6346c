"""Bulk import of activities from JSONL or CSV (including Ironclad's own CSV exports).

The file is read once: every row is validated (nothing is written if any row fails; errors
carry line numbers) and kept (services/row_spool: in memory while few, then in a private temp
file); then the rows are written through the hash chain in transactions of `batch_size` rows.
Rows whose id is stored already are skipped, so importing a file again adds nothing and an
interrupted import is finished by running it again.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import Engine

from clickproof.domain.activity import Activity
from clickproof.domain.import_row import ImportRow, RowError, check_columns, from_csv, parse_row
from clickproof.domain.timestamps import utc_now
from clickproof.errors import FieldProblem, ValidationError
from clickproof.services.catalog_cache import SiteCatalog, load_site_catalog
from clickproof.services.row_spool import RowSpool
from clickproof.store import chain
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore
from clickproof.store.tenants import Site

MAX_REPORTED_ERRORS = 100
MEMORY_ROWS = 50_000  # validated rows kept in memory; more go to a private temp file
DEFAULT_BATCH_ROWS = 10_000
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


def read_documents(stream: TextIO, fmt: ImportFormat) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(line number, row document or the error that makes it unreadable), in file order."""
    if fmt is ImportFormat.JSONL:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError as exc:
                yield number, RowError(None, f"not valid JSON: {str(exc)[:100]}")
                continue
            yield number, doc if isinstance(doc, dict) else RowError(None, "each line must be a JSON object")
        return
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        return
    if len(set(header)) != len(header):
        yield 1, RowError(None, "the header names a column twice")
        return
    try:
        check_columns(header)
    except RowError as exc:
        yield 1, exc
        return
    previous = reader.line_num
    for cells in reader:
        start, previous = previous + 1, reader.line_num
        if not cells:
            continue
        if len(cells) != len(header):
            yield start, RowError(None, f"{len(cells)} cells for {len(header)} columns")
            continue
        yield start, from_csv(dict(zip(header, cells, strict=True)))


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


class ImportService:
    def __init__(self, engine: Engine, catalog: CatalogStore, store: ActivityStore) -> None:
        self.engine = engine
        self.catalog = catalog
        self.store = store

    def run(
        self, site: Site, opener: Opener, fmt: ImportFormat, batch_size: int = DEFAULT_BATCH_ROWS
    ) -> ImportReport:
        snapshot = load_site_catalog(self.catalog, site.access_id)
        if snapshot is None:
            raise ImportRejectedError("the site does not exist", field="site_id")
        site_catalog = _SiteCatalog(snapshot)
        valid: RowSpool[Activity] = RowSpool(MEMORY_ROWS)
        try:
            rows = self._validate(site, opener, fmt, site_catalog, valid)
            imported = 0
            batch: list[Activity] = []
            for activity in valid:
                batch.append(activity)
                if len(batch) >= batch_size:
                    imported += self._write(site, batch)
                    batch = []
            if batch:
                imported += self._write(site, batch)
        finally:
            valid.close()
        return ImportReport(rows, imported, rows - imported)

    def _rows(self, opener: Opener, fmt: ImportFormat) -> Iterator[tuple[int, ImportRow | RowError]]:
        with opener() as stream:
            try:
                for line, doc in read_documents(stream, fmt):
                    if isinstance(doc, RowError):
                        yield line, doc
                        continue
                    try:
                        yield line, parse_row(doc)
                    except RowError as exc:
                        yield line, exc
            except UnicodeDecodeError:
                yield 0, RowError(None, "the file is not valid UTF-8")

    def _validate(
        self,
        site: Site,
        opener: Opener,
        fmt: ImportFormat,
        site_catalog: _SiteCatalog,
        valid: RowSpool[Activity],
    ) -> int:
        """Check every row; returns the row count. The valid rows go to `valid` as the activities
        to write, in file order."""
        now = utc_now()
        problems: list[FieldProblem] = []
        seen: set[str] = set()
        pending: list[tuple[int, str]] = []
        count = 0

        def add(line: int, error: RowError) -> None:
            if len(problems) < MAX_REPORTED_ERRORS:
                problems.append(
                    FieldProblem("invalid_row", error.field, f"line {line}: {error.message}", line)
                )

        def check_foreign() -> None:
            owners = self.store.owners([i for _, i in pending])
            for line, activity_id in pending:
                if activity_id in owners and owners[activity_id] != site.id:
                    add(line, RowError("id", f"activity {activity_id} belongs to another site"))
            pending.clear()

        for line, row in self._rows(opener, fmt):
            count += 1
            if isinstance(row, RowError):
                add(line, row)
                continue
            try:
                version_number = site_catalog.check(row)
                if row.id in seen:
                    raise RowError("id", f"activity {row.id} appears twice in the file")
            except RowError as exc:
                add(line, exc)
                continue
            seen.add(row.id)
            if not problems:  # once a row is invalid nothing is written: stop keeping rows
                valid.append(_activity(site, row, version_number, now))
            pending.append((line, row.id))
            if len(pending) >= 500:
                check_foreign()
        if pending:
            check_foreign()
        if problems:
            first = problems[0]
            raise ImportRejectedError(
                f"nothing was imported: {len(problems)}{'+' if len(problems) >= MAX_REPORTED_ERRORS else ''} "
                f"rows are invalid; first: {first.message}",
                field=first.field,
                problems=problems,
            )
        return count

    def _write(self, site: Site, batch: list[Activity]) -> int:
        """One atomic batch: lock the chain, drop rows stored already, append the rest."""
        with self.engine.begin() as conn:
            chain.lock_head(conn, site.id, utc_now())
            existing = self.store.existing_ids(conn, [a.id for a in batch])
            fresh = [a for a in batch if a.id not in existing]
            return self.store.insert_many(conn, fresh) if fresh else 0


def _activity(site: Site, row: ImportRow, version_number: int, now: datetime) -> Activity:
    """The activity a valid row stores (created now unless the row says when)."""
    return Activity(
        id=row.id,
        uuid=row.uuid or str(uuid.uuid4()),
        account_id=site.account_id,
        site_id=site.id,
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
