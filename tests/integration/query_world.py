"""A small fixed world (tenant, contracts, versions, groups) and random activities for query tests.

`insert_world` writes the fixed part once per database; `activity_rows` strategies make the
activities of one example; `expanded` turns a row into the reference evaluator's document.
"""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, insert, select

from clickproof.store.partitions import ensure_month_partitions
from clickproof.store.tables import accounts, activities, contracts, groups, sites, versions

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SITE = 1
FIXED_SITE = 2  # the committed rows of `fixed_rows`, apart from the rolled-back rows of SITE
ACCOUNT = 1
CONTRACTS = {1: ("Terms of Service", "tos"), 2: ("Privacy Policy", "privacy")}
# version id → (contract, number, minor, title, status, published)
VERSIONS: dict[str, tuple[int, int, int, str, str, datetime | None]] = {
    f"{c:012x}{n:012x}": (
        c,
        n,
        n % 2,
        f"{CONTRACTS[c][0]} v{n}",
        "published" if n < 3 else "draft",
        T0 + timedelta(days=n) if n < 3 else None,
    )
    for c in CONTRACTS
    for n in (1, 2, 3)
}
# Groups have global ids: each site has its own two (the same keys and titles).
GROUPS = {
    1: ("signup", "Sign-up"),
    2: ("checkout", "Checkout"),
    3: ("signup", "Sign-up"),
    4: ("checkout", "Checkout"),
}
GROUP_SITES = {1: SITE, 2: SITE, 3: FIXED_SITE, 4: FIXED_SITE}
TIMES = [T0 + timedelta(hours=h, microseconds=m) for h in (0, 1, 5) for m in (0, 1)]
TEXTS = ["a", "b", "B", "ä", "10", "2", "", "agreed", "x y", "Zoë", "=1+1"]


def insert_world(engine: Engine) -> None:
    """Idempotent: several test modules share one PostgreSQL database per session."""
    with engine.begin() as conn:
        if conn.execute(select(accounts.c.id).where(accounts.c.id == ACCOUNT)).first() is not None:
            return
        conn.execute(insert(accounts).values(id=ACCOUNT, name="A", created_time=T0))
        for site in (SITE, FIXED_SITE):
            conn.execute(
                insert(sites).values(
                    id=site, account_id=ACCOUNT, name=f"S{site}", access_id=f"s{site}", created_time=T0
                )
            )
        for site, (cid, (title, key)) in itertools.product((SITE, FIXED_SITE), CONTRACTS.items()):
            conn.execute(
                insert(contracts).values(id=cid, site_id=site, title=title, key=key, created_time=T0)
            )
        for site, (vid, (cid, number, minor, title, status, published)) in itertools.product(
            (SITE, FIXED_SITE), VERSIONS.items()
        ):  # contract and version ids are unique per site: each site holds the same catalogue
            conn.execute(
                insert(versions).values(
                    id=vid,
                    contract_id=cid,
                    site_id=site,
                    title=title,
                    body="",
                    version_number=number,
                    minor_version_number=minor,
                    full_version_number=f"{number}.{minor}",
                    status=status,
                    published_time=published,
                    effective_time=published,
                    merge_fields=[],
                    created_time=T0,
                )
            )
        for gid, (key, title) in GROUPS.items():
            conn.execute(
                insert(groups).values(
                    id=gid, site_id=GROUP_SITES[gid], key=key, title=title, contract_ids=[], created_time=T0
                )
            )


NUMBERS = [0.5, -1.5, 2.0, 2.5, 10.25, 1e20, -(2**63), 2**63 - 1, 2**63, 2**70]
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 12),
    st.sampled_from(NUMBERS),
    st.sampled_from(TEXTS),
)
json_values = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.sampled_from([[[1]], [{"x": 1}], {"x": 1}, {}]),
)
FAMILY_KEYS = ["vip", "plan", "seats", "a.b", "back\\slash", "t\tab", 'q"q']
family_data = st.dictionaries(st.sampled_from(FAMILY_KEYS), json_values, max_size=4)


