"""All SQL about webhook endpoints, their deliveries and each delivery's attempts.

A delivery is claimed like an export job: compare-and-set on (status, attempt), a lease that a
sweeper takes back when the worker died. An attempt's outcome, the delivery's next state and the
endpoint's failure run are one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select, update

from clickproof.store.tables import webhook_attempts, webhook_deliveries, webhook_endpoints

PENDING, SENDING, SUCCEEDED, FAILED = "pending", "sending", "succeeded", "failed"
DELIVERY_STATUSES = (PENDING, SENDING, SUCCEEDED, FAILED)


@dataclass(frozen=True)
class EndpointRow:
    id: str
    account_id: int
    site_id: int
    url: str
    description: str
    events: tuple[str, ...]
    payload_format: str
    secret: str  # wrapped
    previous_secret: str | None  # wrapped
    previous_secret_expires_time: datetime | None
    legacy_token: str | None  # wrapped
    enabled: bool
    disabled_reason: str | None
    failure_streak: int
    failing_since_time: datetime | None
    created_time: datetime
    updated_time: datetime


@dataclass(frozen=True)
class AttemptRow:
    attempt: int
    started_time: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str | None
    succeeded: bool


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    endpoint_id: str
    site_id: int
    event_type: str
    payload: str
    status: str
    attempt: int
    next_attempt_time: datetime
    request_id: str | None
    created_time: datetime
    updated_time: datetime
    attempts: tuple[AttemptRow, ...] = ()


@dataclass(frozen=True)
class AttemptOutcome:
    started_time: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str | None
    succeeded: bool


@dataclass(frozen=True)
class DisablePolicy:
    failures: int
    after: timedelta


def _endpoint(row: Any) -> EndpointRow:
    m = row._mapping
    return EndpointRow(
        **{k: m[k] for k in EndpointRow.__dataclass_fields__ if k != "events"}, events=tuple(m["events"])
    )


def _delivery(row: Any, attempts: tuple[AttemptRow, ...] = ()) -> DeliveryRow:
    m = row._mapping
    return DeliveryRow(
        **{k: m[k] for k in DeliveryRow.__dataclass_fields__ if k != "attempts"}, attempts=attempts
    )


class WebhookStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- endpoints ------------------------------------------------------------------------------

    def create_endpoint(self, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(webhook_endpoints).values(**values))

    def endpoints(self, *, account_id: int, site_id: int) -> list[EndpointRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(webhook_endpoints)
                .where(webhook_endpoints.c.account_id == account_id, webhook_endpoints.c.site_id == site_id)
                .order_by(webhook_endpoints.c.created_time, webhook_endpoints.c.id)
            ).all()
        return [_endpoint(r) for r in rows]

    def endpoint(
        self, endpoint_id: str, *, account_id: int | None = None, site_id: int | None = None
    ) -> EndpointRow | None:
        query = select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        if account_id is not None:
            query = query.where(webhook_endpoints.c.account_id == account_id)
        if site_id is not None:
            query = query.where(webhook_endpoints.c.site_id == site_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _endpoint(row)

    def enabled_endpoints(self, conn: Connection, site_id: int) -> list[EndpointRow]:
        rows = conn.execute(
            select(webhook_endpoints).where(
                webhook_endpoints.c.site_id == site_id, webhook_endpoints.c.enabled.is_(True)
            )
        ).all()
        return [_endpoint(r) for r in rows]

    def delete_endpoint(self, endpoint_id: str) -> bool:
        with self.engine.begin() as conn:
            ids = select(webhook_deliveries.c.id).where(webhook_deliveries.c.endpoint_id == endpoint_id)
            conn.execute(delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(ids)))
            conn.execute(delete(webhook_deliveries).where(webhook_deliveries.c.endpoint_id == endpoint_id))
            result = conn.execute(delete(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id))
            return result.rowcount == 1

    def update_endpoint(self, endpoint_id: str, values: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(**values)
            )

    def enable(self, endpoint_id: str, now: datetime) -> None:
        """Enabled again with a clean failure run; its waiting deliveries are due at once."""
        with self.engine.begin() as conn:
            conn.execute(
                update(webhook_endpoints)
                .where(webhook_endpoints.c.id == endpoint_id)
                .values(
                    enabled=True,
                    disabled_reason=None,
                    failure_streak=0,
                    failing_since_time=None,
                    updated_time=now,
                )
            )
            conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.endpoint_id == endpoint_id, webhook_deliveries.c.status == PENDING
                )
                .values(next_attempt_time=now, dispatched_time=None, updated_time=now)
            )

    # -- deliveries -----------------------------------------------------------------------------

    @staticmethod
    def insert_deliveries(conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(insert(webhook_deliveries), rows)

    def add_deliveries(self, rows: list[dict[str, Any]]) -> None:
        with self.engine.begin() as conn:
            self.insert_deliveries(conn, rows)

    def due(self, *, now: datetime, grace: timedelta, limit: int = 200) -> list[str]:
        """Deliveries to hand to a worker: pending and due (not handed out within `grace`), and
        sending ones whose worker's lease expired."""
        waiting = and_(
            webhook_deliveries.c.status == PENDING,
            webhook_deliveries.c.next_attempt_time <= now,
            or_(
                webhook_deliveries.c.dispatched_time.is_(None),
                webhook_deliveries.c.dispatched_time <= now - grace,
            ),
        )
        stuck = and_(webhook_deliveries.c.status == SENDING, webhook_deliveries.c.lease_expires_time <= now)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(webhook_deliveries.c.id)
                .join(webhook_endpoints, webhook_endpoints.c.id == webhook_deliveries.c.endpoint_id)
                .where(or_(waiting, stuck), webhook_endpoints.c.enabled.is_(True))
                .order_by(webhook_deliveries.c.next_attempt_time)
                .limit(limit)
            ).all()
        return [r.id for r in rows]

    def mark_dispatched(self, delivery_ids: list[str], now: datetime) -> None:
        if delivery_ids:
            with self.engine.begin() as conn:
                conn.execute(
                    update(webhook_deliveries)
                    .where(webhook_deliveries.c.id.in_(delivery_ids))
                    .values(dispatched_time=now)
                )

    def claim(
        self, delivery_id: str, *, now: datetime, lease: timedelta
    ) -> tuple[DeliveryRow, EndpointRow] | None:
        """Take the delivery for one attempt; None if it is not due, taken, finished, or its
        endpoint is disabled or gone."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
            ).first()
            if row is None:
                return None
            endpoint = conn.execute(
                select(webhook_endpoints).where(webhook_endpoints.c.id == row.endpoint_id)
            ).first()
            if endpoint is None or not endpoint.enabled:
                return None
            due = row.status == PENDING and row.next_attempt_time <= now
            stuck = (
                row.status == SENDING and row.lease_expires_time is not None and row.lease_expires_time <= now
            )
            if not (due or stuck):
                return None
            result = conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery_id,
                    webhook_deliveries.c.status == row.status,
                    webhook_deliveries.c.attempt == row.attempt,
                )
                .values(
                    status=SENDING, attempt=row.attempt + 1, lease_expires_time=now + lease, updated_time=now
                )
            )
            if result.rowcount != 1:
                return None
            claimed = conn.execute(
                select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
            ).one()
            return _delivery(claimed), _endpoint(endpoint)

    def record(
        self,
        delivery: DeliveryRow,
        outcome: AttemptOutcome,
        *,
        now: datetime,
        retry_at: datetime | None,
        policy: DisablePolicy,
    ) -> str | None:
        """Record the attempt; the delivery becomes succeeded, pending again (`retry_at`) or
        failed; the endpoint's failure run grows or ends and may disable it. Returns the
        delivery's new status, or None if this attempt no longer held it."""
        status = SUCCEEDED if outcome.succeeded else (PENDING if retry_at is not None else FAILED)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery.id,
                    webhook_deliveries.c.attempt == delivery.attempt,
                    webhook_deliveries.c.status == SENDING,
                )
                .values(
                    status=status,
                    next_attempt_time=retry_at or delivery.next_attempt_time,
                    lease_expires_time=None,
                    dispatched_time=None,
                    updated_time=now,
                )
            )
            if result.rowcount != 1:
                conn.rollback()
                return None
            conn.execute(
                insert(webhook_attempts).values(
                    delivery_id=delivery.id,
                    attempt=delivery.attempt,
                    started_time=outcome.started_time,
                    status_code=outcome.status_code,
                    latency_ms=outcome.latency_ms,
                    response_excerpt=outcome.response_excerpt,
                    error=outcome.error,
                    succeeded=outcome.succeeded,
                )
            )
            self._failure_run(conn, delivery.endpoint_id, outcome.succeeded, now, policy)
            return status

    @staticmethod
    def _failure_run(
        conn: Connection, endpoint_id: str, succeeded: bool, now: datetime, policy: DisablePolicy
    ) -> None:
        table = webhook_endpoints
        if succeeded:
            conn.execute(
                update(table)
                .where(table.c.id == endpoint_id, table.c.failure_streak != 0)
                .values(failure_streak=0, failing_since_time=None)
            )
            return
        conn.execute(
            update(table)
            .where(table.c.id == endpoint_id)
            .values(
                failure_streak=table.c.failure_streak + 1,
                failing_since_time=func.coalesce(table.c.failing_since_time, now),
            )
        )
        conn.execute(
            update(table)
            .where(
                table.c.id == endpoint_id,
                table.c.enabled.is_(True),
                table.c.failure_streak >= policy.failures,
                table.c.failing_since_time <= now - policy.after,
            )
            .values(
                enabled=False,
                updated_time=now,
                disabled_reason=f"disabled after {policy.failures} or more consecutive failed attempts "
                f"over at least {int(policy.after.total_seconds())} s",
            )
        )

    def deliveries(self, endpoint_id: str, *, offset: int, limit: int) -> tuple[list[DeliveryRow], int]:
        where = webhook_deliveries.c.endpoint_id == endpoint_id
        with self.engine.connect() as conn:
            total = conn.execute(
                select(func.count()).select_from(webhook_deliveries).where(where)
            ).scalar_one()
            rows = conn.execute(
                select(webhook_deliveries)
                .where(where)
                .order_by(webhook_deliveries.c.created_time.desc(), webhook_deliveries.c.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            ids = [r.id for r in rows]
            attempts: dict[str, list[AttemptRow]] = {i: [] for i in ids}
            if ids:
                for a in conn.execute(
                    select(webhook_attempts)
                    .where(webhook_attempts.c.delivery_id.in_(ids))
                    .order_by(webhook_attempts.c.attempt)
                ).all():
                    m = a._mapping
                    attempts[a.delivery_id].append(
                        AttemptRow(**{k: m[k] for k in AttemptRow.__dataclass_fields__})
                    )
        return [_delivery(r, tuple(attempts[r.id])) for r in rows], int(total)

    def delivery(self, delivery_id: str, endpoint_id: str) -> DeliveryRow | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(webhook_deliveries).where(
                    webhook_deliveries.c.id == delivery_id, webhook_deliveries.c.endpoint_id == endpoint_id
                )
            ).first()
        return None if row is None else _delivery(row)
