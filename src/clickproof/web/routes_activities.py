"""Activities: a search (signer, contract, version, event type, dates) with paged results, and an
activity's page with every field, its place in the hash chain and its evidence PDF."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from clickproof.api.wire_ingest import activity_to_wire
from clickproof.bootstrap import System
from clickproof.domain.object_id import is_object_id
from clickproof.domain.send_request import EVENT_TYPES
from clickproof.errors import ActivityNotFoundError, InvalidFilterError, ValidationError
from clickproof.query.describe import describe_filter
from clickproof.query.parse import parse_filter
from clickproof.query.sort import parse_sort
from clickproof.query.sql import STANDARD_COLUMNS, compile_filter
from clickproof.services.evidence_records import EvidenceRecords
from clickproof.services.tokens import Permission
from clickproof.store.console_reads import ConsoleReads
from clickproof.store.tables import contracts
from clickproof.store.tenants import Site
from clickproof.web.activity_search import FIELDS, read_search
from clickproof.web.console_route import site_access
from clickproof.web.evidence_download import pdf_answer
from clickproof.web.paging import PER_PAGE, Pager, base_of, page_number
from clickproof.web.templating import render

MAX_CONTRACT_CHOICES = 200


def add_activities_routes(router: APIRouter, system: System) -> None:
    reads = ConsoleReads(system.engine)
    records = EvidenceRecords(system.evidence, system.runner)
    dialect = system.engine.dialect.name

    def reading(request: Request, permission: Permission = Permission.ACTIVITY_READ) -> Site:
        access = site_access(request)
        return system.auth.site_for(access.principal, access.site.id, permission)

    def contract_choices(site: Site) -> list[tuple[int, str]]:
        rows, _total = system.catalog.store.page(contracts, site.id, offset=0, limit=MAX_CONTRACT_CHOICES)
        return [(int(r.id), str(r.title)) for r in rows]

    def signer_ids_by_email(site: Site) -> Callable[[str], list[str]]:
        return lambda email: [str(r.signer_id) for r in reads.signers_by_email(site.id, email, 100)]

    @router.get("/sites/{site_id}/activities")
    def search_activities(request: Request) -> Response:
        site = reading(request)
        values = {name: request.query_params.get(name, "") for name in FIELDS}
        choices = contract_choices(site)

        def page_of(error: ValidationError | None, status: int = 200, **found: object) -> Response:
            return render(
                request,
                "activities/search.html",
                status_code=status,
                values=values,
                contracts=choices,
                event_types=EVENT_TYPES,
                error=error,
                **({"rows": [], "pager": None, "description": ""} | found),
            )

        try:
            page = page_number(request)
            search = read_search(request, signer_ids_by_email(site))
            node = parse_filter(search.filter)
            where = compile_filter(node, dialect)
        except (ValidationError, InvalidFilterError) as exc:
            return page_of(exc, status=400)
        values = search.values
        order = [
            STANDARD_COLUMNS[k.field].desc() if k.descending else STANDARD_COLUMNS[k.field].asc()
            for k in parse_sort("-created_time")
        ]
        offset = (page - 1) * PER_PAGE
        rows, total = system.activities.page(site.id, where, order, offset=offset, limit=PER_PAGE)
        pager = Pager(page, PER_PAGE, total, len(rows), base_of(request, values))
        titles = dict(choices)
        return page_of(
            None,
            rows=rows,
            pager=pager,
            titles=titles,
            description=describe_filter(node) if node is not None else "",
        )

    @router.get("/sites/{site_id}/activities/{activity_id}")
    def activity_page(request: Request) -> Response:
        site = reading(request)
        activity_id = str(request.path_params["activity_id"])
        row = system.activities.get(site.id, activity_id) if is_object_id(activity_id) else None
        if row is None:
            raise ActivityNotFoundError("no such activity on this site", field="id")
        before, after, head = reads.chain_neighbours(site.id, row.chain_seq)
        contract = None
        if row.contract_id is not None:
            contract = system.catalog.store.get(contracts, site.id, row.contract_id)
        return render(
            request,
            "activities/activity.html",
            activity=row,
            wire=activity_to_wire(row),
            contract=contract,
            before=before,
            after=after,
            head=head,
        )

    @router.get("/sites/{site_id}/activities/{activity_id}/record.pdf")
    def activity_record(request: Request) -> Response:
        site = reading(request, Permission.EXPORTS_READ)
        name, pdf = records.render(site, str(request.path_params["activity_id"]))
        return pdf_answer(request, name, pdf)
