"""A console client in process for the page tests: a console user of the demo's account with a
role on one site, signed in through the login form, with the pages' CSRF token at hand."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from clickproof.api.app import create_app
from clickproof.bootstrap import System
from clickproof.domain.console_roles import Role
from clickproof.services.demo_data import DemoResult

PASSWORD = "correct horse battery"


class Console:
    """A signed-in console client: the pages' CSRF token at hand."""

    def __init__(self, system: System, email: str, password: str = PASSWORD) -> None:
        self.http = TestClient(create_app(system), raise_server_exceptions=False, follow_redirects=False)
        login = self.http.get("/console/login")
        token = csrf_of(login.text)
        answer = self.http.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token, "next": "/console/"},
        )
        assert answer.status_code == 303, answer.text
        self.csrf = csrf_of(self.http.get("/console/account").text)

    def post(
        self, path: str, data: dict[str, str | list[str]] | None = None, csrf: bool = True
    ) -> httpx.Response:
        body: dict[str, str | list[str]] = dict(data or {})
        if csrf:
            body["csrf_token"] = self.csrf
        return self.http.post(path, data=body)


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"', maxsplit=1)[0]


def console_user(system: System, demo: DemoResult, email: str, role: Role, site_id: int | None = None) -> int:
    user = system.console.create_user(
        account_id=demo.account_id,
        email=email,
        name="",
        password=PASSWORD,
        roles={site_id or demo.site_id: role},
    )
    return user.id


def signed_in_as(system: System, demo: DemoResult, email: str, role: Role) -> Console:
    """A new console user of the demo's account with `role` on its site, signed in."""
    console_user(system, demo, email, role)
    return Console(system, email)
