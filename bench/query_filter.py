"""Benchmark: a 1 %-selective filtered CSV export against the unfiltered export of the same window.

Target: over N (default 1,000,000) demo activities, exporting a filter that selects about 1 % of
the rows through an index takes at most 1/20 of the time of the unfiltered export, both measured
in the same run, alternating (unfiltered, filtered) per round so machine noise hits both.

The filter is `{"contract": {"_id": C}, "created_time": {"$gte": T}}` with T chosen so that it
selects 1 % of the rows. The run also prints the query plan of the filtered export.

Run from the project root: `.venv/bin/python bench/query_filter.py` (SQLite in bench/out/query-1m),
or with `--database-url postgresql://postgres@127.0.0.1:5432/<db>` for PostgreSQL.
Exit status: 0 when the target is met, 1 when it is missed, 2 on a setup error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from clickproof.bootstrap import System, build_system
from clickproof.config import Settings
from clickproof.domain.export_job import JobStatus
from clickproof.domain.export_request import Column
from clickproof.domain.fields import Family
from clickproof.domain.timestamps import format_stored, utc_now
from clickproof.export.csv_query import build_csv_query, compile_positional
from clickproof.export.runner import ExportRunner
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID
from clickproof.services.tokens import Principal
from clickproof.store.tables import activities

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"
RATIO_TARGET = 1 / 20
SELECTIVITY = 0.01


class BenchError(RuntimeError):
    """The benchmark could not run."""


def demo_token(home: Path, database_url: str | None, count: int) -> str:
    """Create the demo data when the database is empty (it takes a few minutes for 1 M); a token."""
    env = {**os.environ, "CLICKPROOF_HOME": str(home)}
    if database_url:
        env["CLICKPROOF_DATABASE_URL"] = database_url
    command = [str(Path(sys.executable).with_name("clickproof")), "demo", "--activities", str(count)]
    command += ["--seed", "1", "--if-empty"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"clickproof demo failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip().splitlines()[-1]


def one_percent_filter(system: System, site_id: int, start: Any, end: Any) -> dict[str, Any]:
    """Contract C (the first) and a created_time bound T such that the pair selects ~1 % of rows."""
    window = (activities.c.site_id == site_id) & (activities.c.created_time >= start)
    window &= activities.c.created_time < end
    with system.engine.connect() as conn:
        total = conn.execute(select(func.count()).where(window)).scalar_one()
        contract = conn.execute(select(func.min(activities.c.contract_id)).where(window)).scalar_one()
        wanted = max(1, round(total * SELECTIVITY))
        bound = conn.execute(
            select(activities.c.created_time)
            .where(window, activities.c.contract_id == contract)
            .order_by(activities.c.created_time.desc())
            .offset(wanted - 1)
            .limit(1)
        ).scalar_one()
    return {"contract": {"_id": contract}, "created_time": {"$gte": format_stored(bound)}}


def plan_of(system: System, body: dict[str, Any], site_id: int) -> str:
    dialect = system.engine.dialect
    query = build_csv_query(
        dialect_name=dialect.name,
        site_id=site_id,
        start=utc_now() - timedelta(days=100),
        end=utc_now(),
        filter_node=parse_filter(body["filter"]),
        sort=parse_sort(None),
        columns=[Column(Family.STANDARD, "id")],
    )
    with system.engine.connect() as conn:
        if dialect.name == "sqlite":
            sql, params = compile_positional(query.statement, dialect)
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params)).all()
            return " / ".join(str(r[-1]) for r in rows)
        compiled = query.statement.compile(dialect=dialect)
        rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).all()
        return " / ".join(str(r[0]).strip() for r in rows)


def timed_export(
    system: System, runner: ExportRunner, principal: Principal, body: dict[str, Any]
) -> tuple[float, int]:
    site = system.tenants.site(principal.default_site_id)
    assert site is not None
    began = time.perf_counter()
    job = system.exports.create(principal, site, body)
    runner.run(job.id, "bench")
    elapsed = time.perf_counter() - began
    done = system.jobs.get(job.id)
    if done is None or done.status is not JobStatus.SUCCESS:
        raise BenchError(f"export {job.id} did not succeed: {done.message if done else 'missing'}")
    shutil.rmtree(system.settings.export_dir / job.id, ignore_errors=True)  # 1 M rows are ~1 GB
    return elapsed, done.processed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--home", type=Path, default=OUT_DIR / "query-1m")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    args.home.mkdir(parents=True, exist_ok=True)
    print(f"demo data: {args.activities} activities in {args.database_url or args.home}")
    token = demo_token(args.home, args.database_url, args.activities)
    settings = Settings(home=args.home, database_url=args.database_url, workers=1)
    system = build_system(settings)
    try:
        principal = system.auth.principal_for(token)
        if principal is None:
            raise BenchError("the demo token is not valid")
        with system.engine.connect() as conn:
            site = system.tenants.site_by_access_id(conn, DEMO_SITE_ACCESS_ID)
        assert site is not None
        now = utc_now()
        start = now - timedelta(days=100)
        unfiltered = {"start_date": start.isoformat(), "end_date": now.isoformat()}
        filtered = {**unfiltered, "filter": one_percent_filter(system, site.id, start, now)}
        print(f"filter: {json.dumps(filtered['filter'])}")
        print(f"plan:   {plan_of(system, filtered, site.id)}")
        times: dict[str, list[float]] = {"unfiltered": [], "filtered": []}
        rows: dict[str, int] = {}
        for round_number in range(1, args.rounds + 1):
            for name, body in (("unfiltered", unfiltered), ("filtered", filtered)):
                elapsed, count = timed_export(system, system.runner, principal, body)
                times[name].append(elapsed)
                rows[name] = count
                print(f"  round {round_number} {name:10s} {count:>9,d} rows  {elapsed:7.3f} s")
        median = {name: statistics.median(values) for name, values in times.items()}
        ratio = median["filtered"] / median["unfiltered"]
        selectivity = rows["filtered"] / max(1, rows["unfiltered"])
        result = {
            "database": system.engine.dialect.name,
            "activities": rows["unfiltered"],
            "filtered_rows": rows["filtered"],
            "selectivity": round(selectivity, 4),
            "median_seconds": {k: round(v, 3) for k, v in median.items()},
            "ratio": round(ratio, 4),
            "target": RATIO_TARGET,
            "met": ratio <= RATIO_TARGET,
        }
        OUT_DIR.mkdir(exist_ok=True)
        (OUT_DIR / f"query_filter_{result['database']}.json").write_text(json.dumps(result, indent=2))
        print(
            f"median unfiltered {median['unfiltered']:.3f} s, filtered {median['filtered']:.3f} s "
            f"({selectivity:.2%} of the rows): ratio {ratio:.4f} (target <= {RATIO_TARGET:.4f}) "
            f"{'MET' if result['met'] else 'MISSED'}"
        )
        return 0 if result["met"] else 1
    finally:
        system.close()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"setup error: {error}", file=sys.stderr)
        sys.exit(2)
