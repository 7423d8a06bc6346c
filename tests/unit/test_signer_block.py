"""The certificate's signer section comes from the activity's own record: what it recorded, or a
plain statement that nothing was recorded; never anything else."""

from __future__ import annotations

import json

from clickproof.evidence.record import build_record
from clickproof.evidence.signer_block import LATER_CHANGES, NOT_RECORDED, UPDATE_NOTE, signer_rows
from tests.evidence_fixtures import fixed_activity, fixed_context


def test_the_recorded_signer_is_printed_reserved_properties_first() -> None:
    activity = fixed_activity(
        signer_properties={"last_name": "Lee", "email": "ann@example.com", "tier": "gold"}
    )
    rows = dict(signer_rows(activity))
    assert list(rows)[:9] == [
        "signer id",
        "email",
        "first name",
        "last name",
        "name",
        "company name",
        "title",
        "mobile number",
        "tier",
    ]
    assert (rows["email"], rows["last name"], rows["first name"], rows["tier"]) == (
        "ann@example.com",
        "Lee",
        None,
        "gold",
    )
    assert rows["later changes"] == LATER_CHANGES


def test_no_recorded_signer_says_so_and_shows_no_values() -> None:
    rows = signer_rows(fixed_activity(signer_properties=None))
    assert rows == [("signer id", "user000042@example.com"), ("signer record", NOT_RECORDED)]
    assert signer_rows(fixed_activity(signer_properties=None, signer_id=None)) == [("signer id", None)]


def test_an_update_names_the_record_it_left() -> None:
    rows = dict(signer_rows(fixed_activity(event_type="updated", signer_properties={"title": "CTO"})))
    assert rows["signer record"] == UPDATE_NOTE and rows["title"] == "CTO"


def test_an_activity_without_a_contract_has_no_accepted_text() -> None:
    activity = fixed_activity(
        event_type="updated", contract_id=None, version_id=None, version_number=None, group_id=None
    )
    context = fixed_context(
        contract_id=None, contract_title=None, version=None, group_id=None, group_title=None
    )
    record = build_record(activity, context, export=None)
    assert record.contract_text is None
    assert record.certificate["title"] == "Record of a signer record change"
    agreement = next(s for s in record.certificate["sections"] if s["title"] == "Agreement")
    assert agreement["rows"][1][0] == "agreement" and "concerns no contract" in str(agreement["rows"][1][1])
    context_doc = json.loads(record.context_json)
    assert (context_doc["contract"], context_doc["version"]) == (None, None)
    assert "signer_properties" not in context_doc
    assert json.loads(record.activity_json)["signer_properties"] == activity.signer_properties
