"""The Activity API's `load` parameters (`POST /load/json`, `GET /load`): which group to present,
with which render data. Every send parameter an SDK adds (`et`, `tm`, `rdid`, `_srv`, `_lib`, …)
is accepted; a load stores what was presented, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clickproof.domain.send_request import bool_param, fail, group_param, object_param, text_param


@dataclass(frozen=True)
class LoadRequest:
    site_access_id: str
    group_id: int | None
    group_key: str | None
    render_data: dict[str, Any]
    test_mode: bool


def parse_load(params: dict[str, Any]) -> LoadRequest:
    sid = text_param(params, "sid", required=True, limit=64)
    assert sid is not None
    gid, gkey = group_param(params)
    if gid is None and gkey is None:
        raise fail("a group is required: gkey (its key) or gid (its id)", "gkey", "missing_field")
    return LoadRequest(sid, gid, gkey, object_param(params, "rnd"), bool(bool_param(params, "tm")))
