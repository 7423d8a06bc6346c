"""`clickproof site origins`: which web pages may call a site's Activity API (CORS);
`clickproof site retention`: how long a site's export files are kept. (`site create` is in
cli/tenancy_commands.py.)"""

from __future__ import annotations

from typing import Annotated

import typer

from clickproof.config import load_settings
from clickproof.domain.origins import parse_origin

site_app = typer.Typer(help="Sites: create them, set their settings.", no_args_is_help=True)


@site_app.command("origins")
def origins_command(
    site_id: Annotated[int, typer.Argument(help="Site id.")],
    allow: Annotated[
        list[str] | None, typer.Option(help="An origin (https://shop.example) that may call; repeat.")
    ] = None,
    any_origin: Annotated[
        bool, typer.Option("--any", help="Let pages of any origin call (the default).")
    ] = False,
) -> None:
    """Set the origins whose pages may call the site's /send, /load, /latest and /retrieve."""
    from clickproof.bootstrap import build_system

    if bool(allow) == any_origin:
        raise typer.BadParameter("give either --allow ORIGIN (repeatable) or --any")
    try:
        origins = None if any_origin else tuple(parse_origin(o) for o in allow or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    system = build_system(load_settings())
    try:
        if system.tenants.site(site_id) is None:
            typer.echo(f"no site {site_id}", err=True)
            raise typer.Exit(1)
        system.tenants.set_allowed_origins(site_id, origins)
        typer.echo(f"site {site_id}: " + ("any origin" if origins is None else ", ".join(origins)))
    finally:
        system.close()


@site_app.command("retention")
def retention_command(
    site_id: Annotated[int, typer.Argument(help="Site id.")],
    days: Annotated[int, typer.Option(help="Days a successful export's files are kept (default 30).")],
) -> None:
    """Set the site's retention period; a legal hold (`clickproof hold place`) keeps files longer."""
    from clickproof.bootstrap import build_system
    from clickproof.errors import ValidationError
    from clickproof.services.retention import check_retention_days

    try:
        check_retention_days(days)
    except ValidationError as exc:
        raise typer.BadParameter(exc.message) from None
    system = build_system(load_settings())
    try:
        if system.tenants.site(site_id) is None:
            typer.echo(f"no site {site_id}", err=True)
            raise typer.Exit(1)
        system.tenants.set_retention_days(site_id, days)
        typer.echo(f"site {site_id}: export files kept {days} days")
    finally:
        system.close()
