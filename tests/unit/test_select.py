"""Select: fixed families list the valid names; tenant families are capped, never checked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from clickproof.domain import limits
from clickproof.domain.export_request import parse_export_request
from clickproof.domain.fields import CONNECTION_ALL_KEYS, SELECTABLE_CONNECTION_KEYS, Family
from clickproof.errors import InvalidSelectError

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def parse(select: Any, **flags: bool) -> Any:
    return parse_export_request(
        {"start_date": "2026-11-01", "select": select, **flags}, now=NOW, max_export_days=365
    )


def error(select: Any) -> InvalidSelectError:
    with pytest.raises(InvalidSelectError) as info:
        parse(select)
    return info.value


@pytest.mark.parametrize("family", ["custom", "render"])
def test_tenant_names_count_boundary(family: str) -> None:
    parse({family: [f"k{i}" for i in range(limits.MAX_SELECT_NAMES)]})
    assert error({family: [f"k{i}" for i in range(limits.MAX_SELECT_NAMES + 1)]}).field == f"select.{family}"


@pytest.mark.parametrize("family", ["custom", "render"])
def test_tenant_name_length_boundary(family: str) -> None:
    parse({family: ["k" * limits.MAX_FIELD_NAME_LENGTH]})
    assert error({family: ["k" * (limits.MAX_FIELD_NAME_LENGTH + 1)]}).field == f"select.{family}[0]"
    assert error({family: [""]}).field == f"select.{family}[0]"
    assert error({family: ["a\x00b"]}).field == f"select.{family}[0]"
    parse({family: ['a"b', "t\tab", "n\nl", "back\\slash"]})  # every database can read these keys


def test_unknown_connection_names_list_the_valid_ones() -> None:
    problem = error({"connection": ["remote_address", "client_librar"]})
    assert "'client_librar'" in problem.message
    assert all(key in problem.message for key in SELECTABLE_CONNECTION_KEYS)


def test_all_switches_override_the_arrays() -> None:
    request = parse(
        {"connection": ["remote_address"], "custom": ["vip"]}, connection_all=True, custom_all=True
    )
    columns = request.columns(["a", "vip"])
    connection = [c.name for c in columns if c.family is Family.CONNECTION]
    custom = [c.name for c in columns if c.family is Family.CUSTOM]
    assert connection == list(CONNECTION_ALL_KEYS) and custom == ["a", "vip"]


def test_all_four_families_in_order() -> None:
    request = parse({"standard": ["uuid"], "connection": ["page_url"], "custom": ["vip"], "render": ["plan"]})
    columns = [(c.family.value, c.name) for c in request.columns([])]
    assert columns == [
        ("standard", "id"),
        ("standard", "signer_id"),
        ("standard", "created_time"),
        ("standard", "uuid"),
        ("connection", "page_url"),
        ("custom", "vip"),
        ("render", "plan"),
    ]
