"""End to end with real processes: sends to `clickproof serve`, `clickproof import` twice,
`clickproof verify-chain` before and after tampering, `clickproof erase-signer`."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from clickproof.store.database import create_db_engine
from clickproof.store.tables import activities
from tests.e2e.test_processes import Server, home, run_cli, server

__all__ = ["home", "server"]  # fixtures shared with test_processes; `token` is this module's own

pytestmark = pytest.mark.e2e
SID = "demo-site-access-id"


@pytest.fixture  # 200 activities: the chain lengths below count them
def token(home: Path, database_url: str) -> str:
    result = run_cli(home, database_url, "demo", "--activities", "200", "--seed", "4")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_sends_imports_and_chain_verification(
    home: Path, database_url: str, token: str, server: Server
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    contracts = httpx.get(f"{server.url}/v1.1/contracts", headers=headers).json()["data"]
    cids = [c["id"] for c in contracts]
    sent = httpx.post(
        f"{server.url}/send",
        json={"sid": SID, "sig": "e2e@example.com", "et": "agreed", "cid": cids[:2], "pat": "Sign up"},
        headers={"Idempotency-Key": "e2e-1"},
    )
    assert sent.status_code == 200, sent.text
    again = httpx.post(
        f"{server.url}/send",
        json={"sid": SID, "sig": "e2e@example.com", "et": "agreed", "cid": cids[:2], "pat": "Sign up"},
        headers={"Idempotency-Key": "e2e-1"},
    )
    assert again.json() == sent.json()
    latest = httpx.get(f"{server.url}/latest", params={"sid": SID, "sig": "e2e@example.com", "cid": cids[0]})
    assert latest.json() == {str(cids[0]): True}

    rows = [
        {
            "id": f"{0xE2E000 + i:024x}",
            "event_type": "agreed",
            "signer_id": f"imp{i}@example.com",
            "contract": cids[0],
            "version": contracts[0]["published_version"],
        }
        for i in range(50)
    ]
    data = home / "acceptances.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first = run_cli(home, database_url, "import", str(data), "--access-id", SID)
    assert first.returncode == 0, first.stderr
    assert "50 imported, 0 already present" in first.stdout
    second = run_cli(home, database_url, "import", str(data), "--access-id", SID)
    assert "0 imported, 50 already present" in second.stdout

    bad = home / "bad.csv"
    bad.write_text('"id","event_type","contract","version"\r\n"' + "f" * 24 + '","agreed",1,"x"\r\n')
    rejected = run_cli(home, database_url, "import", str(bad), "--access-id", SID)
    assert rejected.returncode == 1 and "bad.csv:2: " in rejected.stderr

    verified = run_cli(home, database_url, "verify-chain")
    assert verified.returncode == 0, verified.stderr
    assert "site 1: ok, 252 links" in verified.stdout

    erased = run_cli(
        home,
        database_url,
        "erase-signer",
        "--access-id",
        SID,
        "--signer-id",
        "imp3@example.com",
        "--reason",
        "ticket 42",
        "--by",
        "dpo@example.com",
    )
    assert erased.returncode == 0 and "1 activities erased" in erased.stdout
    assert run_cli(home, database_url, "verify-chain", "--site-id", "1").returncode == 0

    engine = create_db_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(activities).where(activities.c.chain_seq == 17).values(event_type="disagreed")
            )
    finally:
        engine.dispose()
    broken = run_cli(home, database_url, "verify-chain")
    assert broken.returncode == 1
    assert "BROKEN at link 17" in broken.stderr and "16 links verify before it" in broken.stderr
