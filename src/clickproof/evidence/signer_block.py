"""What a certificate states about the signer: the signer record as of the activity, read from the
activity's chained record (never from today's `signers` row, which later `updated` events
change). Pure: no I/O."""

from __future__ import annotations

from typing import Any

from clickproof.domain.activity import Activity

# The reserved signer properties (domain.md §1, Signer; services/ingest.SIGNER_PROPERTIES), in
# the order printed; any other property of the record follows, sorted.
RESERVED_SIGNER_PROPERTIES = (
    "email",
    "first_name",
    "last_name",
    "name",
    "company_name",
    "title",
    "mobile_number",
)
SECTION_TITLE = "Signer, as recorded with this activity"
LATER_CHANGES = (
    "a later change of the signer record is an activity of its own (event type updated) in the "
    "signer's history; it does not change this record"
)
NOT_RECORDED = (
    "not recorded with this activity (stored before the signer record was kept with each activity, "
    "or imported); what was sent with it is under Custom data"
)
UPDATE_NOTE = "the signer record as this update left it"


def signer_rows(activity: Activity) -> list[tuple[str, Any]]:
    """(label, value) rows of the certificate's signer section."""
    rows: list[tuple[str, Any]] = [("signer id", activity.signer_id)]
    record = activity.signer_properties
    if record is None:
        if activity.signer_id is not None:
            rows.append(("signer record", NOT_RECORDED))
        return rows
    if activity.event_type == "updated":
        rows.append(("signer record", UPDATE_NOTE))
    rows += [(name.replace("_", " "), record.get(name)) for name in RESERVED_SIGNER_PROPERTIES]
    rows += [(key, record[key]) for key in sorted(record) if key not in RESERVED_SIGNER_PROPERTIES]
    rows.append(("later changes", LATER_CHANGES))
    return rows
