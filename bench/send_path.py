"""The send write path alone: `IngestService.send` called in one thread of one process, no HTTP,
on a fresh database (SQLite in a temporary CLICKPROOF_HOME, or `--database-url`). Every send
names a signer (a pool of 500, so most are existing signers) and every demo contract; with
`--updated-every N`, every Nth is an `updated` event instead. Prints wall and CPU time per send
as one JSON line.

    .venv/bin/python bench/send_path.py [--sends 3000] [--updated-every 0] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from clickproof.bootstrap import build_system
from clickproof.config import Settings
from clickproof.domain.send_request import parse_send
from clickproof.services.demo_data import DEMO_SITE_ACCESS_ID, seed_demo


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=3000)
    parser.add_argument("--updated-every", type=int, default=0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clickproof-send-path-") as tmp:
        overrides = {} if args.database_url is None else {"database_url": args.database_url}
        system = build_system(Settings(home=Path(tmp), workers=1, **overrides))
        try:
            seed_demo(system.engine, system.tenants, system.activities, activities=0, seed=1)
            contracts = ",".join(
                str(c) for c in sorted(system.ingest.catalog_of(DEMO_SITE_ACCESS_ID).contracts)
            )
            requests = [
                parse_send(
                    {
                        "sid": DEMO_SITE_ACCESS_ID,
                        "sig": f"bench-{n % 500}@example.com",
                        **(
                            {"et": "updated", "cus": json.dumps({"title": f"t{n}"})}
                            if args.updated_every and n % args.updated_every == args.updated_every - 1
                            else {
                                "et": "agreed",
                                "cid": contracts,
                                "cus": json.dumps({"first_name": "Ann", "email": f"b{n % 500}@example.com"}),
                            }
                        ),
                    }
                )
                for n in range(args.sends)
            ]
            for request in requests[:100]:  # warm caches and the connection pool
                system.ingest.send(request)
            wall, cpu = time.perf_counter(), time.process_time()
            for request in requests[100:]:
                system.ingest.send(request)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            timed = len(requests) - 100
            print(
                json.dumps(
                    {
                        "database": system.engine.dialect.name,
                        "measure": "send_path",
                        "sends": timed,
                        "wall_ms_per_send": round(1000 * wall / timed, 3),
                        "cpu_ms_per_send": round(1000 * cpu / timed, 3),
                    }
                )
            )
        finally:
            system.close()


if __name__ == "__main__":
    main()
