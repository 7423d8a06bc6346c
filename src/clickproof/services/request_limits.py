"""The rate limits of the API, as configured: export creation per site and per client address,
Activity API requests per access id and per client address (docs/configuration.md)."""

from __future__ import annotations

from clickproof.config import Settings
from clickproof.domain.rate_limits import RateLimit
from clickproof.services.rate_limiter import RateLimiter

MAX_SUBJECT = 64  # longer access ids are no access ids; they are counted by their first characters


class RequestLimits:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        window = settings.rate_limit_window_seconds
        self.limiter = limiter
        self.exports_per_site = RateLimit(
            "export_creations_per_site", settings.export_creations_per_site, window, "site"
        )
        self.exports_per_address = RateLimit(
            "export_creations_per_address", settings.export_creations_per_address, window, "client address"
        )
        self.activity_per_access_id = RateLimit(
            "activity_requests_per_access_id", settings.activity_requests_per_access_id, window, "access id"
        )
        self.activity_per_address = RateLimit(
            "activity_requests_per_address", settings.activity_requests_per_address, window, "client address"
        )

    def export_creation(self, site_id: int, host: str | None) -> None:
        self.limiter.check_address(self.exports_per_address, host)
        self.limiter.check(self.exports_per_site, str(site_id))

    def activity_request(self, access_id: object, host: str | None) -> None:
        self.limiter.check_address(self.activity_per_address, host)
        if isinstance(access_id, str) and access_id:
            self.limiter.check(self.activity_per_access_id, access_id[:MAX_SUBJECT])
