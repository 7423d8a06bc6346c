"""A least-recently-used map of bounded size; size 0 keeps nothing (every lookup misses)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """Not thread-safe: one per renderer."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        if self.size > 0:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
