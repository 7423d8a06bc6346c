"""A second tenant beside the demo one: its own account, site, user, token, and a contract with a
published version, made through the real stores and API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.timestamps import utc_now
from clickproof.services.tokens import ALL_PERMISSIONS, issue_token


@dataclass(frozen=True)
class Tenant:
    account_id: int
    site_id: int
    access_id: str
    headers: dict[str, str]
    contract_id: int
    version_id: str


def second_tenant(system: System, client: TestClient, name: str = "Tenant B") -> Tenant:
    now = utc_now()
    access_id = secrets.token_hex(16)
    with system.engine.begin() as conn:
        account_id = system.tenants.create_account(conn, name, now)
        site_id = system.tenants.create_site(
            conn, account_id=account_id, name=name, access_id=access_id, max_export_days=365, now=now
        )
        user_id = system.tenants.create_user(
            conn, account_id=account_id, email="b@example.com", name="B", now=now
        )
        token = issue_token(
            system.tenants,
            conn,
            user_id=user_id,
            account_id=account_id,
            default_site_id=site_id,
            site_ids=[site_id],
            permissions=list(ALL_PERMISSIONS),
        )
    headers = {"Authorization": f"Bearer {token}"}
    contract = client.post("/v1.1/contracts", json={"title": "Terms", "key": "terms"}, headers=headers)
    assert contract.status_code == 201, contract.text
    version = client.post(
        f"/v1.1/contracts/{contract.json()['id']}/versions",
        json={"body": "<p>Terms</p>", "publish": True},
        headers=headers,
    )
    assert version.status_code == 201, version.text
    return Tenant(
        account_id, site_id, access_id, headers, int(contract.json()["id"]), str(version.json()["id"])
    )
