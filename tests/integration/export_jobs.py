"""Export jobs created and run in-process, as the API would create them for the demo's token."""

from __future__ import annotations

from typing import Any

from clickproof.bootstrap import System
from clickproof.domain.export_job import ExportJob, JobStatus
from clickproof.services.demo_data import DemoResult


def create_export(system: System, demo: DemoResult, body: dict[str, Any]) -> str:
    principal = system.auth.principal_for(demo.token)
    site = system.tenants.site(demo.site_id)
    assert principal is not None and site is not None
    return system.exports.create(principal, site, body).id


def run_export(
    system: System, demo: DemoResult, body: dict[str, Any], owner: str = "test-worker"
) -> ExportJob:
    """Create the export, run it to the end in this thread, and return the successful job."""
    job_id = create_export(system, demo, body)
    system.runner.run(job_id, owner)
    job = system.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.SUCCESS, job
    return job
