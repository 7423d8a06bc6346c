"""Tenancy administration over the API: an `admin` token creates accounts, sites and tokens;
every other token is refused; malformed bodies name their field; expired tokens get a clear 401."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.admin_request import TokenInput
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult


@pytest.fixture
def admin(system: System, demo: DemoResult) -> dict[str, str]:
    issued = system.tenancy.create_token(
        TokenInput(demo.account_id, (demo.site_id,), "ops@example.com", ("admin",), "operator", None)
    )
    return {"Authorization": f"Bearer {issued.token}"}


def test_an_admin_sets_up_a_tenant_that_then_records_and_exports(
    client: TestClient, admin: dict[str, str]
) -> None:
    account = client.post("/v1.1/admin/accounts", json={"name": "Tenant B"}, headers=admin)
    assert account.status_code == 201, account.text
    account_id = account.json()["id"]
    site = client.post(
        "/v1.1/admin/sites",
        json={
            "account": account_id,
            "name": "B shop",
            "max_export_days": 30,
            "allowed_origins": ["https://shop.b.example/"],
        },
        headers=admin,
    )
    assert site.status_code == 201, site.text
    assert site.json()["allowed_origins"] == ["https://shop.b.example"]
    assert site.json()["max_export_days"] == 30 and len(site.json()["access_id"]) == 32
    site_id, access_id = site.json()["id"], site.json()["access_id"]
    token = client.post(
        "/v1.1/admin/tokens",
        json={
            "account": account_id,
            "sites": [site_id],
            "email": "b@b.example",
            "expires": "30d",
            "label": "ci",
        },
        headers=admin,
    )
    assert token.status_code == 201, token.text
    assert token.headers["cache-control"] == "no-store"
    issued = token.json()
    assert "admin" not in issued["permissions"] and issued["sites"] == [site_id]
    assert issued["expires_time"] > utc_now().isoformat()[:10]
    b = {"Authorization": f"Bearer {issued['token']}"}

    contract = client.post("/v1.1/contracts", json={"title": "Terms", "key": "terms"}, headers=b)
    assert contract.status_code == 201 and contract.json()["site"] == site_id
    version = client.post(
        f"/v1.1/contracts/{contract.json()['id']}/versions",
        json={"body": "<p>T</p>", "publish": True},
        headers=b,
    )
    assert version.status_code == 201, version.text
    send = {"sid": access_id, "sig": "x@b.example", "et": "agreed", "cid": [contract.json()["id"]]}
    origin = {"Content-Type": "application/json", "Origin": "https://shop.b.example"}
    assert client.post("/send", content=json.dumps(send), headers=origin).status_code == 200
    elsewhere = {**origin, "Origin": "https://evil.example"}
    assert client.post("/send", content=json.dumps(send), headers=elsewhere).status_code == 403
    too_long = {"start_date": (utc_now() - timedelta(days=60)).isoformat()}
    refused = client.post("/v1.1/extract/evidence", json=too_long, headers=b)
    assert refused.status_code == 400 and "30" in refused.json()["error"]
    # B's token does not reach the demo site, nor the administration.
    assert client.get("/v1.1/contracts", params={"site_id": 1}, headers=b).status_code == 403
    assert client.post("/v1.1/admin/accounts", json={"name": "C"}, headers=b).status_code == 403


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1.1/admin/accounts", {}, "name"),
        ("/v1.1/admin/accounts", {"name": "A", "extra": 1}, "extra"),
        ("/v1.1/admin/sites", {"name": "S"}, "account"),
        ("/v1.1/admin/sites", {"account": 1, "name": "S", "max_export_days": 0}, "max_export_days"),
        (
            "/v1.1/admin/sites",
            {"account": 1, "name": "S", "allowed_origins": ["ftp://x"]},
            "allowed_origins[0]",
        ),
        ("/v1.1/admin/sites", {"account": 999, "name": "S"}, "account"),
        ("/v1.1/admin/tokens", {"account": 1, "email": "e@x"}, "sites"),
        ("/v1.1/admin/tokens", {"account": 1, "sites": [1], "email": "e@x", "expires": "-1d"}, "expires"),
        (
            "/v1.1/admin/tokens",
            {"account": 1, "sites": [1], "email": "e@x", "expires": "2001-01-01"},
            "expires",
        ),
        (
            "/v1.1/admin/tokens",
            {"account": 1, "sites": [1], "email": "e@x", "permissions": ["root"]},
            "permissions[0]",
        ),
        ("/v1.1/admin/tokens", {"account": 1, "sites": [77], "email": "e@x"}, "sites"),
    ],
)
def test_malformed_admin_requests_name_the_field(
    client: TestClient, admin: dict[str, str], path: str, body: dict[str, object], field: str
) -> None:
    answer = client.post(path, json=body, headers=admin)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["field"] == field, answer.json()
    assert answer.json()["error"]


def test_admin_routes_refuse_tokens_without_the_admin_permission(client: TestClient) -> None:
    answer = client.post("/v1.1/admin/accounts", json={"name": "X"})  # the demo token: every other permission
    assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")
    assert "admin" in answer.json()["error"]
    anonymous = client.post("/v1.1/admin/accounts", json={"name": "X"}, headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_an_expired_token_gets_a_clear_401(client: TestClient, system: System, demo: DemoResult) -> None:
    issued = system.tenancy.create_token(
        TokenInput(
            demo.account_id, (demo.site_id,), "short@example.com", None, "", utc_now() + timedelta(seconds=1)
        )
    )
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/v1.1/contracts", headers=headers).status_code == 200
    with system.engine.begin() as conn:  # a second later, without waiting for it
        from sqlalchemy import update

        from clickproof.store.tables import api_tokens

        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.public_id == issued.public_id)
            .values(expires_time=utc_now() - timedelta(seconds=1))
        )
    answer = client.get("/v1.1/contracts", headers=headers)
    assert (answer.status_code, answer.json()["code"]) == (401, "token_expired")
    assert "expired at" in answer.json()["error"]
    forged = client.get("/v1.1/contracts", headers={"Authorization": f"Bearer {issued.token[:-2]}xx"})
    assert (forged.status_code, forged.json()["code"]) == (401, "unauthenticated")  # no secret, no reason
