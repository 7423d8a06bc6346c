"""Benchmark: evidence PDFs of N demo activities, end to end through the export runner.

Targets (issue 6): >= 200 PDFs per CPU-second (per core), >= 2x the throughput of rendering every
PDF from scratch with the same library, peak RSS of the exporting process < 300 MB. The seal on
each PDF (PAdES, evidence/pdf_seal.py; on by default, as the export job runs) may cost at most
20 % (the verifiability issue: above that it would have to be off by default).

1. `clickproof demo` seeds N activities in a fresh CLICKPROOF_HOME (a separate process).
2. This process runs one PDF-only export job of all of them through ExportRunner.run (database
   stream, records, certificate pages written directly, shaped values and contract text by
   typst, zip parts, manifest) and measures CPU time (all threads), wall time and peak RSS.
3. Side by side on the first M activities, alternating in chunks: the renderer as shipped (the
   contract text, shaped values and recurring font subsets made once), the same renderer
   with every cache off (`shared=False`: everything made again for each PDF), and the shipped
   renderer sealing each PDF with the site's key; all three in the same chunks.

Run from the project root: `.venv/bin/python bench/evidence_pdfs.py` (or `make bench-pdfs`).
Exit status: 0 when every target is met, 1 when one is missed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from clickproof.bootstrap import build_system
from clickproof.config import Settings
from clickproof.domain.export_job import JobStatus
from clickproof.domain.timestamps import utc_now
from clickproof.evidence.pdf_seal import PdfSealer
from clickproof.evidence.record import ExportScope, build_record
from clickproof.export.pdf_renderer import EvidencePdfRenderer

BENCH_DIR = Path(__file__).resolve().parent
RATE_TARGET = 200.0
RATIO_TARGET = 2.0
RSS_TARGET_MB = 300.0
SEAL_COST_TARGET = 0.20


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def seed(home: Path, activities: int) -> None:
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    clickproof = str(Path(sys.executable).with_name("clickproof"))
    env = {**os.environ, "CLICKPROOF_HOME": str(home)}
    subprocess.run(
        [clickproof, "demo", "--activities", str(activities), "--seed", "1"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--side-by-side", type=int, default=600, help="activities rendered both ways")
    parser.add_argument("--home", type=Path, default=BENCH_DIR / "out" / "pdf-home")
    args = parser.parse_args()

    seed(args.home, args.activities)
    settings = Settings(home=args.home, workers=1)
    system = build_system(settings)
    try:
        site = system.tenants.account_sites(1)[0]
        principal = system.auth.principal_for(_token(system))
        assert principal is not None
        start = (utc_now() - timedelta(days=100)).isoformat()
        body = {"start_date": start, "export_types": ["clickwrap_activities_as_pdfs"]}
        job = system.exports.create(principal, site, body)

        cpu0, wall0 = cpu_seconds(), time.perf_counter()
        system.runner.run(job.id, "bench")
        cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
        done = system.jobs.get(job.id)
        assert done is not None and done.status is JobStatus.SUCCESS, done
        pdfs = sum(f.rows for f in done.files if f.export_type == "clickwrap_activities_as_pdfs")
        zip_bytes = sum(f.size for f in done.files if f.export_type == "clickwrap_activities_as_pdfs")
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        texts = system.runner.renderer().text_renders

        shared, scratch, sealed = side_by_side(system, args.side_by_side)
    finally:
        system.close()

    rate = pdfs / cpu
    ratio = shared / scratch
    seal_cost = shared / sealed - 1
    print(
        f"export job: {pdfs} PDFs in {wall:.1f} s wall, {cpu:.1f} CPU-s -> {rate:.1f} PDFs per CPU-s "
        f"({pdfs / wall:.1f}/s wall); {zip_bytes / pdfs / 1000:.1f} kB per PDF; "
        f"contract texts rendered: {texts}; peak RSS {rss_mb:.0f} MB"
    )
    print(
        f"side by side on {args.side_by_side} activities: shared text {shared:.1f} PDFs per CPU-s, "
        f"from scratch {scratch:.1f} PDFs per CPU-s -> {ratio:.2f}x; sealed {sealed:.1f} PDFs per CPU-s "
        f"-> the seal costs {seal_cost:.1%}"
    )
    met = {
        f">= {RATE_TARGET:.0f} PDFs per CPU-s": rate >= RATE_TARGET,
        f">= {RATIO_TARGET:.0f}x from scratch": ratio >= RATIO_TARGET,
        f"RSS < {RSS_TARGET_MB:.0f} MB": rss_mb < RSS_TARGET_MB,
        f"the seal costs <= {SEAL_COST_TARGET:.0%}": seal_cost <= SEAL_COST_TARGET,
    }
    for name, ok in met.items():
        print(f"  {'met' if ok else 'MISSED'}: {name}")
    return 0 if all(met.values()) else 1


def side_by_side(system: object, count: int) -> tuple[float, float, float]:
    """PDFs per CPU-second with the shared-text renderer, from scratch, and the shared-text
    renderer sealing each PDF, alternating chunks."""
    from clickproof.bootstrap import System

    assert isinstance(system, System)
    site = system.tenants.account_sites(1)[0]
    records_source = system.evidence.stream(
        account_id=site.account_id,
        site_id=site.id,
        start=utc_now() - timedelta(days=100),
        end=utc_now(),
        filter_node=None,
        sort=(),
    )
    pairs = list(itertools.islice(records_source, count))
    sealer = PdfSealer(system.keys.for_site(site.id))
    renderers = {  # each with caches of its own: none warms them for another
        "shared": (EvidencePdfRenderer(), None),
        "scratch": (EvidencePdfRenderer(shared=False), None),
        "sealed": (EvidencePdfRenderer(), sealer),
    }
    seconds = dict.fromkeys(renderers, 0.0)
    timestamp = int(time.time())
    scope = ExportScope(
        id="0" * 24, start=utc_now() - timedelta(days=100), end=utc_now(), filter_description="all"
    )
    for offset in range(0, len(pairs), 100):
        for name, (renderer, seal) in renderers.items():
            started = cpu_seconds()
            for activity, context in pairs[offset : offset + 100]:
                record = build_record(activity, context, export=scope, drawable=renderer.drawable)
                renderer.render(record, timestamp=timestamp, sealer=seal)
            seconds[name] += cpu_seconds() - started
    n = len(pairs)
    return n / seconds["shared"], n / seconds["scratch"], n / seconds["sealed"]


def _token(system: object) -> str:
    from clickproof.bootstrap import System
    from clickproof.services.tokens import issue_token

    assert isinstance(system, System)
    with system.engine.begin() as conn:
        return issue_token(
            system.tenants,
            conn,
            user_id=1,
            account_id=1,
            default_site_id=1,
            site_ids=[1],
            permissions=["exports:create", "exports:read"],
            label="bench",
        )


if __name__ == "__main__":
    sys.exit(main())
