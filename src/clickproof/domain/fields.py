"""The activity's field families as exports see them (domain: standard, connection, custom, render)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    OBJECT_ID = "object_id"


class Family(StrEnum):
    STANDARD = "standard"
    CONNECTION = "connection"
    CUSTOM = "custom"
    RENDER = "render"


@dataclass(frozen=True)
class StandardField:
    name: str
    type: FieldType
    description: str


# Order is the column order of `standard_all` and of the default selection.
STANDARD_FIELDS: tuple[StandardField, ...] = (
    StandardField("id", FieldType.OBJECT_ID, "activity id"),
    StandardField("uuid", FieldType.STRING, "activity uuid"),
    StandardField("account", FieldType.INTEGER, "account id"),
    StandardField("site", FieldType.INTEGER, "site id"),
    StandardField("signer_id", FieldType.STRING, "signer id"),
    StandardField("event_type", FieldType.STRING, "event type"),
    StandardField("execution_method", FieldType.STRING, "execution method"),
    StandardField("contract", FieldType.INTEGER, "contract id"),
    StandardField("version", FieldType.OBJECT_ID, "version id"),
    StandardField("version_number", FieldType.INTEGER, "version number"),
    StandardField("group", FieldType.INTEGER, "group id"),
    StandardField("batch", FieldType.STRING, "batch"),
    StandardField("session", FieldType.STRING, "session"),
    StandardField("created_time", FieldType.DATETIME, "created time"),
    StandardField("event_time", FieldType.DATETIME, "event time"),
    StandardField("test_mode", FieldType.BOOLEAN, "test mode"),
)
STANDARD_BY_NAME = {f.name: f for f in STANDARD_FIELDS}
STANDARD_NAMES: tuple[str, ...] = tuple(f.name for f in STANDARD_FIELDS)
ALWAYS_SELECTED: tuple[str, ...] = ("id", "signer_id", "created_time")

# The 17 documented keys of connection_data, in the order of `connection_all`.
CONNECTION_KEYS: tuple[str, ...] = (
    "page_title",
    "page_url",
    "page_domain",
    "page_path",
    "page_query",
    "hostname",
    "referrer",
    "browser_timezone",
    "browser_locale",
    "user_agent",
    "device_fingerprint",
    "operating_system",
    "environment",
    "screen_color_depth",
    "screen_resolution",
    "cookies",
    "remote_address",
)
# What clickproof records in connection_data about how an activity arrived (the Activity API's
# client parameters, docs/ingestion.md): selectable like the documented keys, after them.
CLIENT_CONNECTION_KEYS: tuple[str, ...] = (
    "client_library",
    "client_version",
    "server_side",
    "render_id",
    "rendered_text_sha256",
    "request",
    "revision",
    "snapshot_location",
    "dynamic",
    "external",
    "external_urls",
    "confirmation_email",
    "certification_token",
    "silent_error",
    "unrecognized_parameters",
)
SELECTABLE_CONNECTION_KEYS: tuple[str, ...] = (*CONNECTION_KEYS, *CLIENT_CONNECTION_KEYS)
# `connection_all`: the documented keys and the three every SDK sends (who sent the values).
CONNECTION_ALL_KEYS: tuple[str, ...] = (*CONNECTION_KEYS, *CLIENT_CONNECTION_KEYS[:3])


@dataclass(frozen=True)
class RelatedField:
    """An attribute of the contract, version or group an activity points to (``contract.title``)."""

    related: str  # contract | version | group: the standard field holding the reference
    attribute: str
    type: FieldType
    description: str

    @property
    def name(self) -> str:
        return f"{self.related}.{self.attribute}"


# Filterable and sortable, not selectable (the CSV carries the ids).
RELATED_FIELDS: tuple[RelatedField, ...] = (
    RelatedField("contract", "title", FieldType.STRING, "contract title"),
    RelatedField("contract", "key", FieldType.STRING, "contract key"),
    RelatedField("version", "title", FieldType.STRING, "version title"),
    RelatedField("version", "status", FieldType.STRING, "version status"),
    RelatedField("version", "full_version_number", FieldType.STRING, "full version number"),
    RelatedField("version", "minor_version_number", FieldType.INTEGER, "minor version number"),
    RelatedField("version", "published_time", FieldType.DATETIME, "version published time"),
    RelatedField("version", "effective_time", FieldType.DATETIME, "version effective time"),
    RelatedField("group", "key", FieldType.STRING, "group key"),
    RelatedField("group", "title", FieldType.STRING, "group title"),
)
RELATED_BY_NAME = {f.name: f for f in RELATED_FIELDS}

FAMILY_COLUMN = {
    Family.CONNECTION: "connection_data",
    Family.CUSTOM: "custom_data",
    Family.RENDER: "render_data",
}


def header_for(family: Family, name: str) -> str:
    """The CSV header of a field: bare for standard fields, dotted for the nested families."""
    if family is Family.STANDARD:
        return name
    return f"{FAMILY_COLUMN[family]}.{name}"


def json_kind(value: object) -> str | None:
    """The JSON kind of a family value, in PostgreSQL's jsonb_typeof words; None for null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"
