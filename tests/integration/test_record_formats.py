"""Record formats side by side on real SQLite and PostgreSQL: rows stored before signer snapshots
(format 1) still render and verify after the migration, next to format 2 rows, before and after
an erasure; the signer record each write leaves is the one its activities record, in order."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
import pypdf
import pytest
from alembic import command
from sqlalchemy import Engine, select

from clickproof.domain.activity import Activity
from clickproof.evidence.record import build_record
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore, SignerWrite
from clickproof.store.chain_verify import verify_site
from clickproof.store.database import alembic_config, create_db_engine
from clickproof.store.erasure import erase_signer
from clickproof.store.evidence import EvidenceStore
from clickproof.store.tables import activities
from tests.integration.legacy_rows import write_legacy_rows
from tests.support.postgres import scratch_database

RENDERER = EvidencePdfRenderer()


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database whose 25 activities were written by the 0001 schema, migrated to head."""

    def build(url: str) -> Engine:
        engine = create_db_engine(url)
        command.upgrade(alembic_config(engine), "0001")
        write_legacy_rows(engine, 25)
        command.upgrade(alembic_config(engine), "head")
        return engine

    if request.param == "sqlite":
        engine = build(f"sqlite:///{tmp_path / 'clickproof.db'}")
        yield engine
        engine.dispose()
        return
    with scratch_database() as url:
        engine = build(url)
        yield engine
        engine.dispose()


def certificate(engine: Engine, activity_id: str) -> tuple[str, bytes]:
    found = EvidenceStore(engine).one(account_id=1, site_id=1, activity_id=activity_id)
    assert found is not None
    record = build_record(*found, export=None, drawable=RENDERER.drawable)
    pdf = RENDERER.render(record, timestamp=1_800_000_000)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        attached = bytes(document.attachments["activity.json"].get_file().read_bytes())
    return text.replace("\u200b", "").replace("\n", " "), attached


def new_activity(n: int, signer: str, properties: dict[str, str] | None) -> Activity:
    moment = datetime(2026, 3, 1, 12, n, tzinfo=UTC)
    return Activity(
        id=f"{0xF00000 + n:024x}",
        uuid=f"new-{n}",
        account_id=1,
        site_id=1,
        signer_id=signer,
        group_id=None,
        contract_id=1,
        version_id="a" * 24,
        version_number=1,
        event_type="agreed",
        execution_method=None,
        batch=None,
        session=None,
        created_time=moment,
        event_time=moment,
        test_mode=False,
        custom_data={"n": n},
        source="send",
        signer_properties=properties,
    )


def test_legacy_rows_render_and_verify_beside_new_ones(legacy_engine: Engine) -> None:
    legacy_id = f"{1:024x}"
    text, attached = certificate(legacy_engine, legacy_id)
    assert "signer id s0" in text and "not recorded with this activity" in text
    assert b"signer_properties" not in attached  # the activity document of a format 1 row is as it was
    with legacy_engine.connect() as conn:
        stored = conn.execute(
            select(activities.c.record_version, activities.c.signer_properties).where(
                activities.c.id == legacy_id
            )
        ).one()
    assert tuple(stored) == (None, None)

    store = ActivityStore(legacy_engine)
    with legacy_engine.begin() as conn:
        store.insert_many(conn, [new_activity(1, "s0", {"email": "s0@example.com"})])
    report = verify_site(legacy_engine, 1)
    assert report.ok and report.links == 26
    text, attached = certificate(legacy_engine, f"{0xF00001:024x}")
    assert "email s0@example.com" in text and b'"signer_properties":{"email":"s0@example.com"}' in attached

    with legacy_engine.begin() as conn:
        _erasure, count = erase_signer(
            conn, site_id=1, signer_id="s0", requested_by="test", reason="r", now=datetime.now(UTC)
        )
    assert count == 2  # the format 1 row and the format 2 row
    assert verify_site(legacy_engine, 1).ok
    text, _attached = certificate(legacy_engine, f"{0xF00001:024x}")
    assert "s0@example.com" not in text


def test_each_write_records_the_signer_as_it_leaves_it(legacy_engine: Engine) -> None:
    """In one transaction, in order: first sight creates; an acceptance does not overwrite; an
    update merges; the acceptance after it sees the merge."""
    now = datetime(2026, 3, 2, tzinfo=UTC)
    writes = [
        SignerWrite(1, "ann", {"last_name": "Lee"}, now, False),
        SignerWrite(1, "ann", {"last_name": "Ignored"}, now, False),
        SignerWrite(1, "ann", {"last_name": "Smith-Lee", "title": "CTO"}, now, True),
        SignerWrite(1, "bob", {"first_name": "Bob"}, now, True),
        SignerWrite(1, "ann", {}, now, False),
    ]
    catalog = CatalogStore(legacy_engine)
    with legacy_engine.begin() as conn:
        records = catalog.ensure_signers(conn, writes)
    assert records == [
        {"last_name": "Lee"},
        {"last_name": "Lee"},
        {"last_name": "Smith-Lee", "title": "CTO"},
        {"first_name": "Bob"},
        {"last_name": "Smith-Lee", "title": "CTO"},
    ]
    ann = catalog.signer(1, "ann")
    assert ann is not None and ann.properties == {"last_name": "Smith-Lee", "title": "CTO"}
