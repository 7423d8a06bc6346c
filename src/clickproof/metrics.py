"""The process's Prometheus metrics (prometheus-client). Counters and histograms are kept per
process: each `clickproof serve` and `clickproof worker` counts what it did, and Prometheus adds
them up across its scrape targets. What the database knows (jobs by status and source, queue
depth, deliveries by status, chain length) is read at scrape time (api/routes_metrics.py), so
every process answers the same for it (docs/operations.md)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
ROWS_BUCKETS = (0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)

EXPORT_ATTEMPTS = Counter(
    "clickproof_export_attempts_total", "Export attempts ended by this process, by outcome.", ["outcome"]
)
EXPORT_DURATION = Histogram(
    "clickproof_export_duration_seconds",
    "Wall time of successful export attempts, from claim to commit.",
    buckets=SECONDS_BUCKETS,
)
EXPORT_ROWS = Histogram(
    "clickproof_export_rows", "Activities exported by successful export jobs.", buckets=ROWS_BUCKETS
)
SENDS = Counter(
    "clickproof_activity_sends_total", "Activity API sends answered by this process, by outcome.", ["outcome"]
)
SEND_LATENCY = Histogram(
    "clickproof_activity_send_seconds", "Latency of successful Activity API sends.", buckets=SECONDS_BUCKETS
)
CHAIN_APPENDS = Counter(
    "clickproof_chain_appended_activities_total",
    "Activities appended to the sites' hash chains by this process.",
)
WEBHOOK_ATTEMPTS = Counter(
    "clickproof_webhook_attempts_total",
    "Webhook delivery attempts made by this process, by event and outcome (success, failure).",
    ["event", "outcome"],
)
WEBHOOK_LATENCY = Histogram(
    "clickproof_webhook_attempt_seconds", "Latency of webhook delivery attempts.", buckets=SECONDS_BUCKETS
)


def export_succeeded(seconds: float, rows: int) -> None:
    EXPORT_ATTEMPTS.labels("success").inc()
    EXPORT_DURATION.observe(seconds)
    EXPORT_ROWS.observe(rows)
