"""One activity's evidence record: the exact values (canonical JSON, fingerprinted) and the
certificate as printed (sanitized text in sections). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickproof import __version__
from clickproof.domain.activity import Activity
from clickproof.domain.timestamps import format_stored
from clickproof.evidence.canonical_json import canonical_json, sha256_hex
from clickproof.evidence.contract_text import contract_blocks, merge_values
from clickproof.evidence.display_text import display_label, display_value
from clickproof.evidence.presented_html import html_sha256, presented_html
from clickproof.evidence.signer_block import SECTION_TITLE, signer_rows


@dataclass(frozen=True)
class ExportScope:
    """What an export selected, printed on each of its certificates."""

    id: str
    start: datetime
    end: datetime
    filter_description: str


@dataclass(frozen=True)
class VersionInfo:
    id: str
    title: str
    version_number: int
    full_version_number: str
    published_time: datetime | None
    effective_time: datetime | None
    body: str


@dataclass(frozen=True)
class EvidenceContext:
    """What the certificate prints beside the activity: where, which agreement. Who signed is
    the activity's own record (evidence/signer_block). No contract and version: an `updated`
    event about the signer record alone."""

    site_id: int
    site_name: str
    contract_id: int | None
    contract_title: str | None
    version: VersionInfo | None
    group_id: int | None
    group_title: str | None
    # The activity's place in the site's hash chain, as stored with it (docs/adr/0008).
    chain_seq: int | None = None
    chain_hash: str | None = None


@dataclass(frozen=True)
class KeyNames:
    """The evidence key that signs the manifests of the site's exports, by its two names."""

    key_id: str
    fingerprint: str


@dataclass(frozen=True)
class EvidenceRecord:
    activity_id: str
    activity_json: bytes  # canonical JSON of the activity; its SHA-256 is the fingerprint
    context_json: bytes  # canonical JSON of the context printed beside it
    fingerprint: str
    certificate: dict[str, Any]  # the certificate page's data, sanitized for printing
    text_key: str  # identifies the contract text pages: same key, same pages
    contract_text: dict[str, Any] | None  # the contract text pages' data; None: no contract
    presented_html: bytes = b""  # the version's HTML as presented (render data merged), UTF-8


def activity_document(activity: Activity) -> dict[str, Any]:
    """The activity as exact values, with the export's standard field names, and the signer
    record as of the activity where one was recorded with it."""
    document = {
        "id": activity.id,
        "uuid": activity.uuid,
        "account": activity.account_id,
        "site": activity.site_id,
        "signer_id": activity.signer_id,
        "event_type": activity.event_type,
        "execution_method": activity.execution_method,
        "contract": activity.contract_id,
        "version": activity.version_id,
        "version_number": activity.version_number,
        "group": activity.group_id,
        "batch": activity.batch,
        "session": activity.session,
        "created_time": format_stored(activity.created_time),
        "event_time": None if activity.event_time is None else format_stored(activity.event_time),
        "test_mode": activity.test_mode,
        "connection_data": activity.connection_data,
        "custom_data": activity.custom_data,
        "render_data": activity.render_data,
    }
    if activity.signer_properties is not None:
        document["signer_properties"] = activity.signer_properties
    return document


def context_document(context: EvidenceContext) -> dict[str, Any]:
    v = context.version
    return {
        "site": {"id": context.site_id, "name": context.site_name},
        "contract": None
        if context.contract_id is None
        else {"id": context.contract_id, "title": context.contract_title},
        "version": None
        if v is None
        else {
            "id": v.id,
            "title": v.title,
            "version_number": v.version_number,
            "full_version_number": v.full_version_number,
            "published_time": _time(v.published_time),
            "effective_time": _time(v.effective_time),
            "body_sha256": sha256_hex(v.body.encode("utf-8", "surrogatepass")),
        },
        "group": None if context.group_id is None else {"id": context.group_id, "title": context.group_title},
    }


def chain_document(context: EvidenceContext, key: KeyNames | None) -> dict[str, Any]:
    """What the certificate's "Hash chain" section prints, for context.json."""
    return {
        "chain": {"site": context.site_id, "seq": context.chain_seq, "link_hash": context.chain_hash},
        "evidence_key": None if key is None else {"key_id": key.key_id, "fingerprint": key.fingerprint},
    }


def chain_rows(context: EvidenceContext, key: KeyNames | None, export: bool) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        (
            "position",
            None if context.chain_seq is None else f"link {context.chain_seq} of site {context.site_id}",
        ),
        ("link hash", context.chain_hash),
    ]
    if key is not None:
        signs = "this export's manifest" if export else "the site's export manifests"
        rows += [("evidence key id", key.key_id), ("key fingerprint", key.fingerprint), ("key signs", signs)]
    return rows


def _time(value: datetime | None) -> str | None:
    return None if value is None else format_stored(value)


NO_AGREEMENT = (
    "agreement",
    "none: this activity changed the signer record and concerns no contract",
)

SERVER_SIDE_SOURCE = (
    "sent by a server-side caller (the customer's backend): the values below are as it sent them; "
    "clickproof did not observe the signer's connection"
)
CLIENT_SOURCE = (
    "sent from the signer's browser or app: remote address and user agent as seen on the "
    "connection where the client sent none"
)


def connection_source(connection_data: dict[str, Any]) -> list[tuple[str, Any]]:
    """Where an Activity API send's connection data came from (no row for imported activities)."""
    if "server_side" not in connection_data:
        return []
    source = SERVER_SIDE_SOURCE if connection_data["server_side"] is True else CLIENT_SOURCE
    return [("source of these values", source)]


