"""Keys that leave a site's field catalogue when the activities that brought them are erased.

The catalogue (`field_keys`, `field_kinds`) lists what the site's JSON families hold; it is what
`custom_all` exports. An erasure empties the families of a signer's activities, so the keys and
kinds no other activity of the site has are removed with it. Each candidate family is read in one
pass over the site's remaining activities (erasures are rare; the pass is the price of a
catalogue that stays true).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, text, tuple_

from clickproof.domain.fields import Family
from clickproof.store.tables import field_keys, field_kinds

# (family, key, kind) of the JSON values of a site's activities, optionally of one signer only;
# the kinds are those the write path records (domain/fields.json_kind).
_SQLITE = """
SELECT DISTINCT j.key AS key,
       CASE j.type WHEN 'text' THEN 'string' WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number'
                   WHEN 'true' THEN 'boolean' WHEN 'false' THEN 'boolean' ELSE j.type END AS kind
FROM activities a, json_each(a.{family}_data) j
WHERE a.site_id = :site_id {signer}
"""
_POSTGRES = """
SELECT DISTINCT j.key AS key, jsonb_typeof(j.value) AS kind
FROM activities a, jsonb_each(a.{family}_data) j
WHERE a.site_id = :site_id {signer}
"""
FAMILIES = (Family.CONNECTION, Family.CUSTOM, Family.RENDER)

Entry = tuple[str, str, str]  # (family, key, kind)


def family_entries(conn: Connection, site_id: int, signer_id: str | None = None) -> set[Entry]:
    """(family, key, kind) of every value in the site's activities (of one signer if given);
    'null' is the kind of a null value, which the catalogue lists as a key without a kind."""
    template = _POSTGRES if conn.dialect.name == "postgresql" else _SQLITE
    signer = "" if signer_id is None else "AND a.signer_id = :signer_id"
    found: set[Entry] = set()
    for family in FAMILIES:  # names from the enum only, never from request data
        statement = text(template.format(family=family.value, signer=signer))
        params: dict[str, object] = {"site_id": site_id}
        if signer_id is not None:
            params["signer_id"] = signer_id
        found.update((family.value, str(r.key), str(r.kind)) for r in conn.execute(statement, params))
    return found


def prune_catalog(conn: Connection, site_id: int, candidates: Iterable[Entry]) -> tuple[int, int]:
    """Remove the candidates' keys and kinds that no activity of the site holds any more (in
    this transaction, under the site's chain lock); returns (keys removed, kinds removed)."""
    candidates = set(candidates)
    if not candidates:
        return 0, 0
    remaining = family_entries(conn, site_id)
    kept_keys = {(f, k) for f, k, _kind in remaining}
    gone_keys = sorted({(f, k) for f, k, _kind in candidates} - kept_keys)
    gone_kinds = sorted({(f, k, t) for f, k, t in candidates if t != "null"} - remaining)
    removed_keys = removed_kinds = 0
    for start in range(0, len(gone_keys), 500):
        chunk = gone_keys[start : start + 500]
        removed_keys += conn.execute(
            delete(field_keys).where(
                field_keys.c.site_id == site_id, tuple_(field_keys.c.family, field_keys.c.key).in_(chunk)
            )
        ).rowcount
    for start in range(0, len(gone_kinds), 500):
        kinds_chunk = gone_kinds[start : start + 500]
        removed_kinds += conn.execute(
            delete(field_kinds).where(
                field_kinds.c.site_id == site_id,
                tuple_(field_kinds.c.family, field_kinds.c.key, field_kinds.c.kind).in_(kinds_chunk),
            )
        ).rowcount
    return removed_keys, removed_kinds
