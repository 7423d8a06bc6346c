"""The administration and account pages in process, on SQLite and PostgreSQL: role limits, CSRF,
tenancy, bad input answered as a page naming the problem, tokens listed per site, the last admin
kept, a password change that ends the other sessions."""

from __future__ import annotations

import html as html_module
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.console_roles import Role
from clickproof.domain.timestamps import utc_now
from clickproof.services.demo_data import DemoResult
from tests.support.tenants import second_tenant
from tests.web.console_client import PASSWORD, Console, console_user


def _site(system: System, demo: DemoResult, name: str, access_id: str) -> int:
    """Another site of the demo's account."""
    with system.engine.begin() as conn:
        return system.tenants.create_site(
            conn,
            account_id=demo.account_id,
            name=name,
            access_id=access_id,
            max_export_days=30,
            now=utc_now(),
        )


def _change_password(console: Console, current: str, new: str, again: str) -> httpx.Response:
    """The account page's password form, posted."""
    return console.post(
        "/console/account/password",
        {"current_password": current, "new_password": new, "new_password_again": again},
    )


def _alert(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]*)<', html)
    assert match, html[:2000]
    return html_module.unescape(match.group(1))


@pytest.fixture
def admin(system: System, demo: DemoResult) -> Console:
    console_user(system, demo, "admin@example.com", Role.ADMIN)
    return Console(system, "admin@example.com")


def test_every_admin_page_is_refused_to_an_exporter_and_a_viewer(
    system: System, demo: DemoResult, admin: Console
) -> None:
    console_user(system, demo, "exporter@example.com", Role.EXPORTER)
    console_user(system, demo, "viewer@example.com", Role.VIEWER)
    base = f"/console/sites/{demo.site_id}/admin"
    public_id = demo.token.split("_")[1]
    user_id = system.console.store.users_by_email("admin@example.com")[0].id
    pages = ["", "/tokens", "/users", "/settings", "/settings/public-key.pem", "/settings/rotate-key"]
    forms = [
        "/tokens",
        f"/tokens/{public_id}/revoke",
        "/users",
        f"/users/{user_id}/role",
        f"/users/{user_id}/remove",
        "/settings/max-export-days",
        "/settings/origins",
        "/settings/rotate-key",
    ]
    for email in ("exporter@example.com", "viewer@example.com"):
        console = Console(system, email)
        assert f'href="{base}"' not in console.http.get(f"/console/sites/{demo.site_id}").text
        for page in pages:
            assert console.http.get(base + page).status_code == 403, page
        for form in forms:
            answer = console.post(
                base + form, {"role": "viewer", "max_export_days": "5", "permissions": "exports:read"}
            )
            assert answer.status_code == 403, form
            assert "this needs admin" in _alert(answer.text)
    # Nothing changed: the admin still is, the token still works, the setting is as it was.
    assert system.console.store.roles(user_id) == {demo.site_id: "admin"}
    assert system.tenants.token_by_public_id(public_id).revoked_time is None  # type: ignore[union-attr]
    assert system.tenants.site(demo.site_id).max_export_days == 365  # type: ignore[union-attr]
    for page in pages[:4]:
        assert admin.http.get(base + page).status_code == 200, page


