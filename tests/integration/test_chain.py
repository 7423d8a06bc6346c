"""The hash chain against real databases: a fresh demo verifies; any change, insertion or deletion
is found and named; erasure keeps it verifiable; concurrent writers never fork it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from clickproof.bootstrap import System, build_system
from clickproof.domain.activity import Activity
from clickproof.domain.object_id import new_object_id
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult, seed_demo
from clickproof.store.chain_verify import verify_site
from clickproof.store.tables import activities, chain_heads
from tests.conftest import make_settings
from tests.support.postgres import scratch_database


@pytest.fixture(params=["sqlite", "postgresql"])
def any_system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    if request.param == "sqlite":
        built = build_system(make_settings(tmp_path / "home"))
        yield built
        built.close()
        return
    with scratch_database() as url:
        built = build_system(make_settings(tmp_path / "home", database_url=url))
        try:
            yield built
        finally:
            built.close()


@pytest.fixture
def seeded(any_system: System) -> DemoResult:
    return seed_demo(any_system.engine, any_system.tenants, any_system.activities, activities=300, seed=5)


def nth(system: System, site_id: int, seq: int) -> str:
    with system.engine.connect() as conn:
        return str(
            conn.execute(
                select(activities.c.id).where(activities.c.site_id == site_id, activities.c.chain_seq == seq)
            ).scalar_one()
        )


def tamper(system: System, statement: object) -> None:
    with system.engine.begin() as conn:
        conn.execute(statement)  # type: ignore[call-overload]


def test_a_fresh_demo_database_verifies(any_system: System, seeded: DemoResult) -> None:
    report = verify_site(any_system.engine, seeded.site_id)
    assert report.ok, report
    assert report.links == 300 and len(report.head_hash) == 64


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"event_type": "disagreed"}, "record was changed"),
        ({"created_time": utc_now()}, "record was changed"),
        ({"custom_data": {"vip": True}}, "personal data"),
        ({"signer_id": "someone.else@example.com"}, "personal data"),
        ({"content_hash": "0" * 64}, "record was changed"),
    ],
)
def test_a_changed_row_is_named(
    any_system: System, seeded: DemoResult, change: dict[str, object], expected: str
) -> None:
    victim = nth(any_system, seeded.site_id, 120)
    tamper(any_system, update(activities).where(activities.c.id == victim).values(**change))
    report = verify_site(any_system.engine, seeded.site_id)
    assert not report.ok and report.broken_seq == 120 and report.broken_id == victim
    assert expected in (report.problem or "")
    assert report.links == 119


def test_a_deleted_row_is_found(any_system: System, seeded: DemoResult) -> None:
    tamper(any_system, delete(activities).where(activities.c.chain_seq == 50))
    report = verify_site(any_system.engine, seeded.site_id)
    assert not report.ok and report.broken_seq == 51 and "deleted or inserted" in (report.problem or "")


def test_a_deleted_tail_is_found(any_system: System, seeded: DemoResult) -> None:
    tamper(any_system, delete(activities).where(activities.c.chain_seq == 300))
    report = verify_site(any_system.engine, seeded.site_id)
    assert not report.ok and "head" in (report.problem or "")


def test_a_row_written_around_the_chain_is_found(any_system: System, seeded: DemoResult) -> None:
    with any_system.engine.connect() as conn:
        row = conn.execute(select(activities).where(activities.c.chain_seq == 1)).one()._asdict()
    row.update(id=new_object_id(), chain_seq=None)
    tamper(any_system, insert(activities).values(**row))
    report = verify_site(any_system.engine, seeded.site_id)
    assert not report.ok and report.broken_id == row["id"] and "outside the chain" in (report.problem or "")


def test_a_forged_head_is_found(any_system: System, seeded: DemoResult) -> None:
    tamper(any_system, update(chain_heads).values(hash="f" * 64))
    assert not verify_site(any_system.engine, seeded.site_id).ok


def test_erasure_keeps_the_chain_verifiable(any_system: System, seeded: DemoResult) -> None:
    site = any_system.tenants.site(seeded.site_id)
    assert site is not None
    with any_system.engine.connect() as conn:
        signer = conn.execute(
            select(activities.c.signer_id).where(activities.c.signer_id.is_not(None)).limit(1)
        ).scalar_one()
    result = any_system.catalog.erase(
        site, {"signer_id": signer, "reason": "request 7"}, requested_by="dpo@example.com"
    )
    assert result["activities"] >= 1
    assert verify_site(any_system.engine, seeded.site_id).ok
    with any_system.engine.connect() as conn:
        left = conn.execute(select(activities).where(activities.c.erased_time.is_not(None))).all()
    assert all(r.signer_id is None and r.custom_data == {} and r.pii_salt is None for r in left)
    # Putting data back on an erased row is a change like any other.
    tamper(any_system, update(activities).where(activities.c.id == left[0].id).values(signer_id="x"))
    assert not verify_site(any_system.engine, seeded.site_id).ok


def test_concurrent_writers_keep_one_chain(any_system: System, seeded: DemoResult) -> None:
    with any_system.engine.connect() as conn:
        template = conn.execute(select(activities).limit(1)).one()._asdict()
    fields = {k: template[k] for k in Activity.__dataclass_fields__ if k in template}
    base = Activity(**fields)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(10):
                batch = [replace(base, id=new_object_id(), created_time=utc_now()) for _ in range(5)]
                with any_system.engine.begin() as conn:
                    any_system.activities.insert_many(conn, batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_site(any_system.engine, seeded.site_id)
    assert report.ok, report
    assert report.links == 300 + 4 * 10 * 5
