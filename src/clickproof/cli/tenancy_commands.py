"""`clickproof account create`, `clickproof site create`, `clickproof token create|revoke`:
tenants and their tokens, from the operator's shell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from clickproof.config import load_settings
from clickproof.errors import ClickproofError

account_app = typer.Typer(help="Accounts (tenants).", no_args_is_help=True)
token_app = typer.Typer(help="Issue and revoke API tokens.", no_args_is_help=True)

T = TypeVar("T")


def _checked(make: Callable[[], T]) -> T:
    """The value, or the input's problem as a usage error naming the option."""
    try:
        return make()
    except ClickproofError as exc:
        raise typer.BadParameter(
            exc.message, param_hint=f"--{(exc.field or 'value').replace('_', '-')}"
        ) from None


@account_app.command("create")
def account_create(name: Annotated[str, typer.Argument(help="The account's name.")]) -> None:
    """Create an account; prints its id."""
    from clickproof.bootstrap import build_system
    from clickproof.domain.admin_request import parse_account

    account_name = _checked(lambda: parse_account({"name": name}))
    system = build_system(load_settings())
    try:
        row = system.tenancy.create_account(account_name)
        typer.echo(f"account_id={row.id}")
    finally:
        system.close()


def site_create(
    account: Annotated[int, typer.Option(help="The account the site belongs to.")],
    name: Annotated[str, typer.Option(help="The site's name.")],
    max_export_days: Annotated[int, typer.Option(help="Longest window one export may cover.")] = 365,
    allow: Annotated[
        list[str] | None,
        typer.Option(help="An origin (https://shop.example) whose pages may call; repeat. Default: any."),
    ] = None,
) -> None:
    """Create a site; prints its id and its public access id (the `sid` of its web pages)."""
    from clickproof.bootstrap import build_system
    from clickproof.domain.admin_request import parse_site

    data = _checked(
        lambda: parse_site(
            {"account": account, "name": name, "max_export_days": max_export_days, "allowed_origins": allow}
        )
    )
    system = build_system(load_settings())
    try:
        site = _service_call(lambda: system.tenancy.create_site(data))
        typer.echo(f"site_id={site.id} access_id={site.access_id}")
    finally:
        system.close()


@token_app.command("create")
def token_create(
    account: Annotated[int, typer.Option(help="Account id.")],
    site: Annotated[list[int], typer.Option(help="Allowed site id; the first is the default. Repeat.")],
    email: Annotated[str, typer.Option(help="User the token acts as (created if new).")],
    permission: Annotated[
        list[str] | None, typer.Option(help="Permission; repeat. Default: every permission but admin.")
    ] = None,
    label: Annotated[str, typer.Option(help="A note to recognize the token by.")] = "",
    expires: Annotated[
        str | None,
        typer.Option(
            help="When the token stops working: 90d, 12h, 30m, 2w or an ISO 8601 time. Default: never."
        ),
    ] = None,
) -> None:
    """Issue a token; it is printed once and stored only as a hash."""
    from clickproof.bootstrap import build_system
    from clickproof.domain.admin_request import parse_token
    from clickproof.domain.timestamps import utc_now
    from clickproof.services.tokens import KNOWN_PERMISSIONS

    body: dict[str, object] = {"account": account, "sites": site, "email": email, "label": label or None}
    if permission:
        body["permissions"] = permission
    if expires is not None:
        body["expires"] = expires
    data = _checked(lambda: parse_token(body, KNOWN_PERMISSIONS, utc_now()))
    system = build_system(load_settings())
    try:
        issued = _service_call(lambda: system.tenancy.create_token(data))
        typer.echo(issued.token)
    finally:
        system.close()


@token_app.command("revoke")
def token_revoke(token: Annotated[str, typer.Argument(help="The token, or its public id.")]) -> None:
    """Revoke a token: every request and download link made with it stops working."""
    from clickproof.bootstrap import build_system
    from clickproof.domain.timestamps import utc_now

    public_id = token.split("_")[1] if token.startswith("cp_") else token
    system = build_system(load_settings())
    try:
        if not system.tenants.revoke_token(public_id, utc_now()):
            typer.echo("no active token with that id", err=True)
            raise typer.Exit(1)
        typer.echo(f"token {public_id} revoked")
    finally:
        system.close()


def _service_call(call: Callable[[], T]) -> T:
    """The service's answer, or its refusal (an unknown account, a foreign site) on stderr, exit 1."""
    try:
        return call()
    except ClickproofError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
