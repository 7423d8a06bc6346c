"""Tenancy from the operator's shell, with real processes: `clickproof account create`, `site
create`, `token create --expires`, then a served API that takes the new tenant's token, sends
and origins, refuses it once expired, and answers an admin token's /v1.1/admin requests."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from clickproof.domain.timestamps import format_instant, utc_now
from clickproof.store.database import create_db_engine
from clickproof.store.tables import api_tokens
from tests.e2e.test_processes import Server, run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


def cli_ok(home: Path, database_url: str, *args: str) -> str:
    result = run_cli(home, database_url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_tenants_made_on_the_command_line_work_over_http(home: Path, database_url: str) -> None:
    account = cli_ok(home, database_url, "account", "create", "Tenant B")
    account_id = re.fullmatch(r"account_id=(\d+)", account)
    assert account_id, account
    site = cli_ok(
        home,
        database_url,
        *("site", "create", "--account", account_id.group(1), "--name", "B shop"),
        *("--max-export-days", "30", "--allow", "https://shop.b.example"),
    )
    found = re.fullmatch(r"site_id=(\d+) access_id=([0-9a-f]{32})", site)
    assert found, site
    site_id, access_id = found.group(1), found.group(2)
    common = (
        "token",
        "create",
        "--account",
        account_id.group(1),
        "--site",
        site_id,
        "--email",
        "b@b.example",
    )
    token = cli_ok(home, database_url, *common, "--expires", "2h")
    admin = cli_ok(home, database_url, *common, "--permission", "admin")

    # Refusals name the option and change nothing.
    past = run_cli(home, database_url, *common, "--expires", "2001-01-01T00:00:00Z")
    assert past.returncode == 2 and "--expires" in past.stderr and "future" in past.stderr
    unknown = run_cli(home, database_url, "site", "create", "--account", "999", "--name", "x")
    assert unknown.returncode == 1 and "no account 999" in unknown.stderr
    bad_origin = run_cli(
        home, database_url, "site", "create", "--account", "1", "--name", "x", "--allow", "nope"
    )
    assert bad_origin.returncode == 2 and "--allow" in bad_origin.stderr and "origin" in bad_origin.stderr

    server = Server(home, database_url)
    try:
        b = {"Authorization": f"Bearer {token}"}
        contract = httpx.post(f"{server.url}/v1.1/contracts", json={"title": "T", "key": "t"}, headers=b)
        assert contract.status_code == 201, contract.text
        version = httpx.post(
            f"{server.url}/v1.1/contracts/{contract.json()['id']}/versions",
            json={"body": "<p>T</p>", "publish": True},
            headers=b,
        )
        assert version.status_code == 201, version.text
        body = json.dumps(
            {"sid": access_id, "sig": "s@b.example", "et": "agreed", "cid": [contract.json()["id"]]}
        )
        sent = httpx.post(
            f"{server.url}/send",
            content=body,
            headers={"Content-Type": "application/json", "Origin": "https://shop.b.example"},
        )
        assert sent.status_code == 200, sent.text

        # The stored expiry is the one asked for; once it has passed, the server refuses the token.
        expires = stored_expiry(database_url, token)
        assert abs((expires - (utc_now() + timedelta(hours=2))).total_seconds()) < 120
        instant = format_instant(utc_now() + timedelta(days=3))
        short = cli_ok(home, database_url, *common, "--expires", instant)
        assert format_instant(stored_expiry(database_url, short)) == instant
        short_headers = {"Authorization": f"Bearer {short}"}
        assert httpx.get(f"{server.url}/v1.1/contracts", headers=short_headers).status_code == 200
        expire_now(database_url, short)
        expired = httpx.get(f"{server.url}/v1.1/contracts", headers=short_headers)
        assert (expired.status_code, expired.json()["code"]) == (401, "token_expired")
        assert "expired at" in expired.json()["error"]

        made = httpx.post(
            f"{server.url}/v1.1/admin/accounts",
            json={"name": "Tenant C"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert made.status_code == 201, made.text
        refused = httpx.post(f"{server.url}/v1.1/admin/accounts", json={"name": "Tenant D"}, headers=b)
        assert refused.status_code == 403
    finally:
        server.stop()


def stored_expiry(database_url: str, token: str) -> datetime:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            expires = conn.execute(
                select(api_tokens.c.expires_time).where(api_tokens.c.public_id == token.split("_")[1])
            ).scalar_one()
    finally:
        engine.dispose()
    assert isinstance(expires, datetime)
    return expires


def expire_now(database_url: str, token: str) -> None:
    engine = create_db_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(api_tokens)
                .where(api_tokens.c.public_id == token.split("_")[1])
                .values(expires_time=utc_now() - timedelta(seconds=1))
            )
    finally:
        engine.dispose()
