"""The event loop never runs a database statement: every statement of every route runs in a worker
thread. A listener on the engine records each statement issued from a thread that runs an event
loop; every `async def` route of the app is exercised here (a new one fails the test until it is)."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import event

from clickproof.api.app import create_app
from clickproof.bootstrap import System
from clickproof.domain.admin_request import TokenInput
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, DemoResult


@pytest.fixture
def on_loop(system: System) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        statements.append(statement)

    event.listen(system.engine, "before_cursor_execute", record)
    yield statements
    event.remove(system.engine, "before_cursor_execute", record)


def test_the_listener_sees_a_statement_run_on_the_loop(system: System, on_loop: list[str]) -> None:
    async def on_the_loop() -> None:
        with system.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    asyncio.run(on_the_loop())
    assert on_loop == ["SELECT 1"]


def test_no_route_runs_sql_on_the_event_loop(system: System, demo: DemoResult, on_loop: list[str]) -> None:
    app = create_app(system)
    exercised: set[tuple[str, str]] = set()
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {demo.token}"

        def call(method: str, route: str, path: str, **kwargs: Any) -> Any:
            response = client.request(method, path, **kwargs)
            assert response.status_code < 500, (method, path, response.text)
            exercised.add((method, route))
            return response.json()

        contract = call("POST", "/v1.1/contracts", "/v1.1/contracts", json={"title": "T", "key": "off-loop"})
        version = call(
            "POST",
            "/v1.1/contracts/{id}/versions",
            f"/v1.1/contracts/{contract['id']}/versions",
            json={"body": "<p>x</p>", "publish": True},
        )
        call(
            "POST",
            "/v1.1/groups",
            "/v1.1/groups",
            json={"key": "g", "title": "G", "contracts": [contract["id"]]},
        )
        call("POST", "/v1.1/signers", "/v1.1/signers", json={"signer_id": "off@example.com"})
        send = {
            "sid": DEMO_SITE_ACCESS_ID,
            "sig": "off@example.com",
            "cid": str(contract["id"]),
            "et": "agreed",
        }
        call("POST", "/send", "/send", json=send, headers={"Idempotency-Key": "off-loop-1"})
        call("POST", "/load/json", "/load/json", json={"sid": DEMO_SITE_ACCESS_ID, "gkey": "g"})
        call(
            "POST",
            "/v1.1/extract/evidence",
            "/v1.1/extract/evidence",
            json={"start_date": "2020-01-01T00:00:00Z"},
            headers={"Idempotency-Key": "off-loop-2"},
        )
        row = json.dumps(
            {
                "id": "5f0000000000000000000001",
                "contract": contract["id"],
                "version": version["id"],
                "signer_id": "imp@example.com",
                "event_type": "agreed",
                "created_time": "2026-01-01T00:00:00Z",
            }
        )
        call(
            "POST",
            "/v1.1/activity/import",
            "/v1.1/activity/import",
            content=row.encode(),
            headers={"Content-Type": "application/x-ndjson"},
        )
        call(
            "POST",
            "/v1.1/erasures",
            "/v1.1/erasures",
            json={"signer_id": "off@example.com", "reason": "asked"},
        )
        admin = {
            "Authorization": "Bearer "
            + system.tenancy.create_token(
                TokenInput(demo.account_id, (demo.site_id,), "ops@example.com", ("admin",), "operator", None)
            ).token
        }
        account = call(
            "POST", "/v1.1/admin/accounts", "/v1.1/admin/accounts", json={"name": "B"}, headers=admin
        )
        site = call(
            "POST",
            "/v1.1/admin/sites",
            "/v1.1/admin/sites",
            json={"account": account["id"], "name": "Shop"},
            headers=admin,
        )
        call(
            "POST",
            "/v1.1/admin/tokens",
            "/v1.1/admin/tokens",
            json={"account": account["id"], "sites": [site["id"]], "email": "b@example.com"},
            headers=admin,
        )
        schedule = call(
            "POST",
            "/v1.1/extract/schedules",
            "/v1.1/extract/schedules",
            json={
                "name": "weekly",
                "cron": "0 6 * * 1",
                "timezone": "Europe/Berlin",
                "window": {"kind": "previous_week"},
                "request": {"export_types": ["clickwrap_activities"]},
            },
        )
        call(
            "PATCH",
            "/v1.1/extract/schedules/{id}",
            f"/v1.1/extract/schedules/{schedule['id']}",
            json={"active": False},
        )
        call("POST", "/v1.1/extract/holds", "/v1.1/extract/holds", json={"reason": "litigation"})
        call(
            "POST",
            "/v1.1/webhooks",
            "/v1.1/webhooks",
            json={"url": "https://hooks.example.com/clickproof", "events": ["export.succeeded"]},
        )
        call("GET", "/openapi.json", "/openapi.json")
        call("GET", "/health", "/health")
        assert client.head("/health").status_code == 200
        exercised.add(("HEAD", "/health"))
        assert client.head("/openapi.json").status_code == 200
        exercised.add(("HEAD", "/openapi.json"))
    assert on_loop == []
    routes = list(iter_route_contexts(app.routes))
    async_routes = {
        (method, str(route.path_format))
        for route in routes
        if inspect.iscoroutinefunction(route.endpoint)
        for method in route.methods or ()
    }
    assert len(routes) > 20 and ("POST", "/v1.1/contracts") in async_routes
    assert async_routes <= exercised, f"async routes not exercised here: {async_routes - exercised}"
