"""The `clickproof` command: serve, demo, token, export, migrate."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from clickproof.cli.export_command import export_app
from clickproof.cli.ingest_commands import erase_signer_command, import_command, verify_chain_command
from clickproof.cli.site_commands import site_app
from clickproof.cli.verify_command import verify
from clickproof.config import load_settings

app = typer.Typer(
    help="clickproof: clickwrap evidence: recording and exports.", no_args_is_help=True, add_completion=False
)
token_app = typer.Typer(help="Issue and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(export_app, name="export")
app.add_typer(site_app, name="site")
app.command()(verify)


@app.callback()
def _private_files() -> None:
    """Every file a clickproof process or its children create (database, exports, parts, keys)
    is readable by its user only: personal data and signing keys live there."""
    os.umask(0o077)


app.command("import")(import_command)
app.command("verify-chain")(verify_chain_command)
app.command("erase-signer")(erase_signer_command)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from clickproof.store.database import create_db_engine
    from clickproof.store.database import migrate as run_migrations

    settings = load_settings()
    engine = create_db_engine(settings.effective_database_url)
    run_migrations(engine)
    typer.echo("database is at the newest schema")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind (default 8000).")] = None,
) -> None:
    """Run the API with its export workers and sweeper in this process."""
    import uvicorn

    from clickproof.api.access_log import uvicorn_log_config
    from clickproof.api.app import create_app
    from clickproof.api.bounded_protocol import bounded_protocol
    from clickproof.bootstrap import build_system

    _logging()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = load_settings().model_copy(update=overrides)
    system = build_system(settings)
    application = create_app(system)
    try:
        uvicorn.run(
            application,
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=uvicorn_log_config(),
            timeout_graceful_shutdown=10,
            http=bounded_protocol(
                header_timeout=settings.header_timeout_seconds, body_timeout=settings.body_timeout_seconds
            ),
        )
    finally:
        system.close()


@app.command()
def worker(
    workers: Annotated[int | None, typer.Option(help="Worker threads (default CLICKPROOF_WORKERS).")] = None,
) -> None:
    """Run export workers (and a sweeper) that take jobs from the broker (CLICKPROOF_BROKER_URL).

    SIGTERM or SIGINT stop it gracefully: running exports hand their jobs back for another worker.
    """
    import signal
    import threading

    from clickproof.bootstrap import build_system

    _logging()
    settings = load_settings()
    if workers is not None:
        settings = settings.model_copy(update={"workers": workers})
    if not settings.broker_url:
        typer.echo(
            "clickproof worker needs CLICKPROOF_BROKER_URL (redis://…); "
            "without a broker, `clickproof serve` runs the workers itself",
            err=True,
        )
        raise typer.Exit(2)
    system = build_system(settings)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    system.start_background(workers=True)
    logging.getLogger("clickproof.jobs").info("worker.started threads=%d", settings.workers)
    try:
        stop.wait()
    finally:
        system.close()
        logging.getLogger("clickproof.jobs").info("worker.stopped")


@app.command()
def demo(
    activities: Annotated[
        int, typer.Option(min=0, help="Activities to create (when the site has none).")
    ] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 1,
    if_empty: Annotated[bool, typer.Option(help="Only seed when the database holds no activity.")] = False,
) -> None:
    """Create the demo account, site, contracts and activities; print a working API token last."""
    from clickproof.bootstrap import build_system
    from clickproof.services.demo_data import seed_demo

    settings = load_settings()
    system = build_system(settings)
    try:
        count = activities
        if if_empty and system.activities.count() > 0:
            count = 0
        result = seed_demo(system.engine, system.tenants, system.activities, activities=count, seed=seed)
        typer.echo(
            f"demo account {result.account_id}, site {result.site_id}: "
            f"{result.activities_created} activities created "
            f"({system.activities.count(result.site_id)} in all)"
        )
        typer.echo(result.token)
    finally:
        system.close()


@token_app.command("create")
def token_create(
    account: Annotated[int, typer.Option(help="Account id.")],
    site: Annotated[list[int], typer.Option(help="Allowed site id; the first is the default. Repeat.")],
    email: Annotated[str, typer.Option(help="User the token acts as (created if new).")],
    permission: Annotated[list[str] | None, typer.Option(help="Permission; repeat. Default: all.")] = None,
    label: Annotated[str, typer.Option(help="A note to recognize the token by.")] = "",
) -> None:
    """Issue a token; it is printed once and stored only as a hash."""
    from clickproof.bootstrap import build_system
    from clickproof.domain.timestamps import utc_now
    from clickproof.services.tokens import ALL_PERMISSIONS, issue_token

    permissions = permission or list(ALL_PERMISSIONS)
    unknown = [p for p in permissions if p not in ALL_PERMISSIONS]
    if unknown:
        raise typer.BadParameter(f"unknown permission(s) {unknown}; known: {list(ALL_PERMISSIONS)}")
    system = build_system(load_settings())
    try:
        allowed = {s.id for s in system.tenants.account_sites(account)}
        if not site or any(s not in allowed for s in site):
            raise typer.BadParameter(f"sites must belong to account {account}: {sorted(allowed)}")
        with system.engine.begin() as conn:
            user_id = system.tenants.find_user(conn, account, email)
            if user_id is None:
                user_id = system.tenants.create_user(
                    conn, account_id=account, email=email, name=email, now=utc_now()
                )
            token = issue_token(
                system.tenants,
                conn,
                user_id=user_id,
                account_id=account,
                default_site_id=site[0],
                site_ids=site,
                permissions=permissions,
                label=label,
            )
        typer.echo(token)
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
