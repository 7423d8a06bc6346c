"""Demo data: an account, a site, contracts with versions, groups, signers and activities.

Deterministic for a seed (times are offsets from now), idempotent (a second run adds nothing),
and deliberately hostile in places: non-Latin and right-to-left names, very long values, and
values that spreadsheets would take for formulas.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select

from clickproof.domain.activity import Activity
from clickproof.domain.timestamps import utc_now
from clickproof.services.tokens import ALL_PERMISSIONS, issue_token
from clickproof.store.activities import ActivityStore
from clickproof.store.catalog import CatalogStore
from clickproof.store.tables import contracts, groups, signers, versions
from clickproof.store.tenants import TenantStore

DEMO_ACCOUNT = "Demo Account"
DEMO_SITE_ACCESS_ID = "demo-site-access-id"
DEMO_USER = "demo@example.com"
BATCH_ROWS = 5000

CONTRACTS = (
    ("terms-of-service", "Terms of Service"),
    ("privacy-policy", "Privacy Policy"),
    ("data-processing-addendum", "Data Processing Addendum"),
    ("acceptable-use-policy", "Acceptable Use Policy"),
)
FIRST_NAMES = (
    "Ann",
    "Bob",
    "Chloé",
    "Dmitri",
    "Ewa",
    "Fatima",
    "王芳",
    "Ngọc",
    "محمد",
    "דוד",
    "Łukasz",
    "Ёлка",
    "Søren",
    "Aoife",
    "José",
    "Zoë",
    '=HYPERLINK("http://evil.example","x")',
    "+1-555-0100",
    "-cmd",
    "@SUM(A1:A9)",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Nakamura",
    "Okafor",
    "Nguyễn",
    "الفارسي",
    "כהן",
    "Kowalski",
    "Ivanova",
    "O'Brien",
    "van der Berg",
    "Björk",
    '"Quoted", Jr.',
)
COMPANIES = (
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella, Inc.",
    "株式会社テスト",
    "شركة المثال",
    "=1+2",
    "Northwind\nTraders",
    "Tab\tSeparated Ltd",
)
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
)
PAGES = (
    ("Sign up | Acme", "https://app.acme.example/signup?plan=pro", "/signup", "?plan=pro"),
    ("Checkout", "https://shop.acme.example/checkout", "/checkout", ""),
    ("=cmd|' /C calc'!A0", "https://app.acme.example/settings", "/settings", ""),
    ("Account settings – Acme", "https://app.acme.example/account", "/account", ""),
)
EVENT_TYPES = (("agreed", 70), ("displayed", 15), ("visited", 8), ("disagreed", 4), ("updated", 3))
EXECUTION_METHODS = ("click_to_accept", "clickthrough", "manual_acceptance", "esignature")
LONG_VALUE = "Very long value " + "lorem ipsum dolor sit amet " * 180


@dataclass(frozen=True)
class DemoResult:
    account_id: int
    site_id: int
    user_id: int
    activities_created: int
    token: str


def _version_body(title: str, number: int) -> str:
    return (
        f"<h1>{title}</h1><p>Version {number}.0 of the {title} between {{{{CompanyName}}}} and the user.</p>"
        "<p>By clicking accept you agree to the plan {{plan}} at {{price}} per month.</p>"
        + "<p>Section text of the agreement, repeated to a realistic length.</p>"
        * 12
    )


def seed_demo(
    engine: Engine,
    tenants: TenantStore,
    store: ActivityStore,
    *,
    activities: int,
    seed: int,
    now: datetime | None = None,
) -> DemoResult:
    now = now or utc_now()
    rng = random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret
    with engine.begin() as conn:
        account_id, site_id, user_id = _tenant(conn, tenants, now)
        version_map = _contracts(conn, site_id, now)
        group_ids = _groups(conn, site_id, list(version_map), now)
        existing = store.count(site_id)
    created = 0
    if existing == 0 and activities > 0:
        signer_pool = _signers(rng, max(10, activities // 4))
        with engine.begin() as conn:
            _insert_signers(conn, site_id, signer_pool, now)
        for chunk in _chunks(
            _activities(rng, account_id, site_id, activities, version_map, group_ids, signer_pool, now)
        ):
            with engine.begin() as conn:
                created += store.insert_many(conn, chunk)
    with engine.begin() as conn:
        token = issue_token(
            tenants,
            conn,
            user_id=user_id,
            account_id=account_id,
            default_site_id=site_id,
            site_ids=[site_id],
            permissions=list(ALL_PERMISSIONS),
            label="demo",
        )
    return DemoResult(account_id, site_id, user_id, created, token)


def _tenant(conn: Connection, tenants: TenantStore, now: datetime) -> tuple[int, int, int]:
    site = tenants.site_by_access_id(conn, DEMO_SITE_ACCESS_ID)
    if site is None:
        account_id = tenants.create_account(conn, DEMO_ACCOUNT, now)
        site_id = tenants.create_site(
            conn,
            account_id=account_id,
            name="Demo Site",
            access_id=DEMO_SITE_ACCESS_ID,
            max_export_days=365,
            now=now,
        )
    else:
        account_id, site_id = site.account_id, site.id
    user_id = tenants.find_user(conn, account_id, DEMO_USER)
    if user_id is None:
        user_id = tenants.create_user(conn, account_id=account_id, email=DEMO_USER, name="Demo User", now=now)
    return account_id, site_id, user_id


def _contracts(conn: Connection, site_id: int, now: datetime) -> dict[int, list[tuple[str, int]]]:
    """contract id → [(version id, version number)], three published versions each."""
    result: dict[int, list[tuple[str, int]]] = {}
    for index, (key, title) in enumerate(CONTRACTS):
        row = conn.execute(
            select(contracts.c.id).where(contracts.c.site_id == site_id, contracts.c.key == key)
        ).first()
        if row is None:
            contract_id = CatalogStore.next_id(conn, contracts, site_id)
            conn.execute(
                insert(contracts).values(
                    id=contract_id,
                    site_id=site_id,
                    title=title,
                    key=key,
                    created_time=now - timedelta(days=400),
                )
            )
            for number in (1, 2, 3):
                published = now - timedelta(days=400 - 150 * (number - 1) + index)
                conn.execute(
                    insert(versions).values(
                        id=f"{site_id:08x}{contract_id:08x}{number:08x}",
                        contract_id=contract_id,
                        site_id=site_id,
                        title=f"{title} v{number}",
                        body=_version_body(title, number),
                        version_number=number,
                        minor_version_number=0,
                        full_version_number=f"{number}.0",
                        status="published",
                        published_time=published,
                        effective_time=published,
                        merge_fields=["CompanyName", "plan", "price"],
                        created_time=published,
                    )
                )
        else:
            contract_id = row.id
        rows = conn.execute(
            select(versions.c.id, versions.c.version_number)
            .where(versions.c.site_id == site_id, versions.c.contract_id == contract_id)
            .order_by(versions.c.version_number)
        ).all()
        result[int(contract_id)] = [(r.id, r.version_number) for r in rows]
    return result


def _groups(conn: Connection, site_id: int, contract_ids: list[int], now: datetime) -> list[int]:
    wanted = (
        ("signup", "Sign-up clickwrap", contract_ids[:2]),
        ("checkout", "Checkout clickwrap", contract_ids[2:]),
    )
    ids: list[int] = []
    for key, title, members in wanted:
        row = conn.execute(
            select(groups.c.id).where(groups.c.site_id == site_id, groups.c.key == key)
        ).first()
        if row is None:
            ids.append(
                int(
                    conn.execute(
                        insert(groups)
                        .returning(groups.c.id)
                        .values(
                            site_id=site_id,
                            key=key,
                            title=title,
                            contract_ids=members,
                            created_time=now,
                        )
                    ).scalar_one()
                )
            )
        else:
            ids.append(int(row.id))
    return ids


def _signers(rng: random.Random, count: int) -> list[tuple[str, dict[str, object]]]:
    pool = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"user{n:06d}@{rng.choice(('example.com', 'example.org', 'mail.example'))}"
        props: dict[str, object] = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "company_name": rng.choice(COMPANIES),
        }
        if n % 97 == 5:
            props["title"] = LONG_VALUE
        pool.append((email, props))
    return pool


def _insert_signers(
    conn: Connection, site_id: int, pool: list[tuple[str, dict[str, object]]], now: datetime
) -> None:
    conn.execute(
        insert(signers),
        [
            {"site_id": site_id, "signer_id": signer_id, "properties": props, "created_time": now}
            for signer_id, props in pool
        ],
    )


def _weighted_event(rng: random.Random) -> str:
    roll = rng.randrange(100)
    for event, weight in EVENT_TYPES:
        if roll < weight:
            return event
        roll -= weight
    return "agreed"


def _activities(
    rng: random.Random,
    account_id: int,
    site_id: int,
    count: int,
    version_map: dict[int, list[tuple[str, int]]],
    group_ids: list[int],
    signer_pool: list[tuple[str, dict[str, object]]],
    now: datetime,
) -> Iterator[Activity]:
    window = timedelta(days=90).total_seconds()
    contract_ids = sorted(version_map)
    for n in range(count):
        offset = rng.random() * window
        created = now - timedelta(seconds=offset)
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        event_time = created - timedelta(milliseconds=rng.randrange(0, 5000))
        contract_id = rng.choice(contract_ids)
        version_id, version_number = rng.choice(version_map[contract_id])
        signer_id, props = rng.choice(signer_pool)
        event = _weighted_event(rng)
        title, url, path, query = rng.choice(PAGES)
        custom: dict[str, object] = dict(props)
        custom["vip"] = rng.random() < 0.1
        custom["seats"] = rng.randrange(1, 500)
        if n % 211 == 7:
            custom["note"] = LONG_VALUE
        anonymous = event in ("displayed", "visited") and n % 3 == 0
        yield Activity(
            id=f"{rng.getrandbits(96):024x}",
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            account_id=account_id,
            site_id=site_id,
            signer_id=None if anonymous else signer_id,
            group_id=group_ids[0] if contract_id in contract_ids[:2] else group_ids[1],
            contract_id=contract_id,
            version_id=version_id,
            version_number=version_number,
            event_type=event,
            execution_method=rng.choice(EXECUTION_METHODS),
            batch=str(int(created.timestamp() * 1000)),
            session=f"sess_{rng.getrandbits(64):016x}",
            created_time=created,
            event_time=event_time,
            test_mode=rng.random() < 0.05,
            connection_data={
                "page_title": title,
                "page_url": url,
                "page_domain": url.split("/")[2],
                "page_path": path,
                "page_query": query,
                "hostname": url.split("/")[2],
                "referrer": "https://www.example.com/",
                "browser_timezone": rng.choice(("Europe/Paris", "America/New_York", "Asia/Tokyo", "-4")),
                "browser_locale": rng.choice(("en-us", "fr-fr", "ja-jp", "ar-sa", "he-il")),
                "user_agent": rng.choice(USER_AGENTS),
                "device_fingerprint": f"{rng.getrandbits(64):016x}",
                "operating_system": rng.choice(("MacOS", "Windows", "iOS", "Linux", "Android")),
                "environment": rng.choice(("desktop", "mobile", "tablet")),
                "screen_color_depth": "24-bit",
                "screen_resolution": rng.choice(("1680x1050", "1920x1080", "390x844")),
                "cookies": "true",
                "remote_address": f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            },
            custom_data=custom,
            render_data={
                "CompanyName": "Acme Corp",
                "plan": rng.choice(("free", "pro", "enterprise")),
                "price": rng.choice(("$0", "$29", "$99")),
            },
            # The demo's signer records never change: each activity records the signer as inserted.
            signer_properties=None if anonymous else dict(props),
        )


def _chunks(items: Iterator[Activity]) -> Iterator[list[Activity]]:
    chunk: list[Activity] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= BATCH_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
