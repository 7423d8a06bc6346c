"""Webhook endpoints (create, list, rotate, delete, enable, deliveries, redeliver) and the events
that become deliveries. Emitting only inserts rows — in the caller's transaction — so an export or
a send never waits for a receiver; the job engine delivers them (services/webhook_delivery)."""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from clickproof.domain.activity import Activity
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.domain.job_events import SlotFired
from clickproof.domain.object_id import new_object_id
from clickproof.domain.timestamps import parse_stored, utc_now
from clickproof.domain.webhook_events import (
    EXPORT_FAILED,
    EXPORT_SUCCEEDED,
    SCHEDULE_FIRED,
    EndpointRef,
    PayloadFormat,
    activity_body,
    activity_event,
    encode,
    envelope,
    export_data,
    schedule_fired_data,
)
from clickproof.domain.webhook_request import parse_endpoint
from clickproof.errors import NotFoundError
from clickproof.evidence.key_wrapping import KeyWrapper
from clickproof.request_context import current_request_id
from clickproof.services.webhook_targets import AllowList, check_target
from clickproof.store.tenants import Site
from clickproof.store.webhooks import PENDING, DeliveryRow, EndpointRow, WebhookStore

log = logging.getLogger("clickproof.webhooks")
ROTATION_OVERLAP = timedelta(hours=24)  # the old secret still signs for this long after a rotation


class WebhookNotFoundError(NotFoundError):
    code = "webhook_not_found"


class DeliveryNotFoundError(NotFoundError):
    code = "webhook_delivery_not_found"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def new_delivery_id(at: datetime) -> str:
    return "msg_" + new_object_id(at.timestamp())


def _ref(endpoint: EndpointRow) -> EndpointRef:
    return EndpointRef(endpoint.id, endpoint.url, PayloadFormat(endpoint.payload_format))


