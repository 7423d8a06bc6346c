"""A fixed activity with its context, for renderer tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from clickproof.domain.activity import Activity
from clickproof.evidence.record import EvidenceContext, ExportScope, KeyNames, VersionInfo
from clickproof.services.demo_data import _version_body

T0 = datetime(2026, 9, 1, 12, 30, 15, 123000, tzinfo=UTC)
EXPORT_ID = "0123456789abcdef01234567"
EXPORT_SCOPE = ExportScope(
    id=EXPORT_ID,
    start=T0 - timedelta(days=30),
    end=T0 + timedelta(days=1),
    filter_description="contract id is 1 and version number is greater than 1 and at most 3",
)
BODY = _version_body("Privacy Policy", 2)


def fixed_activity(**changes: Any) -> Activity:
    activity = Activity(
        id="5e8c6ecc51289e1e22816d6c",
        uuid="8f1c0e3a-8a52-4d5e-9b0e-3f2a1c9d7e11",
        account_id=1,
        site_id=1,
        signer_id="user000042@example.com",
        group_id=1,
        contract_id=2,
        version_id="000000010000000200000002",
        version_number=2,
        event_type="agreed",
        execution_method="click_to_accept",
        batch="1756729815123",
        session="sess_0123456789abcdef",
        created_time=T0,
        event_time=T0,
        test_mode=False,
        connection_data={
            "page_title": "Sign up | Acme",
            "page_url": "https://app.acme.example/signup?plan=pro",
            "remote_address": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "browser_locale": "ar-sa",
        },
        custom_data={
            "first_name": "王芳",
            "last_name": "الفارسي",
            "company_name": "株式会社テスト",
            "vip": True,
            "seats": 42,
            "note": "abc\u202edef\u0000x",
        },
        render_data={"CompanyName": "Acme Corp", "plan": "pro", "price": "$29"},
        signer_properties={
            "email": "user000042@example.com",
            "first_name": "Łukasz",
            "last_name": "Ёлка",
            "company_name": "شركة المثال",
        },
    )
    return replace(activity, **changes)


CHAIN_HASH = "5f0c" * 16
EXPORT_KEY = KeyNames("a1" * 32, "b2" * 32)


def fixed_context(**changes: Any) -> EvidenceContext:
    context = EvidenceContext(
        site_id=1,
        site_name="Demo Site",
        contract_id=2,
        contract_title="Privacy Policy",
        version=VersionInfo("000000010000000200000002", "Privacy Policy v2", 2, "2.0", T0, T0, BODY),
        group_id=1,
        group_title="Sign-up clickwrap",
        chain_seq=1234,
        chain_hash=CHAIN_HASH,
    )
    return replace(context, **changes)
