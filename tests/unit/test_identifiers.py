from clickproof.domain.export_job import JobStatus, can_transition
from clickproof.domain.object_id import is_object_id, new_object_id
from clickproof.jobs.queue import RUN_EXPORT_TASK


def test_object_ids_are_24_hex_and_unique() -> None:
    ids = {new_object_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(is_object_id(i) for i in ids)
    assert not is_object_id("../../etc/passwd")


def test_task_name_is_pinned() -> None:
    # Renaming the task strands messages already queued under the old name.
    assert RUN_EXPORT_TASK == "clickproof.run_export"


def test_terminal_statuses_never_change() -> None:
    for target in JobStatus:
        assert not can_transition(JobStatus.SUCCESS, target)
        assert not can_transition(JobStatus.FAILED, target)
    assert can_transition(JobStatus.STARTED, JobStatus.SCHEDULED)
