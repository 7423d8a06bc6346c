"""`clickproof user create|role|password|list`: people who sign in to the console."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from clickproof.cli.tenancy_commands import _checked
from clickproof.config import load_settings

user_app = typer.Typer(help="Console users: sign-in and a role per site.", no_args_is_help=True)


def generated_password() -> str:
    return secrets.token_urlsafe(12)


def _password(password_stdin: bool, generate: bool) -> tuple[str, bool]:
    """(the password, whether it was generated and must be printed)"""
    if generate:
        return generated_password(), True
    if password_stdin:
        return typer.get_text_stream("stdin").readline().rstrip("\n"), False
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value, False


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="The person's e-mail address: their sign-in name.")],
    site: Annotated[list[int], typer.Option(help="A site the role applies to; repeat for several.")],
    role: Annotated[str, typer.Option(help="viewer, exporter or admin.")] = "viewer",
    name: Annotated[str, typer.Option(help="The person's name, shown in the console.")] = "",
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
    generate_password: Annotated[
        bool, typer.Option(help="Make a random password and print it once.")
    ] = False,
) -> None:
    """Create a console user (or give an existing user of the account a password and roles)."""
    from clickproof.bootstrap import build_system
    from clickproof.domain.console_roles import parse_role

    parsed_role = _checked(lambda: parse_role(role))
    password, show = _password(password_stdin, generate_password)
    system = build_system(load_settings())
    try:
        first = system.tenants.site(site[0])
        if first is None:
            raise typer.BadParameter(f"no site {site[0]}", param_hint="--site")
        user = _checked(
            lambda: system.console.create_user(
                account_id=first.account_id,
                email=email,
                name=name,
                password=password,
                roles={s: parsed_role for s in site},
            )
        )
        typer.echo(
            f"user_id={user.id} email={user.email} role={parsed_role.value} sites={','.join(map(str, site))}"
        )
        if show:
            typer.echo(f"password={password}")
    finally:
        system.close()


@user_app.command("role")
def user_role(
    user: Annotated[int, typer.Option(help="The user's id.")],
    site: Annotated[int, typer.Option(help="The site.")],
    role: Annotated[str, typer.Option(help="viewer, exporter, admin, or none to take the role away.")],
) -> None:
    """Set or take away a user's role on one site of their account."""
    from clickproof.bootstrap import build_system

    system = build_system(load_settings())
    try:
        row = system.console.store.user(user)
        if row is None:
            raise typer.BadParameter(f"no user {user}", param_hint="--user")
        _checked(
            lambda: system.console.set_role(row.account_id, user, site, None if role == "none" else role)
        )
        typer.echo(f"user_id={user} site={site} role={role}")
    finally:
        system.close()


@user_app.command("password")
def user_password(
    user: Annotated[int, typer.Option(help="The user's id.")],
    password_stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
    generate_password: Annotated[
        bool, typer.Option(help="Make a random password and print it once.")
    ] = False,
) -> None:
    """Set a user's password; every session of the user ends."""
    from clickproof.bootstrap import build_system

    password, show = _password(password_stdin, generate_password)
    system = build_system(load_settings())
    try:
        _checked(lambda: system.console.set_password(user, password))
        typer.echo(f"user_id={user}: password set, sessions ended")
        if show:
            typer.echo(f"password={password}")
    finally:
        system.close()
