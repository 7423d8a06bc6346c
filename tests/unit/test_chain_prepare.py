"""store/chain.prepare + link give the hashes the chain's definition gives (domain/chain.py), the
one verify-chain recomputes from stored rows — for any family values."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clickproof.domain.chain import (
    CHAIN_VERSION,
    LEGACY_VERSION,
    PersonalPart,
    link_hash,
    pii_hash,
    record_json,
    sha256_hex,
)
from clickproof.store.chain import LINK_COLUMNS, PREPARED_COLUMNS, PreparedActivity, link, prepare
from tests.evidence_fixtures import fixed_activity

VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
FAMILY = st.dictionaries(st.text(max_size=8), VALUES, max_size=4)


@settings(max_examples=150, deadline=None)
@given(
    custom=FAMILY,
    render=FAMILY,
    signer=st.one_of(st.none(), st.text(max_size=20)),
    record=st.one_of(st.none(), FAMILY),
    seq=st.integers(1, 10**9),
)
def test_prepared_hashes_are_the_chain_definition(
    custom: dict[str, object],
    render: dict[str, object],
    signer: str | None,
    record: dict[str, object] | None,
    seq: int,
) -> None:
    activity = fixed_activity(
        custom_data=custom, render_data=render, signer_id=signer, signer_properties=record
    )
    for dialect in ("sqlite", "postgresql"):
        row = _row(prepare(activity, dialect), seq)
        assert row["record_version"] == CHAIN_VERSION
        connection = json.loads(row["connection_data"])
        assert json.loads(row["custom_data"]) == json.loads(json.dumps(custom))
        stored = None if row["signer_properties"] is None else json.loads(row["signer_properties"])
        assert stored == json.loads(json.dumps(record))
        expected_pii = pii_hash(PersonalPart(row["pii_salt"], signer, connection, custom, render, stored))
        assert row["pii_hash"] == expected_pii
        fields = {**_record_fields(activity), "chain_seq": seq, "record_version": row["record_version"]}
        assert row["content_hash"] == sha256_hex(record_json(fields, expected_pii))
        assert row["chain_hash"] == link_hash("f" * 64, row["content_hash"])


def test_the_signer_record_is_inside_the_hashed_personal_part() -> None:
    """Changing the signer record as of an activity changes its pii_hash: it cannot be rewritten
    without breaking the chain."""
    activity = fixed_activity()
    row = _row(prepare(activity, "sqlite"), 1)
    connection = json.loads(row["connection_data"])
    part = PersonalPart(
        row["pii_salt"],
        activity.signer_id,
        connection,
        activity.custom_data,
        activity.render_data,
        activity.signer_properties,
    )
    assert pii_hash(part) == row["pii_hash"]
    changed = replace(
        part, signer_properties={**(activity.signer_properties or {}), "last_name": "Smith-Lee"}
    )
    assert pii_hash(changed) != row["pii_hash"]
    assert pii_hash(replace(part, signer_properties=None)) != row["pii_hash"]


def test_legacy_format_is_the_record_before_signer_snapshots() -> None:
    """Format 1 (rows chained before signer snapshots) hashes as it always did: no signer record,
    `v` 1, record_version stored as null."""
    activity = fixed_activity(signer_properties=None)
    row = _row(prepare(activity, "sqlite", LEGACY_VERSION), 7)
    assert row["record_version"] is None and row["signer_properties"] is None
    connection = json.loads(row["connection_data"])
    old_pii = sha256_hex(
        json.dumps(
            {
                "salt": row["pii_salt"],
                "signer_id": activity.signer_id,
                "connection_data": connection,
                "custom_data": activity.custom_data,
                "render_data": activity.render_data,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
    )
    assert row["pii_hash"] == old_pii
    record = record_json({**_record_fields(activity), "chain_seq": 7}, old_pii)
    assert json.loads(record)["v"] == 1
    assert row["content_hash"] == sha256_hex(record)


def _row(prepared: PreparedActivity, seq: int) -> dict[str, Any]:
    return dict(zip(PREPARED_COLUMNS + LINK_COLUMNS, link(prepared, seq, "f" * 64), strict=True))


def _record_fields(activity: object) -> dict[str, object]:
    names = (
        "id", "uuid", "account_id", "site_id", "group_id", "contract_id", "version_id", "version_number",
        "event_type", "execution_method", "batch", "session", "created_time", "event_time", "test_mode", "source",
    )  # fmt: skip
    return {name: getattr(activity, name) for name in names}
