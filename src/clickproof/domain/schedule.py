"""Export schedules: validation of a schedule body, cron slots in a timezone, relative windows.

Pure (no I/O). The cron expression is evaluated by `cronsim` in the schedule's IANA timezone:
a slot that falls in a spring-forward gap runs once, right after the gap; a slot in the hour a
fall-back repeats runs once, at its first occurrence (docs/adr/0019).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from clickproof.errors import ValidationError

WINDOW_KINDS = ("previous_day", "previous_week", "previous_month", "last_n_days")
SCHEDULE_FIELDS = ("name", "cron", "timezone", "window", "request", "active", "delivery")
DELIVERY_FIELDS = ("s3_prefix", "webhook_endpoint_id")
# Fields of the request template that the schedule's window decides.
WINDOW_FIELDS = ("start_date", "end_date")
MAX_NAME_LENGTH = 200
MAX_CRON_LENGTH = 200
MAX_PREFIX_LENGTH = 200
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*/?$")
MAX_ENDPOINT_ID_LENGTH = 64
# A slot search never walks further than this many slots (a minutely cron down for two months).
MAX_CATCH_UP_SLOTS = 100_000


@dataclass(frozen=True)
class RelativeWindow:
    kind: str
    days: int | None = None

    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind} if self.days is None else {"kind": self.kind, "days": self.days}

    def length_days(self) -> int:
        return {"previous_day": 1, "previous_week": 7, "previous_month": 31}.get(self.kind, self.days or 0)

    def bounds(self, slot: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: whole local days before the day of `slot`, in the schedule's zone."""
        today = slot.astimezone(zone).date()
        if self.kind == "previous_day":
            first, last = today - timedelta(days=1), today
        elif self.kind == "previous_week":  # Monday to Monday
            monday = today - timedelta(days=today.weekday())
            first, last = monday - timedelta(days=7), monday
        elif self.kind == "previous_month":
            last = today.replace(day=1)
            first = (last - timedelta(days=1)).replace(day=1)
        else:
            assert self.days is not None
            first, last = today - timedelta(days=self.days), today
        return _midnight(first, zone), _midnight(last, zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Delivery:
    s3_prefix: str | None
    webhook_endpoint_id: str | None

    def to_data(self) -> dict[str, Any]:
        return {"s3_prefix": self.s3_prefix, "webhook_endpoint_id": self.webhook_endpoint_id}


def delivery_key(site_id: int, prefix: str, file_name: str) -> str:
    """Where a delivered copy goes: under the site's own `deliveries/site-N/` namespace of the
    export storage, so that no prefix can reach another site's or another job's files."""
    return f"deliveries/site-{site_id}/{prefix.rstrip('/')}/{file_name}"


@dataclass(frozen=True)
class ScheduleSpec:
    """A validated schedule body; the request template is checked against the site later."""

    name: str
    cron: str
    timezone: str
    window: RelativeWindow
    request: dict[str, Any]
    active: bool
    delivery: Delivery | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def parse_schedule(body: object, *, current: ScheduleSpec | None = None) -> ScheduleSpec:
    """A POST body (every required field), or with `current` a PATCH body (fields it changes)."""
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object", field=None, code="invalid_body")
    unknown = [k for k in body if k not in SCHEDULE_FIELDS]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0][:40]!r}; allowed fields: {', '.join(SCHEDULE_FIELDS)}",
            field=unknown[0][:40],
            code="unknown_field",
        )
    if current is None:
        for required in ("name", "cron", "timezone", "window", "request"):
            if body.get(required) is None:
                raise ValidationError(f"{required} is required", field=required, code="missing_field")

    def given(name: str) -> bool:
        return name in body and (body[name] is not None or name == "delivery")

    timezone = _parse_timezone(body["timezone"]) if given("timezone") else _current(current).timezone
    cron = _parse_cron(body["cron"]) if given("cron") else _current(current).cron
    return ScheduleSpec(
        name=_parse_name(body["name"]) if given("name") else _current(current).name,
        cron=cron,
        timezone=timezone,
        window=_parse_window(body["window"]) if given("window") else _current(current).window,
        request=_parse_template(body["request"]) if given("request") else _current(current).request,
        active=_parse_active(body["active"]) if given("active") else (current.active if current else True),
        delivery=_parse_delivery(body["delivery"])
        if given("delivery")
        else _current(current).delivery
        if current
        else None,
    )


def _current(current: ScheduleSpec | None) -> ScheduleSpec:
    assert current is not None  # a POST has every required field (checked above)
    return current


def _parse_name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_NAME_LENGTH:
        raise ValidationError(
            f"name must be a non-empty string of at most {MAX_NAME_LENGTH} characters", field="name"
        )
    return raw.strip()


def _parse_cron(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_CRON_LENGTH:
        raise ValidationError(
            "cron must be a cron expression of five fields (minute hour day-of-month month day-of-week)",
            field="cron",
            code="invalid_cron",
        )
    expression = " ".join(raw.split())
    if len(expression.split(" ")) != 5:
        raise ValidationError(
            f"cron must have five fields (minute hour day-of-month month day-of-week), not {len(expression.split(' '))}",
            field="cron",
            code="invalid_cron",
        )
    try:
        CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        raise ValidationError(
            f"cron is not a valid expression: {exc}", field="cron", code="invalid_cron"
        ) from exc
    return expression


def _parse_timezone(raw: object) -> str:
    if not isinstance(raw, str) or not raw or len(raw) > 64:
        raise ValidationError(
            "timezone must be an IANA timezone name such as Europe/Berlin",
            field="timezone",
            code="invalid_timezone",
        )
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            f"unknown timezone {raw[:64]!r}; use an IANA name such as Europe/Berlin or UTC",
            field="timezone",
            code="invalid_timezone",
        ) from exc
    return raw


