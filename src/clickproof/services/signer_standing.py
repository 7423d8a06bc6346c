"""A signer at a glance: for each contract of the site, whether the signer accepted its newest
published version, which version they did accept, when and from where.

"Accepted the newest version" is the Activity API's `/latest` answer (services/ingest.py): the
signer's most recent `agreed` activity of the contract is of its newest published version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from clickproof.services.catalog import CatalogService
from clickproof.store.activities import ActivityStore
from clickproof.store.console_reads import ConsoleReads, VersionAcceptance
from clickproof.store.tables import contracts
from clickproof.store.tenants import Site

MAX_CONTRACTS = 200


@dataclass(frozen=True)
class ContractStanding:
    contract: Any  # the contract row
    newest_published: Any | None  # the version row
    current: VersionAcceptance | None  # the version of the signer's most recent acceptance
    accepted: list[VersionAcceptance]  # every version the signer accepted, newest acceptance first

    @property
    def accepted_newest(self) -> bool:
        return (
            self.newest_published is not None
            and self.current is not None
            and self.current.version_id == self.newest_published.id
        )


def place_of(activity: Any) -> str:
    """Where an acceptance came from, as recorded: the address and the page."""
    data = activity.connection_data or {}
    parts = [str(data[k]) for k in ("remote_address", "page_url") if data.get(k)]
    return " · ".join(parts)


class SignerStanding:
    def __init__(self, catalog: CatalogService, activities: ActivityStore, reads: ConsoleReads) -> None:
        self.catalog = catalog
        self.activities = activities
        self.reads = reads

    def of(self, site: Site, signer_id: str) -> list[ContractStanding]:
        """The signer's standing on every contract of the site (contracts accepted first)."""
        rows, _total = self.catalog.store.page(contracts, site.id, offset=0, limit=MAX_CONTRACTS)
        newest = self.catalog.latest_versions(site, [int(r.id) for r in rows])
        current = self.activities.accepted_versions(site.id, signer_id, None)
        acceptances = self.reads.signer_acceptances(site.id, signer_id)
        standings = []
        for contract in rows:
            mine = [a for a in acceptances if a.contract_id == contract.id]
            published_id = newest[int(contract.id)][1]
            now_accepted = current.get(int(contract.id))
            standings.append(
                ContractStanding(
                    contract=contract,
                    newest_published=self.catalog.version(site, published_id) if published_id else None,
                    current=next((a for a in mine if now_accepted and a.version_id == now_accepted[0]), None),
                    accepted=mine,
                )
            )
        standings.sort(key=lambda s: (not s.accepted, int(s.contract.id)))
        return standings
