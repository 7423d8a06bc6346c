"""Administration routes (/v1.1/admin): accounts, sites and tokens of any account, for tokens
holding the `admin` permission."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from clickproof.api.body import read_json_body
from clickproof.api.contract import error_responses
from clickproof.api.wire_admin import account_to_wire, site_to_wire, token_to_wire
from clickproof.bootstrap import System
from clickproof.domain.admin_request import parse_account, parse_site, parse_token
from clickproof.domain.timestamps import utc_now
from clickproof.services.tokens import KNOWN_PERMISSIONS


def build_admin_router(system: System) -> APIRouter:
    router = APIRouter(prefix="/v1.1/admin", tags=["Administration"])
    created = {201: {"description": "Created."}, **error_responses(400, 401, 403, 404, 413, 415)}

    def admin(request: Request) -> None:
        principal = system.auth.authenticate(request.headers.get("authorization"))
        system.auth.require_admin(principal)

    @router.post("/accounts", summary="Create an account", status_code=201, responses=created)
    async def create_account(request: Request) -> JSONResponse:
        await run_in_threadpool(admin, request)
        name = parse_account(await read_json_body(request))
        row = await run_in_threadpool(system.tenancy.create_account, name)
        return JSONResponse(account_to_wire(row), status_code=201)

    @router.post(
        "/sites",
        summary="Create a site of an account",
        description="Answers the site with its public access id (the `sid` of its web pages).",
        status_code=201,
        responses=created,
    )
    async def create_site(request: Request) -> JSONResponse:
        await run_in_threadpool(admin, request)
        data = parse_site(await read_json_body(request))
        site = await run_in_threadpool(system.tenancy.create_site, data)
        return JSONResponse(site_to_wire(site), status_code=201)

    @router.post(
        "/tokens",
        summary="Issue an API token for sites of an account",
        description="The token is in this answer only; it is stored as a hash.",
        status_code=201,
        responses=created,
    )
    async def create_token(request: Request) -> JSONResponse:
        await run_in_threadpool(admin, request)
        data = parse_token(await read_json_body(request), KNOWN_PERMISSIONS, utc_now())
        issued = await run_in_threadpool(system.tenancy.create_token, data)
        return JSONResponse(token_to_wire(issued), status_code=201, headers={"Cache-Control": "no-store"})

    return router
