from __future__ import annotations

from clickproof.evidence.contract_text import TextBlock, contract_blocks, merge_values

BODY = "<h1>Terms</h1><p>Between {{CompanyName}} and you, plan {{ plan }}.</p><ul><li>One &amp; two</li></ul><p>{{missing}}</p>"


def test_merge_fields_are_filled_and_markup_dropped() -> None:
    values = merge_values(BODY, {"CompanyName": "<b>Acme</b>", "plan": "pro", "unused": 1})
    assert values == {"CompanyName": "<b>Acme</b>", "missing": None, "plan": "pro"}
    assert contract_blocks(BODY, values) == [
        TextBlock("h1", "Terms"),
        TextBlock("p", "Between <b>Acme</b> and you, plan pro."),
        TextBlock("li", "One & two"),
        TextBlock("p", "[missing: not provided]"),
    ]


def test_values_are_sanitized_like_certificate_values() -> None:
    assert merge_values("{{x}}", {"x": "a\u202eb"}) == {"x": "a⟨U+202E⟩b"}
