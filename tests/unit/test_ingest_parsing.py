"""Pure parsing of Activity API parameters, import rows, and the chain's hashes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clickproof.domain.chain import (
    GENESIS,
    PersonalPart,
    canonical_json,
    link_hash,
    pii_hash,
    record_json,
    sha256_hex,
)
from clickproof.domain.import_row import RowError, check_columns, csv_value, from_csv, parse_row, unguard
from clickproof.domain.send_request import parse_lookup, parse_send
from clickproof.errors import ValidationError

VID = "5e8c6ecc51289e1e22816d6c"


def test_send_short_codes_map_to_the_activity() -> None:
    request = parse_send(
        {
            "sid": "s",
            "sig": "a@b",
            "et": "agreed",
            "cid": "1,2",
            "vid": f"{VID},{VID}",
            "em": "clickthrough",
            "pat": "T",
            "addr": "1.2.3.4",
            "bua": "UA",
            "cus": '{"x": 1}',
            "rnd": {"plan": "p"},
            "tm": "1",
            "_lib": "js",
        }
    )
    assert request.contract_ids == (1, 2) and request.version_ids == (VID, VID)
    assert request.connection_data == {
        "page_title": "T",
        "remote_address": "1.2.3.4",
        "user_agent": "UA",
        "client_library": "js",
        "server_side": False,
    }
    assert (
        request.custom_data == {"x": 1} and request.render_data == {"plan": "p"} and request.test_mode is True
    )


def test_send_versions_default_to_none_per_contract_and_lists_may_be_repeated() -> None:
    request = parse_send({"sid": "s", "et": "displayed", "cid": ["3", "4"]})
    assert (
        request.contract_ids == (3, 4) and request.version_ids == (None, None) and request.signer_id is None
    )


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"et": "agreed"}, "sid", "missing_field"),
        ({"sid": "s", "et": "agreed", "cid": "1"}, "sig", "missing_field"),
        ({"sid": "s", "et": "disagreed", "cid": "1"}, "sig", "missing_field"),
        ({"sid": "s", "et": "nope", "cid": "1"}, "et", "invalid_event_type"),
        ({"sid": "s", "et": "displayed", "cid": "1,1"}, "cid", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "-1"}, "cid", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "vid": "zz"}, "vid", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1,2", "vid": VID}, "vid", "mismatched_versions"),
        ({"sid": "s", "et": "displayed"}, "cid", "missing_field"),
        ({"sid": "s", "et": "displayed", "cid": "1", "em": "x"}, "em", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "cus": "{"}, "cus", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "sig": "x" * 1025}, "sig", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "pat": "a\x00b"}, "pat", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "w" * 65: "x"}, "w" * 40, "unknown_field"),
        ({"sid": "s", "et": "displayed", "cid": "1", "what": "x" * 5000}, "what", "parameter_too_large"),
        (
            {"sid": "s", "et": "displayed", "cid": "1", **{f"p{i:02}": i for i in range(21)}},
            "p00",
            "too_many_parameters",
        ),
        ({"sid": "s", "et": "displayed", "cid": "1", "rdid": "not-a-render"}, "rdid", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "tm": "maybe"}, "tm", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "_srv": "yes"}, "_srv", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": [True]}, "cid", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "sig": {"a": 1}}, "sig", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "cus": [1]}, "cus", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "rev": [{"a": 1}]}, "rev", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "gid": 1.5}, "gid", "invalid_parameter"),
        ({"sid": "s", "et": "displayed", "cid": "1", "btz": float("inf")}, "btz", "invalid_parameter"),
        (
            {"sid": "s", "et": "displayed", "cid": ",".join(str(i) for i in range(1, 60))},
            "cid",
            "invalid_parameter",
        ),
    ],
)
def test_send_errors_name_the_parameter(params: dict[str, object], field: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_send(params)
    assert (info.value.field, info.value.code) == (field, code)


def test_updated_needs_no_contract_but_a_signer() -> None:
    assert parse_send({"sid": "s", "et": "updated", "sig": "a"}).contract_ids == ()
    with pytest.raises(ValidationError):
        parse_lookup({"sid": "s", "sig": "a"})
    assert parse_lookup({"sid": "s", "sig": "a", "gkey": "g"}).group_key == "g"


def row(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "a" * 24,
        "event_type": "agreed",
        "signer_id": "s",
        "contract": 1,
        "version": VID,
    }
    base.update(overrides)
    return base


def test_import_row_parses_types_and_defaults() -> None:
    parsed = parse_row(
        row(created_time="2026-01-01", test_mode="TRUE", group="2", connection_data={"cookies": True})
    )
    assert parsed.created_time == datetime(2026, 1, 1, tzinfo=UTC) and parsed.test_mode is True
    assert parsed.group_id == 2 and parsed.connection_data == {"cookies": "true"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": "x"}, "id"),
        ({"event_type": "clicked"}, "event_type"),
        ({"signer_id": None}, "signer_id"),
        ({"contract": "one"}, "contract"),
        ({"version": None}, "version"),
        ({"created_time": "yesterday"}, "created_time"),
        ({"test_mode": "maybe"}, "test_mode"),
        ({"custom_data": [1]}, "custom_data"),
        ({"colour": "red"}, "colour"),
        ({"execution_method": "wave"}, "execution_method"),
    ],
)
def test_import_row_errors_name_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(RowError) as info:
        parse_row(row(**overrides))
    assert info.value.field == field


def test_csv_cells_of_exports_regain_their_values() -> None:
    assert unguard("'=1+2") == "=1+2" and unguard("'plain") == "'plain" and unguard("  '@x") == "  @x"
    assert csv_value("TRUE") is True and csv_value("12") == 12 and csv_value("1.5") == 1.5
    assert csv_value("007") == "007" and csv_value('{"a":1}') == {"a": 1} and csv_value("text") == "text"
    doc = from_csv({"id": "i", "custom_data.vip": "FALSE", "connection_data.cookies": "TRUE", "session": ""})
    assert doc == {"id": "i", "custom_data": {"vip": False}, "connection_data": {"cookies": "TRUE"}}
    check_columns(["id", "render_data.plan"])
    with pytest.raises(RowError):
        check_columns(["id", "bogus"])
    with pytest.raises(RowError):
        check_columns(["event_type"])


def test_chain_hashes_are_canonical_and_sensitive() -> None:
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    part = PersonalPart("salt", "s", {"ip": "1"}, {}, {})
    assert pii_hash(part) != pii_hash(PersonalPart("salt2", "s", {"ip": "1"}, {}, {}))
    stored = {
        "id": "a" * 24,
        "uuid": "u",
        "account_id": 1,
        "site_id": 1,
        "chain_seq": 1,
        "group_id": None,
        "contract_id": 1,
        "version_id": VID,
        "version_number": 1,
        "event_type": "agreed",
        "execution_method": None,
        "batch": None,
        "session": None,
        "created_time": datetime(2026, 1, 1, tzinfo=UTC),
        "event_time": None,
        "test_mode": False,
        "source": "send",
    }
    content = sha256_hex(record_json(stored, pii_hash(part)))
    assert content != sha256_hex(record_json({**stored, "event_type": "disagreed"}, pii_hash(part)))
    assert link_hash(GENESIS, content) != link_hash("1" * 64, content)


BASE: dict[str, object] = {"sid": "s", "et": "agreed", "sig": "a", "cid": [1]}


@pytest.mark.parametrize(
    ("code", "value", "key", "stored"),
    [
        ("pat", "Checkout", "page_title", "Checkout"),
        ("pau", "https://a.example/x", "page_url", "https://a.example/x"),
        ("pad", "a.example", "page_domain", "a.example"),
        ("pap", "/x", "page_path", "/x"),
        ("paq", "?q=1", "page_query", "?q=1"),
        ("hn", "a.example", "hostname", "a.example"),
        ("ref", "https://r.example", "referrer", "https://r.example"),
        ("addr", "203.0.113.7", "remote_address", "203.0.113.7"),
        ("bua", "Mozilla/5.0", "user_agent", "Mozilla/5.0"),
        ("btz", -300, "browser_timezone", -300),
        ("btz", "-300", "browser_timezone", -300),
        ("btz", "5.5", "browser_timezone", 5.5),
        ("btz", "Europe/Berlin", "browser_timezone", "Europe/Berlin"),
        ("bl", "en-us", "browser_locale", "en-us"),
        ("os", "MacOS", "operating_system", "MacOS"),
        ("env", "desktop", "environment", "desktop"),
        ("scd", "24-bit", "screen_color_depth", "24-bit"),
        ("res", "1680x1050", "screen_resolution", "1680x1050"),
        ("_lib", "pactsafe-activity-node", "client_library", "pactsafe-activity-node"),
        ("_libv", "2.0.0", "client_version", "2.0.0"),
        ("rdid", "57d17a38dce301647dd86e12", "render_id", "57d17a38dce301647dd86e12"),
        ("srid", "req-1", "request", "req-1"),
        ("slo", "checkout-page", "snapshot_location", "checkout-page"),
        ("rev", ["rev-1", "rev-2"], "revision", ["rev-1", "rev-2"]),
        ("rev", "rev-1,rev-2", "revision", ["rev-1", "rev-2"]),
        ("xtu", ["https://x.example/t.pdf"], "external_urls", ["https://x.example/t.pdf"]),
        ("dyn", True, "dynamic", True),
        ("xt", "false", "external", False),
        ("cnf", 1, "confirmation_email", True),
        ("_ct", True, "certification_token", True),
        ("_noerr", "1", "silent_error", True),
        ("_srv", True, "server_side", True),
        ("server_side", "true", "server_side", True),
        ("_srv", False, "server_side", False),
    ],
)
def test_every_documented_parameter_is_stored(code: str, value: object, key: str, stored: object) -> None:
    request = parse_send({**BASE, code: value})
    assert request.connection_data[key] == stored
    assert "unrecognized_parameters" not in request.connection_data and request.warnings == ()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sig": 12345}, {"signer_id": "12345"}),
        ({"sig": 12.0}, {"signer_id": "12"}),
        ({"cid": [1, "2"]}, {"contract_ids": (1, 2)}),
        ({"cid": None, "vid": [VID]}, {"contract_ids": (), "version_ids": (VID,)}),
        ({"gid": 7}, {"group_id": 7}),
        ({"gid": "7", "gkey": "signup"}, {"group_id": 7, "group_key": "signup"}),
        ({"tm": True}, {"test_mode": True}),
        ({"tm": 0}, {"test_mode": False}),
        ({"em": "clickthrough"}, {"execution_method": "clickthrough"}),
        ({"uid": "u-1"}, {"uuid": "u-1"}),
        ({"session": "s-1"}, {"session": "s-1"}),
        ({"cus": {"vip": True}}, {"custom_data": {"vip": True}}),
        (
            {"rnd": '{"CompanyName": "ACME"}'},
            {"render_data": {"CompanyName": "ACME"}, "render_data_given": True},
        ),
        ({"_": "123", "cb": "jsonp1"}, {"warnings": ()}),
    ],
)
def test_core_parameters_in_the_sdks_types(params: dict[str, object], expected: dict[str, object]) -> None:
    request = parse_send({**BASE, **params})
    assert {name: getattr(request, name) for name in expected} == expected


def test_a_server_side_send_is_flagged_and_unknown_parameters_are_kept() -> None:
    request = parse_send({**BASE, "_srv": True, "fancy_new": [1, {"a": None}]})
    assert request.server_side is True
    assert request.connection_data["unrecognized_parameters"] == {"fancy_new": [1, {"a": None}]}
    assert request.warnings == ("unrecognized parameter 'fancy_new' was kept verbatim with the activity",)


def test_lookups_accept_what_the_sdk_adds() -> None:
    params = {
        "sid": "s",
        "sig": 5,
        "cid": ["1", "2"],
        "et": "latest",
        "tm": "true",
        "_srv": "true",
        "_lib": "x",
    }
    assert parse_lookup(params).contract_ids == (1, 2) and parse_lookup(params).signer_id == "5"
    assert parse_lookup({"sid": "s", "sig": "a"}, contracts_required=False).contract_ids == ()
