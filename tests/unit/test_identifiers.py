import itertools

from clickproof.domain.export_job import JobStatus, can_transition
from clickproof.domain.object_id import is_object_id, new_object_id
from clickproof.jobs.queue import RUN_EXPORT_TASK


def test_object_ids_are_24_hex_and_unique() -> None:
    ids = {new_object_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(is_object_id(i) for i in ids)
    assert not is_object_id("../../etc/passwd")


def test_object_ids_sort_by_second_and_cannot_be_predicted() -> None:
    first, second = new_object_id(1_000), new_object_id(1_000)
    assert first[:8] == second[:8] == f"{1_000:08x}" and new_object_id(1_001) > first
    # No part after the time is shared or counted: the next id says nothing about the one after.
    tails = [new_object_id(1_000)[8:] for _ in range(2_000)]
    assert len(set(tails)) == len(tails)
    assert len({t[:10] for t in tails}) == len(tails)  # no per-process constant
    assert not any(int(b, 16) - int(a, 16) == 1 for a, b in itertools.pairwise(tails))


def test_task_name_is_pinned() -> None:
    # Renaming the task strands messages already queued under the old name.
    assert RUN_EXPORT_TASK == "clickproof.run_export"


def test_terminal_statuses_never_change() -> None:
    for target in JobStatus:
        assert not can_transition(JobStatus.SUCCESS, target)
        assert not can_transition(JobStatus.FAILED, target)
    assert can_transition(JobStatus.STARTED, JobStatus.SCHEDULED)
