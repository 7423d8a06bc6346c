"""What `/load` presented, under its render id: insert once, read back when a send refers to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from clickproof.domain.object_id import ID_ATTEMPTS, new_object_id
from clickproof.errors import IdsExhaustedError
from clickproof.store.tables import renders


@dataclass(frozen=True)
class PresentedContract:
    contract_id: int
    version_id: str
    sha256: str  # of the HTML as presented, render data merged


@dataclass(frozen=True)
class Render:
    id: str
    site_id: int
    group_id: int | None
    contracts: tuple[PresentedContract, ...]
    render_data: dict[str, Any]
    test_mode: bool
    created_time: datetime

    def presented(self, contract_id: int) -> PresentedContract | None:
        return next((c for c in self.contracts if c.contract_id == contract_id), None)


class RenderStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, render: Render) -> Render:
        """Store the render; returns it as stored: under a fresh id if its own was taken (an
        astronomically unlikely collision of random ids, which is never a 5xx)."""
        for _attempt in range(ID_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(renders).values(self._values(render)))
                return render
            except IntegrityError:
                with self.engine.connect() as conn:
                    if conn.execute(select(renders.c.id).where(renders.c.id == render.id)).first() is None:
                        raise  # not the id: a real failure
                render = replace(render, id=new_object_id(render.created_time.timestamp()))
        raise IdsExhaustedError("render")

    @staticmethod
    def _values(render: Render) -> dict[str, object]:
        return {
            "id": render.id,
            "site_id": render.site_id,
            "group_id": render.group_id,
            "contracts": [
                {"contract": c.contract_id, "version": c.version_id, "sha256": c.sha256}
                for c in render.contracts
            ],
            "render_data": render.render_data,
            "test_mode": render.test_mode,
            "created_time": render.created_time,
        }

    def get(self, site_id: int, render_id: str) -> Render | None:
        """The site's render with this id; another site's is None, exactly like a missing one."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(renders).where(renders.c.site_id == site_id, renders.c.id == render_id)
            ).first()
        if row is None:
            return None
        return Render(
            id=str(row.id),
            site_id=int(row.site_id),
            group_id=None if row.group_id is None else int(row.group_id),
            contracts=tuple(
                PresentedContract(int(c["contract"]), str(c["version"]), str(c["sha256"]))
                for c in row.contracts
            ),
            render_data=dict(row.render_data),
            test_mode=bool(row.test_mode),
            created_time=row.created_time,
        )
