"""A short-lived, per-process snapshot of each site's catalogue (contracts, versions, groups) for
the Activity API, so a send needs no catalogue queries. Writes through this process's REST routes
clear it at once; writes of other processes are seen after at most `ttl` seconds
(`CLICKPROOF_CATALOG_CACHE_SECONDS`, 0 turns the cache off). When an entry expires, one request
loads it again while the others of that site wait for its result, instead of every request that
arrives meanwhile loading it too."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from clickproof.store.catalog import PUBLISHED, CatalogStore
from clickproof.store.tenants import Site, site_from_row


@dataclass(frozen=True)
class GroupEntry:
    id: int
    key: str
    contract_ids: tuple[int, ...]
    title: str = ""


@dataclass(frozen=True)
class SiteCatalog:
    site: Site
    contracts: frozenset[int]
    versions: dict[str, tuple[int, int]]  # version id → (contract id, version number)
    latest_published: dict[int, tuple[str, int]]  # contract id → (version id, number)
    groups_by_id: dict[int, GroupEntry] = field(default_factory=dict)
    groups_by_key: dict[str, GroupEntry] = field(default_factory=dict)


class CatalogCache:
    def __init__(self, store: CatalogStore, ttl: float) -> None:
        self.store = store
        self.ttl = ttl
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, SiteCatalog | None]] = {}
        self._loading: dict[str, threading.Lock] = {}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(self, access_id: str) -> SiteCatalog | None:
        if self.ttl <= 0:
            return self._load(access_id)
        with self._lock:
            fresh = self._fresh(access_id)
            if fresh is not None:
                return fresh[0]
            if len(self._loading) > 10_000:
                self._loading.clear()
            loading = self._loading.setdefault(access_id, threading.Lock())
        with loading:  # one load per site at a time; the others then find its result
            with self._lock:
                fresh = self._fresh(access_id)
            if fresh is not None:
                return fresh[0]
            now = time.monotonic()
            loaded = self._load(access_id)
            with self._lock:
                if len(self._entries) > 10_000:
                    self._entries.clear()
                self._entries[access_id] = (now, loaded)
            return loaded

    def _fresh(self, access_id: str) -> tuple[SiteCatalog | None] | None:
        entry = self._entries.get(access_id)
        if entry is not None and time.monotonic() - entry[0] < self.ttl:
            return (entry[1],)
        return None

    def _load(self, access_id: str) -> SiteCatalog | None:
        return load_site_catalog(self.store, access_id)


def load_site_catalog(store: CatalogStore, access_id: str) -> SiteCatalog | None:
    """A fresh snapshot of a site's catalogue, or None for an unknown access id."""
    found = store.snapshot(access_id)
    if found is None:
        return None
    row, contract_ids, version_rows, group_rows = found
    site = site_from_row(row)
    latest: dict[int, tuple[str, int]] = {}
    for v in version_rows:
        if v.status == PUBLISHED:
            latest[int(v.contract_id)] = (str(v.id), int(v.version_number))
    entries = [
        GroupEntry(int(g.id), str(g.key), tuple(int(c) for c in g.contract_ids), str(g.title))
        for g in group_rows
    ]
    return SiteCatalog(
        site,
        frozenset(contract_ids),
        {str(v.id): (int(v.contract_id), int(v.version_number)) for v in version_rows},
        latest,
        {g.id: g for g in entries},
        {g.key: g for g in entries},
    )
