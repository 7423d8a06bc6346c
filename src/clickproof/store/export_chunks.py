"""All SQL about export chunks. Like jobs, every change is a compare-and-set on (status, attempt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, insert, or_, select, update

from clickproof.store.tables import export_chunks

PENDING, STARTED, DONE = "pending", "started", "done"
CSV, PDF = "csv", "pdf"  # chunk kinds: a part of the CSV file, or zip parts of evidence PDFs


@dataclass(frozen=True)
class Chunk:
    job_id: str
    position: int
    status: str
    attempt: int
    low: list[Any] | None
    high: list[Any] | None
    rows: int
    size: int | None
    sha256: str | None
    storage_key: str | None
    owner: str | None
    kind: str = CSV
    parts: list[dict[str, Any]] | None = None  # kind "pdf": the zip parts written


def _chunk(row: Any) -> Chunk:
    return Chunk(
        job_id=row.job_id,
        position=row.position,
        status=row.status,
        attempt=row.attempt,
        low=row.low,
        high=row.high,
        rows=row.rows,
        size=row.size,
        sha256=row.sha256,
        storage_key=row.storage_key,
        owner=row.lease_owner,
        kind=row.kind,
        parts=row.parts,
    )


class ChunkStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def plan(
        self,
        job_id: str,
        bounds: list[tuple[list[Any] | None, list[Any] | None]],
        now: datetime,
        kind: str = CSV,
    ) -> None:
        """Record the chunks of one kind of a job once; a later attempt keeps the plan and the
        finished parts. Positions are unique in the job: a kind's chunks follow the others'."""
        with self.engine.begin() as conn:
            existing = conn.execute(
                select(export_chunks.c.position).where(
                    export_chunks.c.job_id == job_id, export_chunks.c.kind == kind
                )
            ).first()
            if existing is not None:
                return
            last = conn.execute(
                select(func.max(export_chunks.c.position)).where(export_chunks.c.job_id == job_id)
            ).scalar_one()
            first = 0 if last is None else last + 1
            conn.execute(
                insert(export_chunks),
                [
                    {
                        "job_id": job_id,
                        "position": first + i,
                        "kind": kind,
                        "status": PENDING,
                        "attempt": 0,
                        "low": low,
                        "high": high,
                        "rows": 0,
                        "updated_time": now,
                    }
                    for i, (low, high) in enumerate(bounds)
                ],
            )

    def chunks(self, job_id: str, kind: str = CSV) -> list[Chunk]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(export_chunks)
                .where(export_chunks.c.job_id == job_id, export_chunks.c.kind == kind)
                .order_by(export_chunks.c.position)
            ).all()
        return [_chunk(r) for r in rows]

    def claim(
        self,
        job_id: str,
        position: int | None,
        *,
        owner: str,
        now: datetime,
        lease: timedelta,
        kind: str = CSV,
    ) -> Chunk | None:
        """Take one chunk (the given one, or the first available of `kind`): pending, or started
        with an expired lease (its worker died). None when there is nothing to take."""
        claimable = or_(
            export_chunks.c.status == PENDING,
            and_(export_chunks.c.status == STARTED, export_chunks.c.lease_expires_time <= now),
        )
        query = select(export_chunks).where(export_chunks.c.job_id == job_id, claimable)
        if position is not None:
            query = query.where(export_chunks.c.position == position)
        else:
            query = query.where(export_chunks.c.kind == kind)
        with self.engine.begin() as conn:
            for row in conn.execute(query.order_by(export_chunks.c.position)).all():
                result = conn.execute(
                    update(export_chunks)
                    .where(
                        export_chunks.c.job_id == job_id,
                        export_chunks.c.position == row.position,
                        export_chunks.c.status == row.status,
                        export_chunks.c.attempt == row.attempt,
                    )
                    .values(
                        status=STARTED,
                        attempt=row.attempt + 1,
                        lease_owner=owner,
                        lease_expires_time=now + lease,
                        updated_time=now,
                    )
                )
                if result.rowcount == 1:
                    claimed = conn.execute(
                        select(export_chunks).where(
                            export_chunks.c.job_id == job_id, export_chunks.c.position == row.position
                        )
                    ).one()
                    return _chunk(claimed)
        return None

    def heartbeat(self, chunk: Chunk, *, now: datetime, lease: timedelta, rows: int) -> bool:
        return self._update_held(chunk, lease_expires_time=now + lease, rows=rows, updated_time=now)

    def complete(
        self,
        chunk: Chunk,
        *,
        now: datetime,
        rows: int,
        size: int,
        sha256: str,
        storage_key: str,
        parts: list[dict[str, Any]] | None = None,
    ) -> bool:
        return self._update_held(
            chunk,
            status=DONE,
            rows=rows,
            size=size,
            sha256=sha256,
            storage_key=storage_key,
            parts=parts,
            lease_expires_time=None,  # lease_owner stays: who wrote the part
            updated_time=now,
        )

    def reopen(self, job_id: str, positions: list[int], now: datetime, kind: str = CSV) -> None:
        """Make done chunks pending again (their parts were lost): the next claim rewrites them."""
        with self.engine.begin() as conn:
            conn.execute(
                update(export_chunks)
                .where(
                    export_chunks.c.job_id == job_id,
                    export_chunks.c.kind == kind,
                    export_chunks.c.position.in_(positions),
                    export_chunks.c.status == DONE,
                )
                .values(
                    status=PENDING,
                    rows=0,
                    size=None,
                    sha256=None,
                    storage_key=None,
                    lease_owner=None,
                    lease_expires_time=None,
                    updated_time=now,
                )
            )

    def _update_held(self, chunk: Chunk, **values: Any) -> bool:
        """Update the chunk only while this attempt still holds it (compare-and-set)."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(export_chunks)
                .where(
                    export_chunks.c.job_id == chunk.job_id,
                    export_chunks.c.position == chunk.position,
                    export_chunks.c.status == STARTED,
                    export_chunks.c.attempt == chunk.attempt,
                )
                .values(**values)
            )
            return result.rowcount == 1
