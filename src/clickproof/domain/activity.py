"""The activity record as stored: one event of a signer against one contract version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Activity:
    id: str
    uuid: str
    account_id: int
    site_id: int
    signer_id: str | None
    group_id: int | None
    contract_id: int | None  # None: an `updated` event about the signer record alone
    version_id: str | None
    version_number: int | None
    event_type: str
    execution_method: str | None
    batch: str | None
    session: str | None
    created_time: datetime
    event_time: datetime | None
    test_mode: bool
    connection_data: dict[str, Any] = field(default_factory=dict)
    custom_data: dict[str, Any] = field(default_factory=dict)
    render_data: dict[str, Any] = field(default_factory=dict)
    source: str | None = None  # send | import | demo: how the row came in
    # The signer record as of this activity, after the activity's own change (None: no signer,
    # or not recorded: imported rows, rows stored before snapshots).
    signer_properties: dict[str, Any] | None = None


def normalize_connection_data(raw: dict[str, Any]) -> dict[str, Any]:
    """connection_data holds JSON values as they were sent (a number stays a number); nulls are
    dropped."""
    return {str(key): value for key, value in raw.items() if value is not None}
