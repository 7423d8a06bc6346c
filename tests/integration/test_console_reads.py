"""The console's own reads (store/console_reads.py) and the signer standing built on them, on
SQLite and PostgreSQL, checked against the stores the API answers from."""

from __future__ import annotations

from collections import Counter
from typing import Any

from clickproof.bootstrap import System
from clickproof.query.parse import parse_filter
from clickproof.query.sql import STANDARD_COLUMNS, compile_filter
from clickproof.services.demo_data import DemoResult
from clickproof.services.signer_standing import SignerStanding
from clickproof.store.console_reads import ConsoleReads
from clickproof.store.tables import signers


def _agreed(system: System, site_id: int) -> list[Any]:
    where = compile_filter(parse_filter({"event_type": "agreed"}), system.engine.dialect.name)
    rows, _total = system.activities.page(
        site_id, where, [STANDARD_COLUMNS["created_time"].asc()], offset=0, limit=10_000
    )
    return rows


def test_signers_are_found_by_email_without_regard_to_case(system: System, demo: DemoResult) -> None:
    reads = ConsoleReads(system.engine)
    rows, _total = system.catalog.store.page(signers, demo.site_id, offset=0, limit=1)
    signer = rows[0]
    email = str(signer.properties["email"])
    assert [r.signer_id for r in reads.signers_by_email(demo.site_id, email.upper(), 10)] == [
        signer.signer_id
    ]
    assert reads.signers_by_email(demo.site_id, "nobody@example.com", 10) == []
    assert reads.signers_by_email(demo.site_id + 1, email, 10) == []


def test_standing_and_counts_agree_with_the_stored_acceptances(system: System, demo: DemoResult) -> None:
    reads = ConsoleReads(system.engine)
    site = system.tenants.site(demo.site_id)
    assert site is not None
    agreed = _agreed(system, demo.site_id)
    per_version = Counter((a.contract_id, a.version_id) for a in agreed)
    for contract_id in {c for c, _v in per_version}:
        counts = reads.acceptance_counts(demo.site_id, contract_id)
        assert counts == {v: n for (c, v), n in per_version.items() if c == contract_id}
    standing = SignerStanding(system.catalog, system.activities, reads)
    signer_ids = sorted({a.signer_id for a in agreed if a.signer_id})[:15]
    assert signer_ids
    for signer_id in signer_ids:
        mine = [a for a in agreed if a.signer_id == signer_id]
        latest_accepted = system.activities.accepted_versions(demo.site_id, signer_id, None)
        for s in standing.of(site, signer_id):
            cid = int(s.contract.id)
            assert sum(a.count for a in s.accepted) == sum(1 for a in mine if a.contract_id == cid)
            if cid in latest_accepted:
                assert s.current is not None and s.current.version_id == latest_accepted[cid][0]
                assert s.newest_published is not None
                assert s.accepted_newest == (latest_accepted[cid][0] == s.newest_published.id)
            else:
                assert s.current is None and not s.accepted_newest


def test_an_activity_knows_its_neighbours_in_the_chain(system: System, demo: DemoResult) -> None:
    reads = ConsoleReads(system.engine)
    before, after, head = reads.chain_neighbours(demo.site_id, 2)
    assert head == system.activities.count(demo.site_id)
    assert before is not None and after is not None
    first = system.activities.get(demo.site_id, before)
    assert first is not None and first.chain_seq == 1
    assert reads.chain_neighbours(demo.site_id, 1)[0] is None
    assert reads.chain_neighbours(demo.site_id, head)[1] is None
