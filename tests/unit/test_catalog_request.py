"""Catalogue bodies: an absent optional field may be sent as null; any other value of the wrong type
is refused, falsy ones included (schemathesis found `merge_fields: false` and `properties: 0`
accepted as empty)."""

from __future__ import annotations

from typing import Any

import pytest

from clickproof.domain.catalog_request import parse_contract, parse_group, parse_signer, parse_version
from clickproof.errors import ValidationError


@pytest.mark.parametrize("value", [False, 0, "", {}])
def test_merge_fields_of_another_type_is_refused(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_version({"body": "<p>x</p>", "merge_fields": value})
    assert caught.value.field == "merge_fields"


@pytest.mark.parametrize("value", [False, 0, "", []])
def test_signer_properties_of_another_type_are_refused(value: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_signer({"signer_id": "s", "properties": value})
    assert caught.value.field == "properties"


def test_null_means_absent() -> None:
    assert parse_version({"body": "b", "merge_fields": None, "title": None, "id": None}).merge_fields == []
    assert parse_signer({"signer_id": "s", "properties": None}).properties == {}


def test_an_integral_number_written_with_a_fraction_is_an_id() -> None:
    assert parse_contract({"title": "T", "key": "k", "id": 24948205.0}).id == 24948205
    assert parse_group({"title": "T", "key": "k", "contracts": [3.0]}).contract_ids == [3]
    with pytest.raises(ValidationError):
        parse_contract({"title": "T", "key": "k", "id": 2.5})
