"""`clickproof keys`: a site's manifest-signing keys: list them, rotate to a new one."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from clickproof.config import load_settings
from clickproof.evidence.signing import fingerprint_of

keys_app = typer.Typer(help="A site's manifest-signing keys.", no_args_is_help=True)

SiteOption = Annotated[int, typer.Option("--site", help="Site id.")]


@keys_app.command("list")
def list_command(site_id: SiteOption) -> None:
    """Print the site's published keys document (current and retired keys, JSON)."""
    from clickproof.bootstrap import build_system

    system = build_system(load_settings())
    try:
        site = system.tenants.site(site_id)
        if site is None:
            typer.echo(f"no site {site_id}", err=True)
            raise typer.Exit(1)
        document = system.keys.published_document(site)
        typer.echo(json.dumps(document, indent=2, ensure_ascii=False))
    finally:
        system.close()


@keys_app.command("rotate")
def rotate_command(site_id: SiteOption) -> None:
    """Make a new current key. The old key is retired, not deleted: exports it signed still verify."""
    from clickproof.bootstrap import build_system

    system = build_system(load_settings())
    try:
        if system.tenants.site(site_id) is None:
            typer.echo(f"no site {site_id}", err=True)
            raise typer.Exit(1)
        key = system.keys.rotate(site_id)
        typer.echo(f"site {site_id}: new key {key.key_id}")
        typer.echo(f"fingerprint {fingerprint_of(key.public_key)}")
    finally:
        system.close()
