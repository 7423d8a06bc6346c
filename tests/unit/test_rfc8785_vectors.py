"""The manifest's canonical form is RFC 8785 (JCS): the RFC's own examples, byte for byte."""

from __future__ import annotations

import json
import struct

import pytest
import rfc8785

from clickproof.evidence.manifest import filter_text, signed_bytes

# RFC 8785 section 3.2.2: the complete example.
EXAMPLE_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
EXAMPLE_OUTPUT = (
    r'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    r'"string":"€$\u000f\nA' + "'" + r'B\"\\\\\"/"}'
)

# RFC 8785 appendix B: IEEE 754 doubles (as hex) and their serialization.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def test_the_rfc_example() -> None:
    assert signed_bytes(json.loads(EXAMPLE_INPUT)) == EXAMPLE_OUTPUT.encode("utf-8")


@pytest.mark.parametrize(("bits", "expected"), NUMBERS)
def test_the_rfc_numbers(bits: str, expected: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert signed_bytes({"n": value}) == b'{"n":' + expected.encode() + b"}"


def test_keys_sort_by_utf16_code_units() -> None:
    """RFC 8785 section 3.2.3: U+1F600 (a surrogate pair) sorts before U+FB33, unlike by code point."""
    document = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    order = list(json.loads(signed_bytes(document)))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert sorted(document) != order  # code-point order differs: the test can tell them apart


def test_non_ascii_stays_raw() -> None:
    assert signed_bytes({"name": "山田 حسن"}) == '{"name":"山田 حسن"}'.encode()
    assert rfc8785.dumps({"name": "山田"}) == signed_bytes({"name": "山田"})


def test_a_filter_with_integers_beyond_doubles_keeps_every_digit() -> None:
    text = filter_text({"custom_data.n": {"$lt": 10**20}, "account": -(2**63), "b": [2**53 - 1, 1.5]})
    assert (
        text
        == '{"account":-9223372036854775808,"b":[9007199254740991,1.5],"custom_data.n":{"$lt":100000000000000000000}}'
    )
    assert json.loads(text) == {"custom_data.n": {"$lt": 10**20}, "account": -(2**63), "b": [2**53 - 1, 1.5]}
