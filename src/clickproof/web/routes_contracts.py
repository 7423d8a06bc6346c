"""Contracts and versions: every contract with its versions (status, published and effective
times, acceptance counts), and a version's text as shown to signers, in a sandboxed frame."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from clickproof.api.openapi_params import MAX_ID
from clickproof.bootstrap import System
from clickproof.domain.strict_int import ascii_int
from clickproof.errors import NotFoundError
from clickproof.services.tokens import Permission
from clickproof.store.console_reads import ConsoleReads
from clickproof.store.tables import contracts
from clickproof.store.tenants import Site
from clickproof.web.console_route import site_access
from clickproof.web.paging import PER_PAGE, Pager, base_of, page_number
from clickproof.web.templating import render
from clickproof.web.version_text import version_document

MAX_ID_DIGITS = 10


def add_contracts_routes(router: APIRouter, system: System) -> None:
    reads = ConsoleReads(system.engine)
    catalog = system.catalog

    def reading(request: Request) -> Site:
        access = site_access(request)
        return system.auth.site_for(access.principal, access.site.id, Permission.CATALOG_READ)

    def contract_of(request: Request, site: Site) -> Any:
        contract_id = ascii_int(str(request.path_params["contract_id"]), max_digits=MAX_ID_DIGITS)
        if contract_id is None or not 1 <= contract_id <= MAX_ID:
            raise NotFoundError("no such contract on this site", field="id")
        return catalog.contract(site, contract_id)

    def version_of(request: Request, site: Site) -> tuple[Any, Any]:
        contract = contract_of(request, site)
        version = catalog.version(site, str(request.path_params["version_id"]).lower())
        if version.contract_id != contract.id:
            raise NotFoundError("no such version of this contract", field="id")
        return contract, version

    @router.get("/sites/{site_id}/contracts")
    def list_contracts(request: Request) -> Response:
        site = reading(request)
        page = page_number(request)
        rows, total = catalog.store.page(contracts, site.id, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        latest = catalog.latest_versions(site, [int(r.id) for r in rows])
        published = {
            cid: catalog.version(site, pub) for cid, (_newest, pub) in latest.items() if pub is not None
        }
        pager = Pager(page, PER_PAGE, total, len(rows), base_of(request, {}))
        return render(request, "contracts/list.html", rows=rows, published=published, pager=pager)

    @router.get("/sites/{site_id}/contracts/{contract_id}")
    def contract_page(request: Request) -> Response:
        site = reading(request)
        contract = contract_of(request, site)
        page = page_number(request)
        cid = int(contract.id)
        rows, total = reads.versions_page(site.id, cid, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
        latest = catalog.latest_versions(site, [cid])[cid]
        pager = Pager(page, PER_PAGE, total, len(rows), base_of(request, {}))
        return render(
            request,
            "contracts/contract.html",
            contract=contract,
            versions=rows,
            counts=reads.acceptance_counts(site.id, cid),
            newest_published=latest[1],
            pager=pager,
        )

    @router.get("/sites/{site_id}/contracts/{contract_id}/versions/{version_id}")
    def version_page(request: Request) -> Response:
        site = reading(request)
        contract, version = version_of(request, site)
        counts = reads.acceptance_counts(site.id, int(contract.id))
        return render(
            request,
            "contracts/version.html",
            contract=contract,
            version=version,
            accepted=counts.get(str(version.id), 0),
        )

    @router.get("/sites/{site_id}/contracts/{contract_id}/versions/{version_id}/text")
    def version_text(request: Request) -> Response:
        site = reading(request)
        _contract, version = version_of(request, site)
        return HTMLResponse(
            version_document(str(version.title), str(version.body)),
            headers={
                # The stored HTML runs nothing and loads nothing, even opened outside its frame.
                "Content-Security-Policy": (
                    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
                ),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )
