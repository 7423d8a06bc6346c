"""Exponential backoff with jitter between failed attempts."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from clickproof.domain.retry_backoff import MAX_RETRY_DELAY_SECONDS, retry_delay


@given(st.integers(min_value=1, max_value=200), st.floats(min_value=0, max_value=60), st.integers())
def test_delay_is_between_half_and_all_of_the_ceiling(attempt: int, base: float, seed: int) -> None:
    ceiling = min(MAX_RETRY_DELAY_SECONDS, base * 2.0 ** (attempt - 1))
    assert ceiling / 2 <= retry_delay(attempt, base, random.Random(seed)) <= ceiling


def test_delays_grow_and_spread() -> None:
    rng = random.Random(7)
    medians = [sorted(retry_delay(a, 4.0, rng) for _ in range(101))[50] for a in (1, 2, 3, 4)]
    assert medians == sorted(medians) and medians[-1] > 4 * medians[0]
    assert len({round(retry_delay(3, 4.0), 6) for _ in range(50)}) > 40  # jittered