def build_record(
    activity: Activity,
    context: EvidenceContext,
    *,
    export: ExportScope | None,
    drawable: frozenset[int] | None = None,
    key: KeyNames | None = None,
) -> EvidenceRecord:
    """The record of `activity`; characters outside `drawable` (the fonts' coverage) print as markers."""

    def _rows(pairs: list[tuple[str, Any]]) -> list[list[str | None]]:
        return [[display_label(k, drawable), display_value(v, drawable=drawable)] for k, v in pairs]

    def _family(data: dict[str, Any]) -> list[list[str | None]]:
        return _rows(sorted(data.items()))

    def show(text: str, limit: int) -> str | None:
        return display_value(text, limit, drawable)

    doc = activity_document(activity)
    activity_json = canonical_json(doc)
    fingerprint = sha256_hex(activity_json)
    context_doc = context_document(context) | chain_document(context, key)
    v = context.version
    export_label = export.id if export is not None else "single record (no export)"
    header_left = show(f"{context.site_name} · clickwrap evidence record", 120)
    common = {
        "doc_title": show(f"Evidence record {activity.id}", 80),
        "header_left": header_left,
        "header_right": show(f"activity {activity.id}", 80),
        "footer_left": f"clickproof {__version__} · export {export_label}",
    }
    certificate = {
        **common,
        "footer_part": "certificate page",
        "title": "Certificate of acceptance" if v is not None else "Record of a signer record change",
        "subtitle": show(
            f"{activity.event_type} · {context.contract_title} · version {v.full_version_number}"
            if v is not None
            else f"{activity.event_type} · signer record · no contract",
            200,
        ),
        "stamp": f"recorded {doc['created_time']}",
        "sections": [
            {
                "title": "Event",
                "rows": _rows(
                    [
                        ("event type", activity.event_type),
                        ("execution method", activity.execution_method),
                        ("created time (UTC)", doc["created_time"]),
                        ("event time (UTC)", doc["event_time"]),
                        ("test mode", activity.test_mode),
                        ("batch", activity.batch),
                        ("session", activity.session),
                        ("activity id", activity.id),
                        ("activity uuid", activity.uuid),
                    ]
                ),
            },
            {"title": SECTION_TITLE, "rows": _rows(signer_rows(activity))},
            {
                "title": "Agreement",
                "rows": _rows(
                    [("site", f"{context.site_name} (id {context.site_id})"), NO_AGREEMENT]
                    if v is None
                    else [
                        ("site", f"{context.site_name} (id {context.site_id})"),
                        ("contract", f"{context.contract_title} (id {context.contract_id})"),
                        ("version id", v.id),
                        ("version", f"{v.full_version_number} (number {v.version_number})"),
                        ("published time (UTC)", _time(v.published_time)),
                        ("effective time (UTC)", _time(v.effective_time)),
                        (
                            "group",
                            None
                            if context.group_id is None
                            else f"{context.group_title} (id {context.group_id})",
                        ),
                    ]
                ),
            },
            {
                "title": "Connection data",
                "rows": _rows(connection_source(activity.connection_data))
                + _family(activity.connection_data),
            },
            {"title": "Custom data", "rows": _family(activity.custom_data)},
            {"title": "Render data", "rows": _family(activity.render_data)},
            {"title": "Hash chain", "rows": _rows(chain_rows(context, key, export is not None))},
            *(
                []
                if export is None
                else [
                    {
                        "title": "Export",
                        "rows": _rows(
                            [
                                ("export id", export.id),
                                (
                                    "window (UTC)",
                                    f"{format_stored(export.start)} to {format_stored(export.end)}",
                                ),
                                ("selection", export.filter_description),
                            ]
                        ),
                    }
                ]
            ),
        ],
        "integrity_note": (
            f"Export {export_label}. SHA-256 of the activity's canonical JSON (sorted keys, no spaces, "
            "UTF-8), attached to this PDF as activity.json; the context printed above is attached as "
            "context.json:"
        ),
        "fingerprint": fingerprint,
    }
    if v is None:  # no contract: no accepted text pages
        return EvidenceRecord(
            activity_id=activity.id,
            activity_json=activity_json,
            context_json=canonical_json(context_doc),
            fingerprint=fingerprint,
            certificate=certificate,
            text_key="",
            contract_text=None,
        )
    values = merge_values(v.body, activity.render_data, drawable)
    presented = presented_html(v.body, activity.render_data)
    presented_sha256 = html_sha256(presented)
    text_common = {
        **common,
        "doc_title": show(f"Accepted text of {v.title}", 200),
        "header_right": show(f"version {v.id}", 80),
    }
    text_key = sha256_hex(
        canonical_json({"body": v.body, "values": values, "html": presented_sha256, **text_common})
    )
    contract_text = {
        **text_common,
        "footer_part": "accepted text page",
        "preamble": show(
            f"Text of {v.title} (version {v.full_version_number}, id {v.id}) as accepted, "
            "with the activity's render data merged into its fields.",
            300,
        ),
        "html_note": "The HTML as presented (render data merged) is attached as presented.html; its SHA-256:",
        "html_sha256": presented_sha256,
        "blocks": contract_blocks(v.body, values, drawable),
    }
    return EvidenceRecord(
        activity_id=activity.id,
        activity_json=activity_json,
        context_json=canonical_json(context_doc),
        fingerprint=fingerprint,
        certificate=certificate,
        text_key=text_key,
        contract_text=contract_text,
        presented_html=presented.encode("utf-8"),
    )
