"""JSON shapes of activities, contracts, versions, groups, signers and erasures."""

from __future__ import annotations

from typing import Any

from clickproof.domain.timestamps import format_instant


def _time(value: Any) -> str | None:
    return None if value is None else format_instant(value)


def activity_to_wire(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "uuid": row.uuid,
        "account": row.account_id,
        "site": row.site_id,
        "signer_id": row.signer_id,
        "group": row.group_id,
        "contract": row.contract_id,
        "version": row.version_id,
        "version_number": row.version_number,
        "event_type": row.event_type,
        "execution_method": row.execution_method,
        "batch": row.batch,
        "session": row.session,
        "created_time": _time(row.created_time),
        "event_time": _time(row.event_time),
        "test_mode": bool(row.test_mode),
        "connection_data": row.connection_data,
        "custom_data": row.custom_data,
        "render_data": row.render_data,
        "signer_properties": row.signer_properties,
        "source": row.source,
        "erased_time": _time(row.erased_time),
        "chain": {
            "seq": row.chain_seq,
            "content_hash": row.content_hash,
            "pii_hash": row.pii_hash,
            "prev_hash": row.prev_hash,
            "chain_hash": row.chain_hash,
        },
    }


def contract_to_wire(row: Any, latest: tuple[str | None, str | None]) -> dict[str, Any]:
    return {
        "id": row.id,
        "site": row.site_id,
        "title": row.title,
        "key": row.key,
        "latest_version": latest[0],
        "published_version": latest[1],
        "created_time": _time(row.created_time),
    }


def version_to_wire(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "contract": row.contract_id,
        "site": row.site_id,
        "title": row.title,
        "body": row.body,
        "version_number": row.version_number,
        "minor_version_number": row.minor_version_number,
        "full_version_number": row.full_version_number,
        "status": row.status,
        "published": row.status == "published",
        "published_time": _time(row.published_time),
        "effective_time": _time(row.effective_time),
        "merge_fields": row.merge_fields,
        "created_time": _time(row.created_time),
    }


def group_to_wire(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "site": row.site_id,
        "key": row.key,
        "title": row.title,
        "contracts": row.contract_ids,
        "created_time": _time(row.created_time),
    }


def signer_to_wire(row: Any) -> dict[str, Any]:
    return {
        "signer_id": row.signer_id,
        "site": row.site_id,
        "properties": row.properties,
        "created_time": _time(row.created_time),
    }


def erasure_to_wire(row: Any, activities: int | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "site": row.site_id,
        "signer_hash": row.signer_hash,
        "requested_by": row.requested_by,
        "reason": row.reason,
        "activities": row.activities if activities is None else activities,
        "created_time": _time(row.created_time),
    }
