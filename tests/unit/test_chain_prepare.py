"""store/chain.prepare + link give the hashes the chain's definition gives (domain/chain.py), the
one verify-chain recomputes from stored rows — for any family values."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from clickproof.domain.chain import PersonalPart, link_hash, pii_hash, record_json, sha256_hex
from clickproof.store.chain import LINK_COLUMNS, PREPARED_COLUMNS, link, prepare
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
    custom=FAMILY, render=FAMILY, signer=st.one_of(st.none(), st.text(max_size=20)), seq=st.integers(1, 10**9)
)
def test_prepared_hashes_are_the_chain_definition(
    custom: dict[str, object], render: dict[str, object], signer: str | None, seq: int
) -> None:
    activity = replace(fixed_activity(custom_data=custom, render_data=render), signer_id=signer)
    for dialect in ("sqlite", "postgresql"):
        prepared = prepare(activity, dialect)
        row = dict(zip(PREPARED_COLUMNS + LINK_COLUMNS, link(prepared, seq, "f" * 64), strict=True))
        connection = json.loads(row["connection_data"])
        assert json.loads(row["custom_data"]) == json.loads(json.dumps(custom))
        expected_pii = pii_hash(PersonalPart(row["pii_salt"], signer, connection, custom, render))
        assert row["pii_hash"] == expected_pii
        record = record_json({**_record_fields(activity), "chain_seq": seq}, expected_pii)
        assert row["content_hash"] == sha256_hex(record)
        assert row["chain_hash"] == link_hash("f" * 64, row["content_hash"])


def _record_fields(activity: object) -> dict[str, object]:
    names = (
        "id", "uuid", "account_id", "site_id", "group_id", "contract_id", "version_id", "version_number",
        "event_type", "execution_method", "batch", "session", "created_time", "event_time", "test_mode", "source",
    )  # fmt: skip
    return {name: getattr(activity, name) for name in names}
