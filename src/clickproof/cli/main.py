"""The `clickproof` command: serve, worker, demo, migrate, account, site, token, export, import, …"""

from __future__ import annotations

import logging
import os
from typing import Annotated

import typer

from clickproof.cli.export_command import export_app
from clickproof.cli.ingest_commands import erase_signer_command, import_command, verify_chain_command
from clickproof.cli.key_commands import keys_app
from clickproof.cli.schedule_commands import hold_app, schedule_app
from clickproof.cli.site_commands import site_app
from clickproof.cli.tenancy_commands import account_app, site_create, token_app
from clickproof.cli.user_commands import user_app
from clickproof.cli.verify_command import verify
from clickproof.cli.verify_pdf_command import verify_pdf_command
from clickproof.cli.verify_proof_command import verify_proof_command
from clickproof.config import load_settings

app = typer.Typer(
    help="clickproof: clickwrap evidence: recording and exports.", no_args_is_help=True, add_completion=False
)
app.add_typer(token_app, name="token")
app.add_typer(account_app, name="account")
app.add_typer(export_app, name="export")
app.add_typer(site_app, name="site")
app.add_typer(keys_app, name="keys")
app.add_typer(schedule_app, name="schedule")
app.add_typer(hold_app, name="hold")
app.add_typer(user_app, name="user")
site_app.command("create")(site_create)
app.command()(verify)


@app.callback()
def _private_files() -> None:
    """Every file a clickproof process or its children create (database, exports, parts, keys)
    is readable by its user only: personal data and signing keys live there."""
    os.umask(0o077)


app.command("import")(import_command)
app.command("verify-chain")(verify_chain_command)
app.command("verify-proof")(verify_proof_command)
app.command("verify-pdf")(verify_pdf_command)
app.command("erase-signer")(erase_signer_command)


def _logging() -> None:
    from clickproof.log_format import configure_logging

    configure_logging(load_settings().log_format)


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
    from clickproof.process_heap import freeze_startup_objects

    _logging()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = load_settings().model_copy(update=overrides)
    system = build_system(settings)
    application = create_app(system)
    frozen = freeze_startup_objects()
    logging.getLogger("clickproof.api").info("serve.startup_objects_frozen count=%d", frozen)
    try:
        uvicorn.run(
            application,
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=uvicorn_log_config(json_lines=settings.log_format == "json"),
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
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this process's Prometheus metrics on CLICKPROOF_HOST at this port."),
    ] = None,
) -> None:
    """Run export workers (and a sweeper) that take jobs from the broker (CLICKPROOF_BROKER_URL).

    SIGTERM or SIGINT stop it gracefully: running exports hand their jobs back for another worker.
    """
    import signal
    import threading

    from clickproof.bootstrap import build_system
    from clickproof.process_heap import freeze_startup_objects

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
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=settings.host)
    freeze_startup_objects()
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
    from clickproof.cli.user_commands import generated_password as demo_password
    from clickproof.domain.console_roles import Role
    from clickproof.services.demo_data import DEMO_USER, seed_demo

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
        password = demo_password()
        system.console.create_user(
            account_id=result.account_id,
            email=DEMO_USER,
            name="Demo admin",
            password=password,
            roles={result.site_id: Role.ADMIN},
        )
        typer.echo(f"console: {settings.effective_public_url}/console/  sign in as {DEMO_USER} / {password}")
        typer.echo(result.token)
    finally:
        system.close()
