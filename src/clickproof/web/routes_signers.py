"""Signers: find one by signer id or e-mail address, and a signer's page: per contract, whether
they accepted the newest published version (which version, when, from where), their full history
in order, and their evidence PDF."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clickproof.bootstrap import System
from clickproof.errors import NotFoundError, ValidationError
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.query.sql import STANDARD_COLUMNS, compile_filter
from clickproof.services.history_records import MAX_RECORD_EVENTS, HistoryRecords
from clickproof.services.signer_standing import SignerStanding, place_of
from clickproof.services.tokens import Permission
from clickproof.store.console_reads import ConsoleReads
from clickproof.store.tables import signers
from clickproof.store.tenants import Site
from clickproof.web.activity_search import readable_text
from clickproof.web.console_route import site_access
from clickproof.web.evidence_download import pdf_answer
from clickproof.web.paging import PER_PAGE, Pager, base_of, page_number
from clickproof.web.templating import render

MAX_SIGNER_ID = 1024
MAX_MATCHES = 50


def signer_url(site_id: int, signer_id: str) -> str:
    return f"/console/sites/{site_id}/signers/show?id={quote(signer_id, safe='')}"


def signer_param(request: Request) -> str:
    """The `id` query parameter: a signer id (1 to 1024 characters)."""
    value = request.query_params.get("id", "")
    if not value:
        raise ValidationError(
            f"id: give the signer id (1 to {MAX_SIGNER_ID} characters)", field="id", code="invalid_parameter"
        )
    return readable_text(value, "id", "id", MAX_SIGNER_ID)


def add_signers_routes(router: APIRouter, system: System) -> None:
    reads = ConsoleReads(system.engine)
    standing = SignerStanding(system.catalog, system.activities, reads)
    histories = HistoryRecords(system.evidence, system.runner)
    dialect = system.engine.dialect.name

    def reading(request: Request, permission: Permission = Permission.CATALOG_READ) -> Site:
        access = site_access(request)
        return system.auth.site_for(access.principal, access.site.id, permission)

    @router.get("/sites/{site_id}/signers")
    def find_signers(request: Request) -> Response:
        site = reading(request)
        query = readable_text(
            request.query_params.get("q", "").strip(), "q", "q: a signer id or e-mail address", MAX_SIGNER_ID
        )
        page = page_number(request)
        if query:
            exact = system.catalog.store.signer(site.id, query)
            matches = [exact] if exact is not None else reads.signers_by_email(site.id, query, MAX_MATCHES)
            if len(matches) == 1:
                return RedirectResponse(signer_url(site.id, str(matches[0].signer_id)), status_code=303)
            return render(request, "signers/list.html", query=query, rows=matches, pager=None)
        rows, total = system.catalog.store.page(
            signers, site.id, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        pager = Pager(page, PER_PAGE, total, len(rows), base_of(request, {}))
        return render(request, "signers/list.html", query="", rows=rows, pager=pager)

    @router.get("/sites/{site_id}/signers/show")
    def signer_page(request: Request) -> Response:
        site = reading(request)
        signer_id = signer_param(request)
        signer = system.catalog.signer(site, signer_id)
        history_site = reading(request, Permission.ACTIVITY_READ)
        page = page_number(request)
        where = compile_filter(parse_filter({"signer_id": signer_id}), dialect)
        order = [
            STANDARD_COLUMNS[k.field].desc() if k.descending else STANDARD_COLUMNS[k.field].asc()
            for k in parse_sort("created_time")
        ]
        rows, total = system.activities.page(
            history_site.id, where, order, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
        )
        pager = Pager(page, PER_PAGE, total, len(rows), base_of(request, {"id": signer_id}))
        standings = standing.of(site, signer_id)
        return render(
            request,
            "signers/signer.html",
            signer=signer,
            standings=standings,
            titles={int(s.contract.id): str(s.contract.title) for s in standings},
            place_of=place_of,
            history=rows,
            pager=pager,
            record_url=f"/console/sites/{site.id}/signers/record.pdf?id={quote(signer_id, safe='')}",
            max_record=MAX_RECORD_EVENTS,
        )

    @router.get("/sites/{site_id}/signers/record.pdf")
    def signer_record(request: Request) -> Response:
        site = reading(request, Permission.EXPORTS_READ)
        signer_id = signer_param(request)
        if system.catalog.store.signer(site.id, signer_id) is None:
            raise NotFoundError("no such signer on this site", field="id")
        name, pdf = histories.signer(site, signer_id)
        return pdf_answer(request, name, pdf)
