"""GET /metrics in the Prometheus text format: this process's counters and histograms
(clickproof.metrics, plus prometheus-client's process metrics) and, read from the database at
scrape time, jobs by status and source, queue depths, deliveries by event and status, disabled
endpoints and the length of the hash chains. Open unless CLICKPROOF_METRICS_TOKEN is set."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from clickproof.api.contract import error_responses
from clickproof.bootstrap import System
from clickproof.errors import UnauthenticatedError
from clickproof.store.operations import snapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WAITING = ("pending", "scheduled")


class DatabaseCollector(Collector):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        found = snapshot(self.engine)
        jobs = GaugeMetricFamily(
            "clickproof_export_jobs", "Export jobs by status and source.", labels=["status", "source"]
        )
        for (status, source), count in sorted(found.jobs.items()):
            jobs.add_metric([status, source], count)
        yield jobs
        depth = sum(c for (status, _s), c in found.jobs.items() if status in WAITING)
        yield GaugeMetricFamily(
            "clickproof_export_queue_depth", "Export jobs waiting for a worker.", value=depth
        )
        deliveries = GaugeMetricFamily(
            "clickproof_webhook_deliveries",
            "Webhook deliveries by event and status.",
            labels=["event", "status"],
        )
        for (event, status), count in sorted(found.deliveries.items()):
            deliveries.add_metric([event, status], count)
        yield deliveries
        waiting = sum(c for (_e, status), c in found.deliveries.items() if status == "pending")
        yield GaugeMetricFamily(
            "clickproof_webhook_queue_depth", "Webhook deliveries waiting to be sent.", value=waiting
        )
        yield GaugeMetricFamily(
            "clickproof_webhook_endpoints_disabled",
            "Endpoints disabled after sustained failure.",
            value=found.disabled_endpoints,
        )
        yield CounterMetricFamily(
            "clickproof_chain_appends",
            "Activities appended to the sites' hash chains.",
            value=found.chain_activities,
        )


def build_metrics_router(system: System) -> APIRouter:
    router = APIRouter(tags=["Operations"])
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector(system.engine))
    token = system.settings.metrics_token

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        description="Open unless the operator sets CLICKPROOF_METRICS_TOKEN; then `Authorization: Bearer <token>`.",
        response_class=Response,
        openapi_extra={"security": []},
        responses={
            200: {"description": "Prometheus text format 0.0.4.", "content": {"text/plain": {}}},
            **error_responses(401),
        },
    )
    def metrics(request: Request) -> Response:
        if token is not None:
            given = request.headers.get("authorization", "")
            expected = f"Bearer {token.get_secret_value()}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise UnauthenticatedError(
                    "GET /metrics needs Authorization: Bearer <CLICKPROOF_METRICS_TOKEN>"
                )
        body = generate_latest(REGISTRY) + generate_latest(database)
        return Response(body, media_type=CONTENT_TYPE)

    return router
