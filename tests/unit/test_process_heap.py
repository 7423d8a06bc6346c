"""The startup objects of a long-running process are exempt from later full collections."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from clickproof.process_heap import freeze_startup_objects


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_surviving_objects_move_to_the_permanent_generation() -> None:
    kept = [{"n": n} for n in range(1_000)]
    garbage: list[object] = []
    garbage.append(garbage)  # a cycle only a collection frees
    del garbage
    frozen = freeze_startup_objects()
    assert frozen == gc.get_freeze_count() >= len(kept)
    assert all(not any(o is d for o in gc.get_objects(generation=2)) for d in kept[:3])
    assert gc.get_count()[2] == 0
