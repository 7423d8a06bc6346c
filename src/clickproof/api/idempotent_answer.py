"""The answer to a request run through an Idempotency-Key (services/idempotency): the stored
status and body, marked `Idempotent-Replayed: true` when it is a replay."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from clickproof.services.idempotency import Outcome


def idempotent_answer(outcome: Outcome, headers: dict[str, str] | None = None) -> JSONResponse:
    sent = {**(headers or {}), **({"Idempotent-Replayed": "true"} if outcome.replayed else {})}
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=sent or None)
