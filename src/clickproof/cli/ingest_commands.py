"""`clickproof import`, `clickproof verify-chain` (the database's chains, or one chain proof) and
`clickproof erase-signer`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from clickproof.cli.verify_proof_command import (
    PROOF_HELP,
    ChainHeadOption,
    KeyFingerprintOption,
    PublicKeyOption,
    TsaCertificateOption,
    verify_proof_command,
)
from clickproof.config import load_settings


def _site(system: object, site_id: int | None, access_id: str | None) -> object:
    from clickproof.bootstrap import System

    assert isinstance(system, System)
    if (site_id is None) == (access_id is None):
        raise typer.BadParameter("give exactly one of --site-id and --access-id")
    if site_id is not None:
        site = system.tenants.site(site_id)
    else:
        with system.engine.connect() as conn:
            site = system.tenants.site_by_access_id(conn, access_id or "")
    if site is None:
        raise typer.BadParameter("no such site")
    return site


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl/.ndjson or .csv file.")],
    site_id: Annotated[int | None, typer.Option(help="Site to import into.")] = None,
    access_id: Annotated[
        str | None, typer.Option(help="Site to import into, by its public access id.")
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv (default: from the file name).")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 10_000,
) -> None:
    """Import activities: every row is checked first; nothing is written if one is invalid."""
    from clickproof.bootstrap import build_system
    from clickproof.errors import ClickproofError
    from clickproof.services.imports import ImportFormat
    from clickproof.store.tenants import Site

    name = (file_format or file.suffix.lstrip(".")).lower()
    fmt = {"jsonl": ImportFormat.JSONL, "ndjson": ImportFormat.JSONL, "csv": ImportFormat.CSV}.get(name)
    if fmt is None:
        raise typer.BadParameter("--format must be jsonl or csv", param_hint="--format")
    system = build_system(load_settings())
    try:
        site = _site(system, site_id, access_id)
        assert isinstance(site, Site)
        started = time.monotonic()
        try:
            report = system.imports.run(
                site, lambda: file.open(encoding="utf-8-sig", newline=""), fmt, batch_size=batch_size
            )
        except ClickproofError as exc:
            for problem in exc.problems:
                typer.echo(f"{file}:{problem.line or 0}: {problem.field or '-'}: {problem.message}", err=True)
            typer.echo(exc.message, err=True)
            raise typer.Exit(1) from None
        elapsed = time.monotonic() - started
        typer.echo(
            f"{report.rows} rows: {report.imported} imported, {report.skipped} already present "
            f"({elapsed:.1f} s)"
        )
    finally:
        system.close()


def verify_chain_command(
    proof: Annotated[
        Path | None,
        typer.Argument(
            help=f"{PROOF_HELP} Checked as `clickproof verify-proof` does.", exists=True, dir_okay=False
        ),
    ] = None,
    site_id: Annotated[int | None, typer.Option(help="Check one site (default: every site).")] = None,
    chain_head: ChainHeadOption = None,
    public_key: PublicKeyOption = None,
    key_fingerprint: KeyFingerprintOption = None,
    tsa_certificate: TsaCertificateOption = None,
) -> None:
    """Check the hash chains of the database; name the first broken link and exit 1 if one is
    broken. Given a chain proof, check that one activity's link against a chain head instead,
    offline (exit codes of `clickproof verify-proof`)."""
    if proof is not None:
        if site_id is not None:
            raise typer.BadParameter("a chain proof names its site; --site-id is for the database's chains")
        verify_proof_command(proof, chain_head, public_key, key_fingerprint, tsa_certificate)
        return
    if any(v is not None for v in (chain_head, public_key, key_fingerprint, tsa_certificate)):
        raise typer.BadParameter(
            "--chain-head, --public-key, --key-fingerprint and --tsa-certificate need a chain proof"
        )
    from clickproof.bootstrap import build_system
    from clickproof.store.chain_verify import chained_sites, verify_site

    system = build_system(load_settings())
    try:
        sites = [site_id] if site_id is not None else chained_sites(system.engine)
        broken = 0
        for site in sites:
            report = verify_site(system.engine, site)
            if report.ok:
                typer.echo(f"site {site}: ok, {report.links} links, head {report.head_hash}")
            else:
                broken += 1
                typer.echo(
                    f"site {site}: BROKEN at link {report.broken_seq} (activity {report.broken_id}): "
                    f"{report.problem}; {report.links} links verify before it",
                    err=True,
                )
        if broken:
            raise typer.Exit(1)
    finally:
        system.close()


def erase_signer_command(
    signer_id: Annotated[str, typer.Option(help="The signer whose personal data is erased.")],
    reason: Annotated[str, typer.Option(help="Why (e.g. the privacy request's reference).")],
    requested_by: Annotated[str, typer.Option("--by", help="Who asked or approved it.")],
    site_id: Annotated[int | None, typer.Option(help="Site of the signer.")] = None,
    access_id: Annotated[str | None, typer.Option(help="Site of the signer, by access id.")] = None,
) -> None:
    """Erase a signer's personal data from their activities; the erasure is logged, chains still verify."""
    from clickproof.bootstrap import build_system
    from clickproof.store.tenants import Site

    system = build_system(load_settings())
    try:
        site = _site(system, site_id, access_id)
        assert isinstance(site, Site)
        result = system.catalog.erase(
            site, {"signer_id": signer_id, "reason": reason}, requested_by=requested_by
        )
        typer.echo(f"erasure {result['erasure'].id}: {result['activities']} activities erased")
    finally:
        system.close()