class WebhookService:
    def __init__(
        self,
        store: WebhookStore,
        wrapper: KeyWrapper,
        allow: AllowList,
        *,
        cache_seconds: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.wrapper = wrapper
        self.allow = allow
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._cache: dict[int, tuple[float, list[EndpointRow]]] = {}
        self._cache_lock = threading.Lock()

    # -- the API's use cases --------------------------------------------------------------------

    def create(self, site: Site, body: Any) -> tuple[EndpointRow, str]:
        spec = parse_endpoint(body)
        check_target(spec.url, self.allow)
        now = self.clock()
        endpoint_id = new_object_id(now.timestamp())
        secret = new_secret()
        self.store.create_endpoint(
            {
                "id": endpoint_id,
                "account_id": site.account_id,
                "site_id": site.id,
                "url": spec.url,
                "description": spec.description,
                "events": list(spec.events),
                "payload_format": spec.payload_format.value,
                "secret": self.wrapper.wrap(secret, endpoint_id),
                "legacy_token": (
                    None if spec.legacy_token is None else self.wrapper.wrap(spec.legacy_token, endpoint_id)
                ),
                "enabled": True,
                "failure_streak": 0,
                "created_time": now,
                "updated_time": now,
            }
        )
        self.forget(site.id)
        log.info("webhooks.endpoint_created endpoint=%s site=%d", endpoint_id, site.id)
        return self.get(site, endpoint_id), secret

    def endpoints(self, site: Site) -> list[EndpointRow]:
        return self.store.endpoints(account_id=site.account_id, site_id=site.id)

    def get(self, site: Site, endpoint_id: str) -> EndpointRow:
        found = self.store.endpoint(endpoint_id, account_id=site.account_id, site_id=site.id)
        if found is None:
            raise WebhookNotFoundError("no webhook endpoint with this id on this site", field="id")
        return found

    def endpoint_exists(self, site: Site, endpoint_id: str) -> bool:
        """Whether the site has this endpoint (another site's is as absent as a missing one)."""
        return self.store.endpoint(endpoint_id, account_id=site.account_id, site_id=site.id) is not None

    def delete(self, site: Site, endpoint_id: str) -> None:
        self.get(site, endpoint_id)
        self.store.delete_endpoint(endpoint_id)
        self.forget(site.id)

    def rotate(self, site: Site, endpoint_id: str) -> tuple[EndpointRow, str]:
        """A new secret; the previous one goes on signing beside it for ROTATION_OVERLAP."""
        endpoint = self.get(site, endpoint_id)
        now = self.clock()
        secret = new_secret()
        self.store.update_endpoint(
            endpoint_id,
            {
                "secret": self.wrapper.wrap(secret, endpoint_id),
                "previous_secret": endpoint.secret,
                "previous_secret_expires_time": now + ROTATION_OVERLAP,
                "updated_time": now,
            },
        )
        self.forget(site.id)
        return self.get(site, endpoint_id), secret

    def enable(self, site: Site, endpoint_id: str) -> EndpointRow:
        self.get(site, endpoint_id)
        self.store.enable(endpoint_id, self.clock())
        self.forget(site.id)
        return self.get(site, endpoint_id)

    def deliveries(
        self, site: Site, endpoint_id: str, *, page: int, per_page: int
    ) -> tuple[list[DeliveryRow], int]:
        self.get(site, endpoint_id)
        return self.store.deliveries(endpoint_id, offset=(page - 1) * per_page, limit=per_page)

    def redeliver(self, site: Site, endpoint_id: str, delivery_id: str) -> DeliveryRow:
        """A new delivery (its own webhook-id) of the same body, due at once."""
        endpoint = self.get(site, endpoint_id)
        original = self.store.delivery(delivery_id, endpoint_id)
        if original is None:
            raise DeliveryNotFoundError("no delivery with this id for this endpoint", field="delivery_id")
        now = self.clock()
        new_id = new_delivery_id(now)
        self.store.add_deliveries(
            [self._row(endpoint, new_id, original.event_type, original.payload, now, current_request_id())]
        )
        found = self.store.delivery(new_id, endpoint_id)
        assert found is not None
        return found

    def secret_of(self, endpoint: EndpointRow, now: datetime) -> list[str]:
        """The secrets that sign a message now: the current one, and the previous one during the
        rotation overlap."""
        found = [self.wrapper.unwrap(endpoint.secret, endpoint.id)]
        expires = endpoint.previous_secret_expires_time
        if endpoint.previous_secret and expires is not None and expires > now:
            found.append(self.wrapper.unwrap(endpoint.previous_secret, endpoint.id))
        return found

    def legacy_token_of(self, endpoint: EndpointRow) -> str | None:
        return (
            None if endpoint.legacy_token is None else self.wrapper.unwrap(endpoint.legacy_token, endpoint.id)
        )

    # -- events ---------------------------------------------------------------------------------

    @staticmethod
    def _row(
        endpoint: EndpointRow,
        delivery_id: str,
        event: str,
        payload: str,
        now: datetime,
        request_id: str | None,
    ) -> dict[str, Any]:
        return {
            "id": delivery_id,
            "endpoint_id": endpoint.id,
            "site_id": endpoint.site_id,
            "event_type": event,
            "payload": payload,
            "status": PENDING,
            "attempt": 0,
            "next_attempt_time": now,
            "request_id": request_id,
            "created_time": now,
            "updated_time": now,
        }

    def _subscribed(self, conn: Connection, site_id: int) -> list[EndpointRow]:
        """The site's enabled endpoints, cached for `cache_seconds` (the path of every send)."""
        clock = time.monotonic()
        with self._cache_lock:
            cached = self._cache.get(site_id)
        if cached is not None and cached[0] > clock:
            return cached[1]
        endpoints = self.store.enabled_endpoints(conn, site_id)
        with self._cache_lock:
            self._cache[site_id] = (clock + self.cache_seconds, endpoints)
        return endpoints

    def forget(self, site_id: int) -> None:
        with self._cache_lock:
            self._cache.pop(site_id, None)

    def emit(
        self,
        conn: Connection,
        site_id: int,
        event: str,
        data: dict[str, Any],
        *,
        request_id: str | None = None,
        only_endpoint: str | None = None,
    ) -> int:
        """Queue `event` with `data` (standard envelope) for every enabled endpoint of the site that
        subscribes to it — or, with `only_endpoint`, for that endpoint alone if it does — in
        `conn`'s transaction. Returns the deliveries created."""
        now = self.clock()
        body = encode(envelope(event, now, data))
        rows = [
            self._row(e, new_delivery_id(now), event, body, now, request_id)
            for e in self.store.enabled_endpoints(conn, site_id)  # afresh: only sends use the cache
            if event in e.events and (only_endpoint is None or e.id == only_endpoint)
        ]
        self.store.insert_deliveries(conn, rows)
        return len(rows)

    def activities_recorded(
        self, conn: Connection, activities: list[Activity], request_id: str | None
    ) -> None:
        """activity.<event_type> for the activities of sends, one delivery per activity and
        endpoint (Ironclad fires per contract too). Called in the send's write transaction."""
        rows: list[dict[str, Any]] = []
        now = self.clock()
        by_site: dict[int, list[EndpointRow]] = {}
        for activity in activities:
            endpoints = by_site.get(activity.site_id)
            if endpoints is None:
                endpoints = by_site[activity.site_id] = self._subscribed(conn, activity.site_id)
            if not endpoints:
                continue
            event = activity_event(activity.event_type)
            for endpoint in endpoints:
                if event in endpoint.events:
                    delivery_id = new_delivery_id(now)
                    body = activity_body(_ref(endpoint), delivery_id, activity, now)
                    rows.append(self._row(endpoint, delivery_id, event, body, now, request_id))
        self.store.insert_deliveries(conn, rows)

    # -- events of jobs and schedules: a TransactionalJobEvents listener (domain/job_events.py) ----

    def export_finished(self, conn: Connection, job: ExportJob) -> None:
        """export.succeeded / export.failed, in the transaction that commits the job's final status;
        a schedule's job whose delivery names an endpoint goes to that endpoint only.
        A job whose stored record cannot be described still gets its status: the event is skipped."""
        event = EXPORT_SUCCEEDED if job.status is JobStatus.SUCCESS else EXPORT_FAILED
        try:
            data = export_data(job)
            encode(data)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            log.warning("webhooks.undescribable_job job=%s error=%s", job.id, type(exc).__name__)
            return
        count = self.emit(
            conn,
            job.site_id,
            event,
            data,
            request_id=job.request_id,
            only_endpoint=named_endpoint(job.data),
        )
        if count:
            log.info("webhooks.queued event=%s job=%s deliveries=%d", event, job.id, count)

    def slot_fired(self, conn: Connection, fired: SlotFired) -> None:
        """schedule.fired, in the transaction that claims the slot and creates its job; to the
        schedule's named endpoint only, when its delivery names one."""
        data = schedule_fired_data(
            schedule_id=fired.schedule_id,
            site_id=fired.site_id,
            job_id=fired.job_id,
            slot=fired.slot,
            start=parse_stored(fired.data["start_date"]),
            end=parse_stored(fired.data["end_date"]),
        )
        self.emit(
            conn,
            fired.site_id,
            SCHEDULE_FIRED,
            data,
            request_id=current_request_id(),
            only_endpoint=named_endpoint(fired.data),
        )


def named_endpoint(job_data: object) -> str | None:
    """The endpoint a schedule's delivery names for its jobs' events (None: every subscriber)."""
    delivery = job_data.get("delivery") if isinstance(job_data, Mapping) else None
    endpoint = delivery.get("webhook_endpoint_id") if isinstance(delivery, Mapping) else None
    return endpoint if isinstance(endpoint, str) and endpoint else None
