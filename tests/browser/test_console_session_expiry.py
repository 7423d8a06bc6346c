"""A console session ends after its idle timeout and after its absolute timeout."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.browser.console_fixtures import csrf_token
from tests.browser.harness import seed_console
from tests.e2e.test_processes import Server

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("CLICKPROOF_CONSOLE_SESSION_IDLE_SECONDS", "1.5"),
        ("CLICKPROOF_CONSOLE_SESSION_ABSOLUTE_SECONDS", "2.5"),
    ],
)
def test_a_session_expires(tmp_path: Path, setting: str, value: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    url = f"sqlite:///{home / 'clickproof.db'}"
    email, password, _token = seed_console(home, url, activities=10)
    server = Server(home, url, **{setting: value})
    try:
        client = httpx.Client(base_url=server.url, timeout=10)
        token = csrf_token(client.get("/console/login").text)
        signed = client.post(
            "/console/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert signed.status_code == 303
        import time

        if setting.endswith("IDLE_SECONDS"):
            time.sleep(2.0)
            assert client.get("/console/sites/1").status_code == 303
        else:
            for _ in range(4):  # active every second, still ended by the absolute timeout
                time.sleep(0.8)
                answer = client.get("/console/sites/1")
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/console/login")
    finally:
        server.stop()
