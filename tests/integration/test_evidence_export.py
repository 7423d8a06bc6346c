"""Evidence PDFs, zip parts and the signed manifest against a real SQLite database."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pikepdf
import pytest

from clickproof.bootstrap import System
from clickproof.domain.export_job import ExportJob
from clickproof.domain.timestamps import parse_stored, utc_now
from clickproof.evidence.canonical_json import canonical_json, sha256_hex
from clickproof.evidence.record import activity_document
from clickproof.evidence.verify import verify_export
from clickproof.services.demo_data import DemoResult
from clickproof.store.evidence import EvidenceStore
from tests.integration.export_jobs import run_export

START = (utc_now() - timedelta(days=120)).isoformat()
PDFS = "clickwrap_activities_as_pdfs"


def copy_files(system: System, job: ExportJob, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for f in job.files:
        source = system.exports.blobs.local_path(f.storage_key)
        assert source is not None
        shutil.copyfile(source, target / f.name)
    return target


def small_filter(system: System, count: int) -> dict[str, Any]:
    """A filter that keeps a few activities: the first `count` ids."""
    with system.engine.connect() as conn:
        from sqlalchemy import select

        from clickproof.store.tables import activities

        ids = [r.id for r in conn.execute(select(activities.c.id).order_by(activities.c.id).limit(count))]
    return {"id": {"$in": ids}}


@pytest.fixture
def pdf_job(system: System, demo: DemoResult) -> ExportJob:
    body = {
        "start_date": START,
        "filter": small_filter(system, 12),
        "export_types": ["clickwrap_activities", PDFS],
    }
    return run_export(system, demo, body)


def test_pdf_export_has_csv_zip_and_signed_manifest(
    system: System, pdf_job: ExportJob, tmp_path: Path
) -> None:
    types = [f.export_type for f in pdf_job.files]
    assert types == ["clickwrap_activities", PDFS, "manifest"]
    assert "12 evidence PDFs in 1 zip file" in pdf_job.message
    directory = copy_files(system, pdf_job, tmp_path / "dl")
    verdict = verify_export([directory])
    assert verdict.ok, verdict.problems
    assert verdict.files_checked == 2
    manifest = json.loads((directory / "manifest.json").read_text())["manifest"]
    assert manifest["row_count"] == 12
    assert [f["name"] for f in manifest["files"]] == [f.name for f in pdf_job.files[:2]]
    assert manifest["filter_description"].startswith("activity id is one of")
    key = system.keys.for_site(pdf_job.site_id)
    assert manifest["key_id"] == key.key_id
    assert verify_export([directory], public_key=key.public_key).ok


def test_each_pdf_embeds_its_exact_activity(system: System, pdf_job: ExportJob, tmp_path: Path) -> None:
    directory = copy_files(system, pdf_job, tmp_path / "dl")
    (part,) = [f for f in pdf_job.files if f.export_type == PDFS]
    evidence = EvidenceStore(system.engine)
    with zipfile.ZipFile(directory / part.name) as archive:
        names = [n for n in archive.namelist() if n != "SHA256SUMS"]
        assert len(names) == 12
        for name in names:
            found = evidence.one(
                account_id=pdf_job.account_id, site_id=pdf_job.site_id, activity_id=name[:-4]
            )
            assert found is not None
            with pikepdf.open(io.BytesIO(archive.read(name))) as pdf:
                attached = pdf.attachments["activity.json"].get_file().read_bytes()
                assert pdf.attachments["context.json"]
                text = b"".join(p.obj.Contents.read_bytes() for p in pdf.pages[:1] if "/Contents" in p.obj)
                assert text
            assert attached == canonical_json(activity_document(found[0]))
            assert json.loads(attached)["id"] == name[:-4]
            assert sha256_hex(attached)


def test_same_export_renders_identical_pdfs(system: System, demo: DemoResult, pdf_job: ExportJob) -> None:
    again = system.jobs.get(pdf_job.id)
    assert again is not None
    # A second attempt of the same job (as after a crash) writes the same zip bytes.
    part = next(f for f in pdf_job.files if f.export_type == PDFS)
    path = system.exports.blobs.local_path(part.storage_key)
    assert path is not None
    first = path.read_bytes()
    query = system.runner._query(pdf_job)
    system.runner._export_pdfs(pdf_job, query, 12, "again", cast(Any, _NoProgress()), first_position=1)
    assert path.read_bytes() == first


class _NoProgress:
    offset = 0

    def beat(self, processed: int, force: bool = False) -> None:
        return None


def test_pdf_only_export_splits_into_parts(system: System, demo: DemoResult, tmp_path: Path) -> None:
    system.runner.settings = type(system.runner.settings)(
        **{**system.runner.settings.__dict__, "zip_part_bytes": 250_000}
    )
    job = run_export(
        system, demo, {"start_date": START, "filter": small_filter(system, 10), "export_types": [PDFS]}
    )
    parts = [f for f in job.files if f.export_type == PDFS]
    assert len(parts) >= 2
    assert all(p.size <= 250_000 for p in parts)
    assert sum(p.rows for p in parts) == 10
    assert [f.export_type for f in job.files][-1] == "manifest"
    directory = copy_files(system, job, tmp_path / "dl")
    assert verify_export([directory]).ok
    # The zips alone (and the manifest) verify as well, named one by one.
    assert verify_export([directory / f.name for f in job.files]).ok


def test_the_manifest_records_the_chain_head_and_each_pdf_its_link(
    system: System, pdf_job: ExportJob, tmp_path: Path
) -> None:
    import subprocess

    from sqlalchemy import select

    from clickproof.store.tables import activities

    directory = copy_files(system, pdf_job, tmp_path / "dl")
    manifest = json.loads((directory / "manifest.json").read_text())["manifest"]
    with system.engine.connect() as conn:
        rows = conn.execute(
            select(
                activities.c.id, activities.c.chain_seq, activities.c.chain_hash, activities.c.created_time
            )
            .where(activities.c.site_id == pdf_job.site_id)
            .order_by(activities.c.chain_seq)
        ).all()
    end = parse_stored(pdf_job.data["end_date"])
    newest = max((r for r in rows if r.created_time < end), key=lambda r: r.chain_seq)
    assert manifest["chain_head"]["seq"] == newest.chain_seq
    assert manifest["chain_head"]["hash"] == newest.chain_hash
    part = next(directory.glob("*.zip"))
    with zipfile.ZipFile(part) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".pdf"))
        (tmp_path / "one.pdf").write_bytes(archive.read(name))
    row = next(r for r in rows if f"{r.id}.pdf" == name)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "one.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    key = system.keys.for_site(pdf_job.site_id)
    flat = text.replace(" ", "").replace("\n", "")
    assert f"link {row.chain_seq} of site {pdf_job.site_id}" in text
    assert row.chain_hash in flat and key.key_id in flat and manifest["key_fingerprint"] in flat