def test_another_accounts_site_is_not_found_and_forms_need_their_csrf_token(
    system: System, demo: DemoResult, admin: Console, client: TestClient
) -> None:
    other = second_tenant(system, client)
    for path in ("/admin", "/admin/tokens", "/admin/settings/public-key.pem"):
        assert admin.http.get(f"/console/sites/{other.site_id}{path}").status_code == 404
    assert (
        admin.post(
            f"/console/sites/{other.site_id}/admin/settings/max-export-days", {"max_export_days": "9"}
        ).status_code
        == 404
    )
    base = f"/console/sites/{demo.site_id}/admin"
    refused = admin.post(base + "/settings/max-export-days", {"max_export_days": "9"}, csrf=False)
    assert refused.status_code == 403 and "did not come from this console" in _alert(refused.text)
    forged = admin.http.post(base + "/settings/rotate-key", data={"csrf_token": admin.csrf[:-1] + "x"})
    assert forged.status_code == 403
    assert system.tenants.site(demo.site_id).max_export_days == 365  # type: ignore[union-attr]
    assert len(system.keys.published(demo.site_id)) == 1
    # Another account's token, and a user of another account, are not found either.
    other_token = other.headers["Authorization"].split("_")[1]
    assert admin.http.get(f"{base}/tokens/{other_token}/revoke").status_code == 404
    assert admin.post(f"{base}/tokens/{other_token}/revoke").status_code == 404
    other_user = system.console.create_user(
        account_id=other.account_id,
        email="z@example.com",
        name="",
        password=PASSWORD,
        roles={other.site_id: Role.ADMIN},
    )
    assert admin.post(f"{base}/users/{other_user.id}/role", {"role": "viewer"}).status_code == 404
    assert admin.http.get(f"{base}/users/{other_user.id}/remove").status_code == 404
    assert admin.http.get(f"{base}/users/abc/remove").status_code == 404


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        (
            "/settings/max-export-days",
            {"max_export_days": "0"},
            400,
            "max_export_days must be a whole number of days from 1 to 3650",
        ),
        (
            "/settings/max-export-days",
            {"max_export_days": "abc"},
            400,
            "max_export_days must be a whole number of days from 1 to 3650",
        ),
        ("/settings/max-export-days", {"max_export_days": "99999999999999999999"}, 400, "from 1 to 3650"),
        ("/settings/max-export-days", {}, 400, "from 1 to 3650"),
        ("/settings/origins", {"allowed_origins": "not an origin"}, 400, "origin"),
        ("/tokens", {"label": "x"}, 400, "choose at least one permission"),
        ("/tokens", {"permissions": "admin"}, 400, "unknown permission 'admin'"),
        (
            "/tokens",
            {"permissions": "exports:read", "expires": "yesterday"},
            400,
            "expires must be a duration",
        ),
        (
            "/tokens",
            {"permissions": "exports:read", "expires": "2001-01-01T00:00:00Z"},
            400,
            "expires must lie in the future",
        ),
        (
            "/tokens",
            {"permissions": "exports:read", "sites": "99999"},
            403,
            "you are not an admin of site 99999",
        ),
        (
            "/tokens",
            {"permissions": "exports:read", "sites": "x"},
            400,
            "'x' is not a site id",
        ),
        (
            "/tokens",
            {"permissions": "exports:read", "label": "x" * 201},
            400,
            "label must be text of 1 to 200",
        ),
        ("/users", {"email": "not an address", "role": "viewer"}, 400, "is not an e-mail address"),
        ("/users", {"email": "n@example.com", "role": "owner"}, 400, "unknown role 'owner'"),
        ("/tokens/zz/revoke", {}, 404, "There is nothing here"),
    ],
)
def test_bad_input_is_a_page_naming_the_problem(
    demo: DemoResult, admin: Console, path: str, data: dict[str, str], status: int, message: str
) -> None:
    answer = admin.post(f"/console/sites/{demo.site_id}/admin{path}", data)
    assert answer.status_code == status, answer.text[:500]
    assert message in _alert(answer.text)


def test_bad_page_numbers_are_refused_and_pages_answer(demo: DemoResult, admin: Console) -> None:
    base = f"/console/sites/{demo.site_id}/admin"
    for value in ("0", "-1", "x", "1" * 30):
        answer = admin.http.get(f"{base}/tokens?page={value}")
        assert answer.status_code == 400 and "page must be a whole number" in _alert(answer.text)
    assert admin.http.get(f"{base}/users?page=9").status_code == 200
    assert "No API token may act on this site on this page" in admin.http.get(f"{base}/tokens?page=9").text