@st.composite
def activity_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 14))
    rows = []
    for index in range(count):
        version_id = draw(st.sampled_from(sorted(VERSIONS)))
        contract_id, number, *_ = VERSIONS[version_id]
        rows.append(
            {
                "id": f"{draw(st.integers(0, 2**40)):014x}{index:010x}",
                "uuid": draw(st.sampled_from(["u1", "u2", "U3"])),
                "account_id": ACCOUNT,
                "site_id": SITE,
                "signer_id": draw(st.one_of(st.none(), st.sampled_from(TEXTS))),
                "group_id": draw(st.sampled_from([None, 1, 2])),
                "contract_id": contract_id,
                "version_id": version_id,
                "version_number": number,
                "event_type": draw(st.sampled_from(["agreed", "displayed", "disagreed"])),
                "execution_method": draw(
                    st.one_of(st.none(), st.sampled_from(["clickthrough", "esignature"]))
                ),
                "batch": draw(st.one_of(st.none(), st.sampled_from(TEXTS))),
                "session": draw(st.one_of(st.none(), st.sampled_from(["s1", "s2"]))),
                "created_time": draw(st.sampled_from(TIMES)),
                "event_time": draw(st.one_of(st.none(), st.sampled_from(TIMES))),
                "test_mode": draw(st.booleans()),
                "connection_data": draw(family_data),
                "custom_data": draw(family_data),
                "render_data": draw(family_data),
            }
        )
    return rows


_SCALARS: list[Any] = [None, True, False, *range(-3, 13), *NUMBERS, *TEXTS]


def _json_value(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.7:
        return rng.choice(_SCALARS)
    if roll < 0.92:
        return [rng.choice(_SCALARS) for _ in range(rng.randrange(4))]
    return rng.choice([[[1]], [{"x": 1}], {"x": 1}, {}])


def fixed_rows(seed: int, count: int) -> list[dict[str, Any]]:
    """`count` activities of FIXED_SITE from the value pools of `activity_rows`, reproducibly."""
    rng = random.Random(seed)

    def family() -> dict[str, Any]:
        return {k: _json_value(rng) for k in rng.sample(FAMILY_KEYS, rng.randrange(len(FAMILY_KEYS) + 1))}

    def maybe(values: list[Any]) -> Any:
        return None if rng.random() < 0.25 else rng.choice(values)

    rows = []
    for index in range(count):
        version_id = rng.choice(sorted(VERSIONS))
        contract_id, number, *_ = VERSIONS[version_id]
        rows.append(
            {
                "id": f"{rng.randrange(2**40):014x}{index:010x}",
                "uuid": rng.choice(["u1", "u2", "U3"]),
                "account_id": ACCOUNT,
                "site_id": FIXED_SITE,
                "signer_id": maybe(TEXTS),
                "group_id": rng.choice([None, 3, 4]),
                "contract_id": contract_id,
                "version_id": version_id,
                "version_number": number,
                "event_type": rng.choice(["agreed", "displayed", "disagreed"]),
                "execution_method": maybe(["clickthrough", "esignature"]),
                "batch": maybe(TEXTS),
                "session": maybe(["s1", "s2"]),
                "created_time": rng.choice(TIMES),
                "event_time": maybe(TIMES),
                "test_mode": rng.random() < 0.5,
                "connection_data": family(),
                "custom_data": family(),
                "render_data": family(),
            }
        )
    return rows


def insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        ensure_month_partitions(conn, (row["created_time"] for row in rows))
        conn.execute(insert(activities), rows)


def expanded(row: dict[str, Any]) -> dict[str, Any]:
    """The reference evaluator's document for an activity row."""
    doc: dict[str, Any] = {
        "id": row["id"],
        "uuid": row["uuid"],
        "account": row["account_id"],
        "site": row["site_id"],
        "signer_id": row["signer_id"],
        "event_type": row["event_type"],
        "execution_method": row["execution_method"],
        "contract": row["contract_id"],
        "version": row["version_id"],
        "version_number": row["version_number"],
        "group": row["group_id"],
        "batch": row["batch"],
        "session": row["session"],
        "created_time": row["created_time"],
        "event_time": row["event_time"],
        "test_mode": row["test_mode"],
        "connection_data": row["connection_data"],
        "custom_data": row["custom_data"],
        "render_data": row["render_data"],
    }
    title, key = CONTRACTS[row["contract_id"]]
    doc["contract.title"], doc["contract.key"] = title, key
    _cid, number, minor, vtitle, status, published = VERSIONS[row["version_id"]]
    doc["version.title"], doc["version.status"] = vtitle, status
    doc["version.full_version_number"] = f"{number}.{minor}"
    doc["version.minor_version_number"] = minor
    doc["version.published_time"] = doc["version.effective_time"] = published
    if row["group_id"] is not None:
        doc["group.key"], doc["group.title"] = GROUPS[row["group_id"]]
    return doc
