"""Sends, imports and the migration backfill against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select

from clickproof.bootstrap import System, build_system
from clickproof.domain.fields import Family
from clickproof.domain.send_request import parse_lookup, parse_send
from clickproof.services import imports
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult, seed_demo
from clickproof.services.imports import ImportFormat
from clickproof.store.activities import ActivityStore
from clickproof.store.chain import family_fields
from clickproof.store.chain_verify import verify_site
from clickproof.store.database import alembic_config, create_db_engine
from clickproof.store.tables import activities, chain_heads, versions
from clickproof.store.tenants import Site
from tests.conftest import make_settings
from tests.support.postgres import scratch_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'clickproof.db'}"
        return
    with scratch_database() as url:
        yield url


@pytest.fixture
def system(database_url: str, tmp_path: Path) -> Iterator[System]:
    built = build_system(make_settings(tmp_path / "home", database_url=database_url))
    yield built
    built.close()


def test_concurrent_sends_share_commits_and_keep_the_chain(system: System) -> None:
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=50, seed=2)
    errors: list[BaseException] = []

    def sender(index: int) -> None:
        try:
            for n in range(15):
                params = {"sid": DEMO_SITE_ACCESS_ID, "sig": f"s{index}-{n}", "et": "agreed", "cid": "1,2"}
                system.ingest.send(parse_send(params))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_site(system.engine, demo.site_id)
    assert report.ok and report.links == 50 + 6 * 15 * 2
    lookup = parse_lookup({"sid": DEMO_SITE_ACCESS_ID, "sig": "s0-0", "cid": "1,2,3"})
    assert system.ingest.latest(lookup) == {"1": True, "2": True, "3": False}


def test_import_twice_adds_nothing(system: System) -> None:
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=0, seed=2)
    site = system.tenants.site(demo.site_id)
    assert site is not None
    with system.engine.connect() as conn:
        version = conn.execute(select(versions.c.id).where(versions.c.contract_id == 1).limit(1)).scalar_one()
    text = "".join(
        json.dumps({"id": f"{i + 1:024x}", "event_type": "displayed", "contract": 1, "version": version})
        + "\n"
        for i in range(120)
    )
    for expected in (120, 0):
        report = system.imports.run(site, lambda: io.StringIO(text), ImportFormat.JSONL, batch_size=50)
        assert (report.rows, report.imported, report.skipped) == (120, expected, 120 - expected)
    assert verify_site(system.engine, demo.site_id).links == 120


def import_lines(system: System, count: int) -> tuple[DemoResult, Site, list[str]]:
    """A demo site without activities and `count` JSONL rows for it, ids 1, 2, 3, …"""
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=0, seed=2)
    site = system.tenants.site(demo.site_id)
    assert site is not None
    with system.engine.connect() as conn:
        version = conn.execute(select(versions.c.id).where(versions.c.contract_id == 1).limit(1)).scalar_one()
    lines = [
        json.dumps({"id": f"{i + 1:024x}", "event_type": "displayed", "contract": 1, "version": version})
        + "\n"
        for i in range(count)
    ]
    return demo, site, lines


@pytest.mark.parametrize("in_process_rows", [imports.IN_PROCESS_ROWS, 300], ids=["here", "children"])
def test_a_file_larger_than_memory_is_read_once_and_written_in_order(
    system: System, monkeypatch: pytest.MonkeyPatch, in_process_rows: int
) -> None:
    monkeypatch.setattr(imports, "MEMORY_ROWS", 7)  # the valid rows go to the spool file
    system.imports.in_process_rows = in_process_rows  # 300: the other rows validated in children
    demo, site, lines = import_lines(system, 2_345)
    opened = 0

    def opener() -> io.StringIO:
        nonlocal opened
        opened += 1
        return io.StringIO("".join(lines))

    bad = [
        *lines[:2_000],
        '{"id": "nope"}\n',
        *lines[2_000:2_100],
        '{"id": "nan", "x": NaN}\n',
        *lines[2_100:],
    ]
    bad[2_050] = bad[2_050].replace('"displayed"', '"displayed", "custom_data": {"n": NaN}')
    with pytest.raises(imports.ImportRejectedError) as rejected:
        system.imports.run(site, lambda: io.StringIO("".join(bad)), ImportFormat.JSONL, batch_size=500)
    assert "line 2001" in rejected.value.message and system.activities.count(demo.site_id) == 0
    assert [(p.line, p.field) for p in rejected.value.problems] == [(2001, "id"), (2051, None), (2102, "x")]
    assert "finite" in rejected.value.problems[1].message
    report = system.imports.run(site, opener, ImportFormat.JSONL, batch_size=500)
    assert (report.rows, report.imported, opened) == (2_345, 2_345, 1)
    with system.engine.connect() as conn:
        ids = conn.execute(select(activities.c.id).order_by(activities.c.chain_seq)).scalars().all()
    assert ids == [f"{i + 1:024x}" for i in range(2_345)]
    assert verify_site(system.engine, demo.site_id).ok


def test_migration_chains_rows_written_before_it(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), "0001")
        from tests.integration.legacy_rows import write_legacy_rows

        site_id = write_legacy_rows(engine, 25)
        command.upgrade(alembic_config(engine), "head")
        report = verify_site(engine, site_id)
        assert report.ok and report.links == 25
        # 0007 recorded the kinds of the JSON values stored before it
        assert ActivityStore(engine).family_kinds(site_id) == {(Family.CUSTOM, "n"): frozenset({"number"})}
        with engine.connect() as conn:
            assert conn.execute(select(chain_heads.c.seq)).scalar_one() == 25
            assert conn.execute(
                select(activities.c.chain_seq).order_by(activities.c.created_time)
            ).scalars().all() == list(range(1, 26))
    finally:
        engine.dispose()


def test_writes_record_the_kinds_of_family_values(system: System) -> None:
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=0, seed=3)
    params = {"sid": DEMO_SITE_ACCESS_ID, "sig": "k@example.com", "et": "agreed", "cid": "1"}
    system.ingest.send(
        parse_send({**params, "cus": json.dumps({"vip": True, "seats": 3, "tags": ["a"], "gone": None})})
    )
    system.ingest.send(
        parse_send({**params, "cus": json.dumps({"seats": "many"}), "rnd": json.dumps({"plan": "pro"})})
    )
    kinds = system.activities.family_kinds(demo.site_id)
    assert kinds[(Family.CUSTOM, "vip")] == {"boolean"}
    assert kinds[(Family.CUSTOM, "seats")] == {"number", "string"}
    assert kinds[(Family.CUSTOM, "tags")] == {"array"}
    assert kinds[(Family.RENDER, "plan")] == {"string"}
    assert (Family.CUSTOM, "gone") not in kinds  # nulls have no kind: they print empty either way
    assert "gone" in system.activities.family_keys(demo.site_id, Family.CUSTOM)


def test_keys_and_kinds_of_a_rolled_back_write_are_recorded_again(system: System) -> None:
    demo = seed_demo(system.engine, system.tenants, system.activities, activities=0, seed=4)
    row = (demo.site_id, family_fields({}, {"tier": 2}, {}))
    with pytest.raises(RuntimeError), system.engine.begin() as conn:
        system.activities.record_fields(conn, [row])
        raise RuntimeError("the transaction fails after the fields were written")
    assert (Family.CUSTOM, "tier") not in system.activities.family_kinds(demo.site_id)
    with system.engine.begin() as conn:
        system.activities.record_fields(conn, [row], {demo.site_id: 0})
    assert system.activities.family_kinds(demo.site_id)[(Family.CUSTOM, "tier")] == {"number"}
    with system.engine.begin() as conn:  # known now: nothing to write
        system.activities.record_fields(conn, [row], {demo.site_id: 0})
        assert "clickproof.pending_fields" not in conn.info


def test_rows_stored_after_validation_are_skipped_when_written(system: System) -> None:
    """A concurrent import stored some rows after this one validated them: they are skipped when
    written (the check under the chain lock)."""
    demo, site, lines = import_lines(system, 300)
    system.imports.run(site, lambda: io.StringIO("".join(lines[100:150])), ImportFormat.JSONL)
    original = system.imports._validate

    def validate_then_race(*args: Any, **kwargs: Any) -> int:
        rows: int = original(*args, **kwargs)
        system.imports._validate = original  # type: ignore[method-assign]
        system.imports.run(site, lambda: io.StringIO("".join(lines[140:260])), ImportFormat.JSONL)
        return rows

    system.imports._validate = validate_then_race  # type: ignore[method-assign]
    report = system.imports.run(site, lambda: io.StringIO("".join(lines)), ImportFormat.JSONL, batch_size=200)
    assert (report.rows, report.imported) == (300, 300 - 50 - 110)
    assert system.activities.count(demo.site_id) == 300
    assert verify_site(system.engine, demo.site_id).ok
