"""Console users and sessions on SQLite and PostgreSQL: Argon2id hashes, sign-in that answers
alike for a wrong e-mail and a wrong password, idle and absolute timeouts, sign-out everywhere,
roles as permissions, and another account's site answered like a missing one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from clickproof.bootstrap import System
from clickproof.domain.console_roles import PERMISSIONS, Role
from clickproof.domain.timestamps import utc_now
from clickproof.errors import NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError
from clickproof.services.demo_data import DemoResult
from clickproof.services.tokens import Permission
from tests.support.tenants import second_tenant

PASSWORD = "correct horse battery"


def test_a_user_signs_in_with_an_argon2id_hash(system: System, demo: DemoResult) -> None:
    user = system.console.create_user(
        account_id=demo.account_id,
        email=" Ann@Example.com ",
        name="Ann",
        password=PASSWORD,
        roles={demo.site_id: Role.EXPORTER},
    )
    assert user.email == "ann@example.com"
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    secret, session = system.console.sign_in("ann@example.com", PASSWORD, "203.0.113.9")
    assert session.user.id == user.id and session.roles == {demo.site_id: Role.EXPORTER}
    found = system.console.session_for(secret)
    assert found is not None and found.csrf_token == session.csrf_token
    assert system.console.session_for(secret + "x") is None
    access = system.console.access(found, demo.site_id)
    assert access.principal.permissions == PERMISSIONS[Role.EXPORTER]
    assert Permission.EXPORTS_CREATE.value in access.principal.permissions
    assert Permission.CATALOG_WRITE.value not in access.principal.permissions
    assert access.principal.token_id is None and access.principal.site_ids == (demo.site_id,)


def test_wrong_email_and_wrong_password_answer_alike(system: System, demo: DemoResult) -> None:
    system.console.create_user(
        account_id=demo.account_id,
        email="bo@example.com",
        name="",
        password=PASSWORD,
        roles={demo.site_id: Role.VIEWER},
    )
    messages = []
    for email, password in [
        ("bo@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        ("", ""),
    ]:
        with pytest.raises(UnauthenticatedError) as refused:
            system.console.sign_in(email, password, None)
        messages.append((refused.value.code, refused.value.message))
    assert len(set(messages)) == 1


def test_passwords_and_roles_are_checked(system: System, demo: DemoResult) -> None:
    with pytest.raises(ValidationError) as short:
        system.console.create_user(
            account_id=demo.account_id, email="c@example.com", name="", password="short", roles={}
        )
    assert short.value.code == "weak_password" and short.value.field == "password"
    with pytest.raises(ValidationError) as email:
        system.console.create_user(
            account_id=demo.account_id, email="not an address", name="", password=PASSWORD, roles={}
        )
    assert email.value.field == "email"


def test_sessions_end_when_idle_too_long_or_too_old(system: System, demo: DemoResult) -> None:
    system.console.create_user(
        account_id=demo.account_id,
        email="d@example.com",
        name="",
        password=PASSWORD,
        roles={demo.site_id: Role.ADMIN},
    )
    policy = system.console.policy
    secret, _ = system.console.sign_in("d@example.com", PASSWORD, None)
    now = utc_now()
    assert system.console.session_for(secret, now + policy.idle - timedelta(seconds=5)) is not None
    # Active all along (touched), yet older than the absolute timeout: ended.
    step = policy.idle / 2
    moment = now
    while moment < now + policy.absolute - step:
        moment += step
        assert system.console.session_for(secret, moment) is not None
    assert system.console.session_for(secret, now + policy.absolute + timedelta(seconds=1)) is None
    secret, _ = system.console.sign_in("d@example.com", PASSWORD, None)
    assert system.console.session_for(secret, utc_now() + policy.idle + timedelta(seconds=61)) is None
    assert system.console.session_for(secret) is None  # an expired session is forgotten


def test_sign_out_everywhere_and_a_new_password_end_every_session(system: System, demo: DemoResult) -> None:
    user = system.console.create_user(
        account_id=demo.account_id,
        email="e@example.com",
        name="",
        password=PASSWORD,
        roles={demo.site_id: Role.VIEWER},
    )
    first, session = system.console.sign_in("e@example.com", PASSWORD, None)
    second, _ = system.console.sign_in("e@example.com", PASSWORD, None)
    assert system.console.sign_out_everywhere(session) == 2
    assert system.console.session_for(first) is None and system.console.session_for(second) is None
    third, _ = system.console.sign_in("e@example.com", PASSWORD, None)
    system.console.set_password(user.id, "another long password")
    assert system.console.session_for(third) is None
    with pytest.raises(UnauthenticatedError):
        system.console.sign_in("e@example.com", PASSWORD, None)


def test_another_accounts_site_is_not_found_like_a_missing_one(
    system: System, demo: DemoResult, client: TestClient
) -> None:
    other = second_tenant(system, client)
    with pytest.raises(ValidationError):  # a role on another account's site cannot be given
        system.console.create_user(
            account_id=demo.account_id,
            email="f@example.com",
            name="",
            password=PASSWORD,
            roles={other.site_id: Role.ADMIN},
        )
    system.console.create_user(
        account_id=demo.account_id,
        email="f@example.com",
        name="",
        password=PASSWORD,
        roles={demo.site_id: Role.ADMIN},
    )
    _, session = system.console.sign_in("f@example.com", PASSWORD, None)
    answers = []
    for site_id in (other.site_id, 99999):
        with pytest.raises(NotFoundError) as missing:
            system.console.access(session, site_id)
        answers.append((missing.value.code, missing.value.message))
    assert answers[0] == answers[1]
    assert [s.id for s, _ in system.console.sites(session)] == [demo.site_id]


def test_sign_in_attempts_are_counted_per_address_across_emails(system: System, demo: DemoResult) -> None:
    limit = system.console.policy.login_attempts_per_address.allowed
    for n in range(limit):
        with pytest.raises(UnauthenticatedError):
            system.console.sign_in(f"guess{n}@example.com", "wrong password!", "198.51.100.7")
    with pytest.raises(RateLimitedError) as limited:
        system.console.sign_in("guess@example.com", "wrong password!", "198.51.100.7")
    assert limited.value.limit == "console_login_attempts_per_address"


def test_the_sweeper_forgets_expired_sessions_now_and_then(system: System, demo: DemoResult) -> None:
    system.console.create_user(
        account_id=demo.account_id,
        email="g@example.com",
        name="",
        password=PASSWORD,
        roles={demo.site_id: Role.VIEWER},
    )
    secret, session = system.console.sign_in("g@example.com", PASSWORD, None)
    later = utc_now() + system.console.policy.absolute + timedelta(minutes=1)
    assert system.console.periodic_forget(later) == 1
    assert system.console.store.session(session.id_hash) is None
    system.console.sign_in("g@example.com", PASSWORD, None)
    assert system.console.periodic_forget(later + timedelta(minutes=1)) == 0  # not again so soon
    assert system.console.periodic_forget(later + timedelta(minutes=11)) == 1
    assert secret