def _parse_window(raw: object) -> RelativeWindow:
    if isinstance(raw, str):
        raw = {"kind": raw}
    allowed = ", ".join(WINDOW_KINDS)
    if not isinstance(raw, dict):
        raise ValidationError(
            f'window must be an object such as {{"kind": "previous_week"}}; kinds: {allowed}',
            field="window",
            code="invalid_window",
        )
    unknown = [k for k in raw if k not in ("kind", "days")]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0][:40]!r} in window; allowed: kind, days",
            field=f"window.{unknown[0][:40]}",
            code="invalid_window",
        )
    kind = raw.get("kind")
    if kind not in WINDOW_KINDS:
        shown = kind[:40] if isinstance(kind, str) else type(kind).__name__
        raise ValidationError(
            f"unknown window kind {shown!r}; allowed: {allowed}", field="window.kind", code="invalid_window"
        )
    days = raw.get("days")
    if kind != "last_n_days":
        if days is not None:
            raise ValidationError(
                f"window.days applies to last_n_days only, not {kind}",
                field="window.days",
                code="invalid_window",
            )
        return RelativeWindow(str(kind))
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3660:
        raise ValidationError(
            "window.days must be a whole number of days from 1 to 3660 for last_n_days",
            field="window.days",
            code="invalid_window",
        )
    return RelativeWindow("last_n_days", days)


def _parse_template(raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationError(
            "request must be an EvidenceExportRequest object (without start_date and end_date)",
            field="request",
        )
    for name in WINDOW_FIELDS:
        if name in raw:
            raise ValidationError(
                f"request.{name} is set by the schedule's window at each firing; remove it",
                field=f"request.{name}",
                code="window_field_in_template",
            )
    return dict(raw)


def _parse_active(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValidationError("active must be true or false", field="active", code="invalid_type")
    return raw


def _parse_delivery(raw: object) -> Delivery | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError(
            "delivery must be an object with s3_prefix and/or webhook_endpoint_id, or null", field="delivery"
        )
    unknown = [k for k in raw if k not in DELIVERY_FIELDS]
    if unknown:
        raise ValidationError(
            f"unknown field {unknown[0][:40]!r} in delivery; allowed: {', '.join(DELIVERY_FIELDS)}",
            field=f"delivery.{unknown[0][:40]}",
        )
    prefix = raw.get("s3_prefix")
    if prefix is not None and (
        not isinstance(prefix, str)
        or len(prefix) > MAX_PREFIX_LENGTH
        or not _PREFIX.match(prefix)
        or ".." in prefix
    ):
        raise ValidationError(
            f"delivery.s3_prefix must be a key prefix of at most {MAX_PREFIX_LENGTH} characters: "
            "segments of letters, digits, '.', '_' and '-' (each starting with a letter or digit) "
            "separated by '/', such as compliance/weekly/",
            field="delivery.s3_prefix",
        )
    endpoint = raw.get("webhook_endpoint_id")
    if endpoint is not None and (
        not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_ID_LENGTH
    ):
        raise ValidationError(
            f"delivery.webhook_endpoint_id must be an id of 1 to {MAX_ENDPOINT_ID_LENGTH} characters",
            field="delivery.webhook_endpoint_id",
        )
    if prefix is None and endpoint is None:
        return None
    return Delivery(prefix, endpoint)


def spec_from_stored(row: Mapping[str, Any]) -> ScheduleSpec:
    """The spec of a stored schedule row (already validated when it was written)."""
    window = row["window"]
    delivery = row["delivery"]
    return ScheduleSpec(
        name=row["name"],
        cron=row["cron"],
        timezone=row["timezone"],
        window=RelativeWindow(window["kind"], window.get("days")),
        request=dict(row["request"]),
        active=bool(row["active"]),
        delivery=None
        if delivery is None
        else Delivery(delivery.get("s3_prefix"), delivery.get("webhook_endpoint_id")),
    )


def next_slot(cron: str, zone: ZoneInfo, after: datetime) -> datetime:
    """The first slot strictly after `after`, in UTC."""
    slot: datetime = next(iter(CronSim(cron, after.astimezone(zone))))
    return slot.astimezone(UTC)


def latest_due_slot(cron: str, zone: ZoneInfo, due: datetime, now: datetime) -> tuple[datetime, datetime]:
    """Catch-up: of the slots from `due` (a slot, due ≤ now) up to `now`, the latest one, and the
    first slot after `now`. Missed slots before the latest are skipped."""
    latest = due
    it = iter(CronSim(cron, due.astimezone(zone)))
    for _ in range(MAX_CATCH_UP_SLOTS):
        candidate = next(it).astimezone(UTC)
        if candidate > now:
            return latest, candidate
        latest = candidate
    # Very far behind: the slot before the first one after now is the latest at or before now.
    following = next_slot(cron, zone, now)
    latest = next(iter(CronSim(cron, following.astimezone(zone), reverse=True))).astimezone(UTC)
    return max(latest, due), following
