"""Two tenants under load: one site's 20 queued exports do not hold back another site's small
export longer than about one job (workers take jobs fairly across sites)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from clickproof.bootstrap import build_system
from clickproof.domain.timestamps import utc_now
from clickproof.services.tokens import ALL_PERMISSIONS, issue_token
from tests.conftest import make_settings
from tests.e2e.test_processes import START, Server, api, run_cli, wait_status

pytestmark = pytest.mark.e2e


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


JOB_SECONDS = 1.0  # each of tenant A's exports sleeps this long on its one batch of rows


def second_tenant(home: Path, database_url: str) -> str:
    """An account with an empty site of its own; its token."""
    system = build_system(make_settings(home, database_url=database_url))
    try:
        with system.engine.begin() as conn:
            now = utc_now()
            account = system.tenants.create_account(conn, "Tenant B", now)
            site = system.tenants.create_site(
                conn, account_id=account, name="B", access_id="tenant-b-site", max_export_days=3660, now=now
            )
            user = system.tenants.create_user(
                conn, account_id=account, email="b@example.com", name="B", now=now
            )
            return issue_token(
                system.tenants,
                conn,
                user_id=user,
                account_id=account,
                default_site_id=site,
                site_ids=[site],
                permissions=list(ALL_PERMISSIONS),
            )
    finally:
        system.close()


def test_a_queue_of_one_tenant_does_not_hold_back_another(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    demo = run_cli(home, database_url, "demo", "--activities", "50", "--seed", "3")
    assert demo.returncode == 0, demo.stderr
    token_a = demo.stdout.strip().splitlines()[-1]
    token_b = second_tenant(home, database_url)
    server = Server(
        home,
        database_url,
        CLICKPROOF_WORKERS="2",
        CLICKPROOF_JOB_LEASE_SECONDS="30",
        CLICKPROOF_EXPORTS_QUEUED_PER_SITE="40",
        CLICKPROOF_FAILPOINTS=f"export.batch_written=sleep:{JOB_SECONDS}",
    )
    try:
        a, b = api(server, token_a), api(server, token_b)
        queued = [a.post("/v1.1/extract/evidence", json={"start_date": START}) for _ in range(20)]
        assert {r.status_code for r in queued} == {201}
        wait_status(a, queued[0].json()["id"], {"started", "success"})
        began = time.monotonic()
        small = b.post("/v1.1/extract/evidence", json={"start_date": START})
        assert small.status_code == 201, small.text
        done = wait_status(b, small.json()["id"], {"success", "failed"}, timeout=120)
        waited = time.monotonic() - began
        assert done["status"] == "success" and done["data"]["row_count"] == 0
        # A's jobs that finished while B's was in the system, by the server's own times (counting
        # by polling afterwards would also count jobs that ended while the polls ran).
        b_created, b_finished = instant(done["created_time"]), instant(done["updated_time"])
        a_jobs = [a.get(f"/v1.1/extract/evidence/{r.json()['id']}").json() for r in queued]
        finished_meanwhile = [
            j["id"]
            for j in a_jobs
            if j["status"] == "success" and b_created < instant(j["updated_time"]) <= b_finished
        ]
        a_done_after = sum(
            j["status"] == "success" and instant(j["updated_time"]) <= b_finished for j in a_jobs
        )
        # While B waited, each of the 2 workers finished at most the job it had (and a worker
        # that took B's job took no other); in arrival order B would have come after all 20.
        assert len(finished_meanwhile) <= 3, (finished_meanwhile, waited)
        assert a_done_after < 15
        for r in queued:
            wait_status(a, r.json()["id"], {"success"}, timeout=180)
    finally:
        server.stop()
    # About one job: a worker frees within JOB_SECONDS, then B's 0-row export runs (generous
    # slack for a loaded machine; the order above is the sharp check).
    assert waited < 2 * JOB_SECONDS + 6, waited
