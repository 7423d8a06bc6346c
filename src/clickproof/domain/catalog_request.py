"""Bodies of the REST routes that create contracts, versions, groups, signers and erasures: pure
validation, each error naming its field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clickproof.domain.body_fields import json_object, positive_id, text_field
from clickproof.domain.object_id import is_object_id
from clickproof.domain.timestamps import parse_instant
from clickproof.errors import ValidationError

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")


@dataclass(frozen=True)
class ContractInput:
    title: str
    key: str
    id: int | None


@dataclass(frozen=True)
class VersionInput:
    title: str | None
    body: str
    id: str | None
    effective_time: datetime | None
    merge_fields: list[str]
    publish: bool


@dataclass(frozen=True)
class GroupInput:
    key: str
    title: str
    contract_ids: list[int]


@dataclass(frozen=True)
class SignerInput:
    signer_id: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class ErasureInput:
    signer_id: str
    reason: str


def _key(body: dict[str, Any]) -> str:
    key = text_field(body, "key", 200)
    assert key is not None
    if not _KEY.match(key):
        raise ValidationError(
            "key must start with a letter or digit and hold only letters, digits, '_', '.', '-'",
            field="key",
            code="invalid_type",
        )
    return key


def parse_contract(body: object) -> ContractInput:
    data = json_object(body, ("title", "key", "id"))
    title = text_field(data, "title", 500)
    assert title is not None
    return ContractInput(title, _key(data), None if data.get("id") is None else positive_id(data["id"], "id"))


def parse_version(body: object) -> VersionInput:
    data = json_object(body, ("title", "body", "id", "effective_time", "merge_fields", "publish"))
    text = text_field(data, "body", 2_000_000)
    assert text is not None
    version_id = data.get("id")
    if version_id is not None and (not isinstance(version_id, str) or not is_object_id(version_id)):
        raise ValidationError("id must be a 24-hex version id", field="id", code="invalid_type")
    merge = data.get("merge_fields")
    merge = [] if merge is None else merge
    if not isinstance(merge, list) or not all(isinstance(m, str) and 0 < len(m) <= 200 for m in merge):
        raise ValidationError(
            "merge_fields must be an array of names", field="merge_fields", code="invalid_type"
        )
    publish = data.get("publish", False)
    if not isinstance(publish, bool):
        raise ValidationError("publish must be true or false", field="publish", code="invalid_type")
    effective = data.get("effective_time")
    return VersionInput(
        text_field(data, "title", 500, required=False),
        text,
        version_id,
        None if effective is None else parse_instant(effective, "effective_time"),
        merge,
        publish,
    )


def parse_group(body: object) -> GroupInput:
    data = json_object(body, ("key", "title", "contracts"))
    title = text_field(data, "title", 500)
    assert title is not None
    contracts = data.get("contracts")
    if not isinstance(contracts, list) or not contracts or len(contracts) > 50:
        raise ValidationError(
            "contracts must be an array of 1 to 50 contract ids", field="contracts", code="invalid_type"
        )
    ids = [positive_id(c, f"contracts[{i}]") for i, c in enumerate(contracts)]
    if len(set(ids)) != len(ids):
        raise ValidationError("contracts names a contract twice", field="contracts", code="invalid_type")
    return GroupInput(_key(data), title, ids)


def parse_signer(body: object) -> SignerInput:
    data = json_object(body, ("signer_id", "properties"))
    signer_id = text_field(data, "signer_id", 1024)
    assert signer_id is not None
    properties = data.get("properties")
    properties = {} if properties is None else properties
    if not isinstance(properties, dict):
        raise ValidationError("properties must be a JSON object", field="properties", code="invalid_type")
    return SignerInput(signer_id, properties)


def parse_erasure(body: object) -> ErasureInput:
    data = json_object(body, ("signer_id", "reason"))
    signer_id = text_field(data, "signer_id", 1024)
    reason = text_field(data, "reason", 2000)
    assert signer_id is not None and reason is not None
    return ErasureInput(signer_id, reason)
