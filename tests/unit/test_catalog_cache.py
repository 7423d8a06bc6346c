"""The per-process catalogue cache: one load per site when an entry expires, however many
requests arrive meanwhile; writes seen after the ttl; ttl 0 loads every time."""

from __future__ import annotations

import threading
import time
from typing import Any

from clickproof.services.catalog_cache import CatalogCache, SiteCatalog


class CountingCache(CatalogCache):
    def __init__(self, ttl: float, load_seconds: float = 0.0) -> None:
        super().__init__(store=None, ttl=ttl)  # type: ignore[arg-type]
        self.loads = 0
        self.load_seconds = load_seconds
        self._count_lock = threading.Lock()

    def _load(self, access_id: str) -> SiteCatalog | None:
        with self._count_lock:
            self.loads += 1
        time.sleep(self.load_seconds)
        return None if access_id == "unknown" else self._marker(access_id)

    @staticmethod
    def _marker(access_id: str) -> Any:
        return access_id  # stands for the site's snapshot


def test_concurrent_requests_share_one_load() -> None:
    cache = CountingCache(ttl=60, load_seconds=0.2)
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("site"))) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["site"] * 12
    assert cache.loads == 1


def test_an_expired_entry_is_loaded_again() -> None:
    cache = CountingCache(ttl=0.05)
    assert cache.get("site") == "site"
    assert cache.get("site") == "site"
    assert cache.loads == 1
    time.sleep(0.06)
    assert cache.get("site") == "site"
    assert cache.loads == 2
    assert cache.get("unknown") is None
    assert cache.get("unknown") is None  # an unknown id is cached too
    assert cache.loads == 3


def test_ttl_zero_loads_every_time_and_clear_forgets() -> None:
    off = CountingCache(ttl=0)
    off.get("site")
    off.get("site")
    assert off.loads == 2
    cache = CountingCache(ttl=60)
    cache.get("site")
    cache.clear()
    cache.get("site")
    assert cache.loads == 2
