"""manifest.json: what an export contains and how to check it, signed with the site's Ed25519 key.

The signed part is `manifest`; its RFC 8785 (JCS) canonical JSON is what the signature covers, so
the file's own layout (indentation) does not matter. Deterministic apart from `generated_time`.

Format 2 keeps the signed member inside a subset of JSON where RFC 8785 equals Python's
`json.dumps(m, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`: every key is ASCII and
the only numbers are integers. The one member that could hold other numbers or keys, the
request's filter, is stored as its own RFC 8785 text (a string). A verifier with nothing but the
standard library and `cryptography` can therefore rebuild the signed bytes (docs/verification.md).
Format 1 manifests (sorted-keys JSON, filter as an object) still verify.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import rfc8785

from clickproof.evidence.canonical_json import canonical_json
from clickproof.evidence.signing import ALGORITHM, SigningKey, fingerprint_of, sign

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "clickproof-evidence-manifest/2"
LEGACY_MANIFEST_FORMAT = "clickproof-evidence-manifest/1"
MANIFEST_EXPORT_TYPE = "manifest"
REQUEST_KEYS = (
    "start_date",
    "end_date",
    "sort",
    "filter",
    "select",
    "standard_all",
    "connection_all",
    "custom_all",
    "export_types",
    "columns",
)


@dataclass(frozen=True)
class ManifestFile:
    name: str
    export_type: str
    content_type: str
    size: int
    sha256: str
    rows: int


def manifest_body(
    *,
    export_id: str,
    account_id: int,
    site_id: int,
    created_time: str,
    data: dict[str, Any],
    row_count: int,
    files: list[ManifestFile],
    version: str,
    generated_time: str,
    key: SigningKey,
    chain_head: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """`chain_head`: (seq, link hash) of the newest link of the site's chain among the activities
    created before the window's end (store/chain_links.head_before)."""
    head = {} if chain_head is None else {"chain_head": chain_head_member(*chain_head)}
    return head | {
        "format": MANIFEST_FORMAT,
        "export_id": export_id,
        "account": account_id,
        "site": site_id,
        "created_time": created_time,
        "request": _request(data),
        "filter_description": data.get("filter_description", ""),
        "window": {
            "field": "created_time",
            "start": data["start_date"],
            "end": data["end_date"],
            "meaning": "start <= created_time < end",
        },
        "row_count": row_count,
        "files": [
            {
                "name": f.name,
                "export_type": f.export_type,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "rows": f.rows,
            }
            for f in files
        ],
        "generator": {"name": "clickproof", "version": version},
        "generated_time": generated_time,
        "key_id": key.key_id,
        "key_fingerprint": fingerprint_of(key.public_key),
    }


CHAIN_HEAD_MEANING = (
    "the newest link of the site's hash chain among its activities created before window.end: "
    "every activity of this export is at or before it"
)


def chain_head_member(seq: int, link_hash: str) -> dict[str, Any]:
    return {"seq": seq, "hash": link_hash, "meaning": CHAIN_HEAD_MEANING}


_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles: beyond this they would round


def filter_text(value: Any) -> str:
    """The filter's RFC 8785 text, except that an integer beyond 2^53 (a filter may compare with
    up to 64-bit and larger integers) is written with all its digits instead of being rounded."""
    marker = secrets.token_hex(8)
    exact: dict[str, str] = {}

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > _SAFE_INTEGER:
            placeholder = f"{marker}-{len(exact)}"
            exact[f'"{placeholder}"'] = str(node)
            return placeholder
        return node

    text = rfc8785.dumps(swap(value)).decode("utf-8")
    for quoted, digits in exact.items():
        text = text.replace(quoted, digits)
    return text


def _request(data: dict[str, Any]) -> dict[str, Any]:
    request = {k: data.get(k) for k in REQUEST_KEYS}
    if request["filter"] is not None:
        request["filter"] = filter_text(request["filter"])
    return request


def signed_bytes(body: dict[str, Any]) -> bytes:
    """What the signature covers: RFC 8785 for format 2, sorted-keys JSON for format 1."""
    if body.get("format") == LEGACY_MANIFEST_FORMAT:
        return canonical_json(body)
    return rfc8785.dumps(body)


SIGNATURE_COVERS = "RFC 8785 (JCS) canonical JSON of the manifest member, UTF-8"
LEGACY_SIGNATURE_COVERS = "canonical JSON of the manifest member: sorted keys, no whitespace, UTF-8"


def manifest_file_bytes(body: dict[str, Any], *, key_id: str, public_key: str, signature: str) -> bytes:
    """The one layout of manifest.json: verification rebuilds it and compares bytes."""
    legacy = body.get("format") == LEGACY_MANIFEST_FORMAT
    stated: dict[str, Any] = {"algorithm": ALGORITHM, "key_id": key_id}
    if not legacy:
        stated["fingerprint"] = fingerprint_of(public_key)
    stated |= {
        "public_key": public_key,
        "covers": LEGACY_SIGNATURE_COVERS if legacy else SIGNATURE_COVERS,
        "value": signature,
    }
    document = {"manifest": body, "signature": stated}
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def signed_manifest(body: dict[str, Any], key: SigningKey) -> bytes:
    signature = sign(key, signed_bytes(body))
    return manifest_file_bytes(body, key_id=key.key_id, public_key=key.public_key, signature=signature)