def test_tokens_are_listed_per_site_and_revoked_once(
    system: System, demo: DemoResult, admin: Console, client: TestClient
) -> None:
    other = second_tenant(system, client)
    base = f"/console/sites/{demo.site_id}/admin"
    created = admin.post(
        base + "/tokens",
        {"permissions": ["exports:read", "catalog:read"], "label": "nightly", "expires": "30d"},
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = re.search(r"cp_[0-9a-f]{16}_[A-Za-z0-9_-]{43}", created.text)
    assert secret is not None
    token = secret.group(0)
    public_id = token.split("_")[1]
    record = system.tenants.token_by_public_id(public_id)
    assert record is not None and record.permissions == frozenset({"exports:read", "catalog:read"})
    assert record.site_ids == (demo.site_id,) and record.expires_time is not None
    listing = admin.http.get(base + "/tokens").text
    assert public_id in listing and demo.token.split("_")[1] in listing and token not in listing
    assert other.headers["Authorization"].split("_")[1] not in listing  # another account's
    api = client.get("/v1.1/extract/evidence", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200, api.text
    assert "Revoke the token" in admin.http.get(f"{base}/tokens/{public_id}/revoke").text
    revoked = admin.post(f"{base}/tokens/{public_id}/revoke")
    assert revoked.status_code == 303 and revoked.headers["location"].endswith(f"?revoked={public_id}")
    assert (
        client.get("/v1.1/extract/evidence", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    again = admin.post(f"{base}/tokens/{public_id}/revoke")
    assert again.status_code == 400 and "revoked already" in _alert(again.text)


def test_a_token_may_cover_the_other_sites_the_admin_administers(system: System, demo: DemoResult) -> None:
    second = _site(system, demo, "Second", "second-site")
    third = _site(system, demo, "Third", "third-site")
    user_id = console_user(system, demo, "two@example.com", Role.ADMIN)
    system.console.set_role(demo.account_id, user_id, second, "admin")
    system.console.set_role(demo.account_id, user_id, third, "viewer")
    console = Console(system, "two@example.com")
    page = console.http.get(f"/console/sites/{demo.site_id}/admin/tokens").text
    assert f'name="sites" value="{second}"' in page and f'value="{third}"' not in page
    refused = console.post(
        f"/console/sites/{demo.site_id}/admin/tokens", {"permissions": "exports:read", "sites": str(third)}
    )
    assert refused.status_code == 403
    made = console.post(
        f"/console/sites/{demo.site_id}/admin/tokens", {"permissions": "exports:read", "sites": str(second)}
    )
    public_id = re.search(r"cp_([0-9a-f]{16})_", made.text).group(1)  # type: ignore[union-attr]
    record = system.tenants.token_by_public_id(public_id)
    assert record is not None and record.default_site_id == demo.site_id
    assert record.site_ids == tuple(sorted((demo.site_id, second)))
    # Listed on both sites it covers (json containment on either database), not on the third.
    assert public_id in console.http.get(f"/console/sites/{second}/admin/tokens").text
    assert [t.public_id for t in system.tenants.site_tokens(demo.account_id, third, limit=10, offset=0)] == []


def test_users_are_added_changed_and_removed_and_the_last_admin_stays(
    system: System, demo: DemoResult, admin: Console
) -> None:
    base = f"/console/sites/{demo.site_id}/admin"
    added = admin.post(base + "/users", {"email": "New@Example.com", "name": "New", "role": "exporter"})
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    password = re.search(r'<pre id="new-password"[^>]*><code>([^<]+)</code>', added.text).group(1)  # type: ignore[union-attr]
    newcomer = Console(system, "new@example.com", password)
    assert newcomer.http.get(f"/console/sites/{demo.site_id}").status_code == 200
    again = admin.post(base + "/users", {"email": "new@example.com", "role": "viewer"})
    assert again.status_code == 400 and "has a role on this site already" in _alert(again.text)
    new_id = system.console.store.users_by_email("new@example.com")[0].id
    assert (
        admin.post(f"{base}/users/{new_id}/role", {"role": "viewer"})
        .headers["location"]
        .endswith("changed=role")
    )
    assert system.console.store.roles(new_id) == {demo.site_id: "viewer"}
    me = system.console.store.users_by_email("admin@example.com")[0].id
    # I am the site's only admin (the demo's user has no console role here).
    for path, data in ((f"/users/{me}/role", {"role": "exporter"}), (f"/users/{me}/remove", {})):
        refused = admin.post(base + path, data)
        assert refused.status_code == 400
        assert "you are this site's only admin: give another user the admin role first" in _alert(
            refused.text
        )
    assert system.console.store.roles(me) == {demo.site_id: "admin"}
    # Another admin: now I may step down, and land on a page I may still see.
    assert admin.post(f"{base}/users/{new_id}/role", {"role": "admin"}).status_code == 303
    stepped = admin.post(f"{base}/users/{me}/role", {"role": "viewer"})
    assert stepped.status_code == 303 and stepped.headers["location"] == f"/console/sites/{demo.site_id}"
    assert admin.http.get(base).status_code == 403
    # Someone who can sign in already keeps their password when added to a site.
    kept = newcomer.post(f"{base}/users", {"email": "admin@example.com", "role": "exporter"})
    assert kept.status_code == 400  # has a role here already
    listing = newcomer.http.get(f"{base}/users").text
    assert "admin@example.com" in listing and "new@example.com" in listing


def test_an_existing_user_keeps_their_password_when_given_a_role(
    system: System, demo: DemoResult, admin: Console
) -> None:
    second = _site(system, demo, "Second", "second-site")
    me = system.console.store.users_by_email("admin@example.com")[0].id
    system.console.set_role(demo.account_id, me, second, "admin")
    console_user(system, demo, "keeps@example.com", Role.VIEWER)
    added = admin.post(
        f"/console/sites/{second}/admin/users", {"email": "keeps@example.com", "role": "exporter"}
    )
    assert (
        added.status_code == 200 and "can sign in already" in added.text and "new-password" not in added.text
    )
    assert Console(system, "keeps@example.com").http.get(f"/console/sites/{second}").status_code == 200


def test_settings_are_saved_and_the_key_rotates(system: System, demo: DemoResult, admin: Console) -> None:
    base = f"/console/sites/{demo.site_id}/admin/settings"
    saved = admin.post(base + "/max-export-days", {"max_export_days": " 90 "})
    assert saved.status_code == 303
    assert system.tenants.site(demo.site_id).max_export_days == 90  # type: ignore[union-attr]
    assert 'value="90"' in admin.http.get(base).text
    assert (
        admin.post(
            base + "/origins", {"allowed_origins": "https://shop.example\n\nhttps://b.example:8443\n"}
        ).status_code
        == 303
    )
    assert system.tenants.site(demo.site_id).allowed_origins == (
        "https://shop.example",
        "https://b.example:8443",
    )  # type: ignore[union-attr]
    assert admin.post(base + "/origins", {"allowed_origins": ""}).status_code == 303
    assert system.tenants.site(demo.site_id).allowed_origins is None  # type: ignore[union-attr]
    before = system.keys.for_site(demo.site_id).key_id
    page = admin.http.get(base).text
    site = system.tenants.site(demo.site_id)
    assert before in page and site is not None and site.access_id in page
    pem = admin.http.get(base + "/public-key.pem")
    assert pem.headers["content-disposition"].startswith("attachment;") and "BEGIN PUBLIC KEY" in pem.text
    assert "Rotate the key" in admin.http.get(base + "/rotate-key").text
    assert admin.post(base + "/rotate-key").headers["location"].endswith("saved=key")
    keys = system.keys.published(demo.site_id)
    assert len(keys) == 2 and keys[0].valid_until is not None and keys[1].key_id != before
    document = admin.http.get(base + "/published-keys.json").json()
    assert [k["status"] for k in document["keys"]] == ["retired", "current"]


def test_a_new_password_needs_the_current_one_and_ends_the_other_sessions(
    system: System, demo: DemoResult, admin: Console
) -> None:
    other = Console(system, "admin@example.com")
    wrong = _change_password(admin, "nope", "a new long password", "a new long password")
    assert wrong.status_code == 400 and "the current password is not right" in _alert(wrong.text)
    short = _change_password(admin, PASSWORD, "short", "short")
    assert short.status_code == 400 and "at least 10 characters" in _alert(short.text)
    differ = _change_password(admin, PASSWORD, "a new long password", "another")
    assert differ.status_code == 400 and "differ" in _alert(differ.text)
    changed = _change_password(admin, PASSWORD, "a new long password", "a new long password")
    assert (
        changed.status_code == 303
        and changed.headers["location"] == "/console/account?changed=password&ended=1"
    )
    assert (
        "Your password is changed. 1 other session ended." in admin.http.get(changed.headers["location"]).text
    )
    assert other.http.get("/console/account").status_code == 303  # signed out
    Console(system, "admin@example.com", "a new long password")
