"""`clickproof schedule` and `clickproof hold`: export schedules and legal holds on a running server."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from clickproof.cli.export_command import TOKEN_OPTION, URL_OPTION, ApiClient

schedule_app = typer.Typer(help="Exports that run themselves on a cron schedule.", no_args_is_help=True)
hold_app = typer.Typer(help="Legal holds: keep export files past their retention.", no_args_is_help=True)

SCHEDULES = "/v1.1/extract/schedules"
HOLDS = "/v1.1/extract/holds"
SITE_OPTION = typer.Option("--site-id", help="Site (default: the token's).")
DEFAULT_URL = "http://127.0.0.1:8000"


def _line(schedule: dict[str, Any]) -> str:
    state = "active" if schedule["active"] else "paused"
    window = schedule["window"]["kind"] + (
        f"({schedule['window']['days']})" if "days" in schedule["window"] else ""
    )
    return (
        f"{schedule['id']}  {state:6}  {schedule['cron']!r} {schedule['timezone']}  {window}  "
        f"next {schedule['next_fire_time'] or '-'}  {schedule['name']}"
    )


@schedule_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="What the schedule is for.")],
    cron: Annotated[str, typer.Option(help='Five cron fields, e.g. "0 6 * * 1" (Mondays 06:00).')],
    timezone: Annotated[str, typer.Option(help="IANA timezone of the cron, e.g. Europe/Berlin.")] = "UTC",
    window: Annotated[
        str, typer.Option(help="previous_day, previous_week, previous_month or last_n_days.")
    ] = "previous_day",
    days: Annotated[int | None, typer.Option(help="Days, for --window last_n_days.")] = None,
    request: Annotated[
        str, typer.Option(help="EvidenceExportRequest template as JSON, without start/end dates.")
    ] = "{}",
    s3_prefix: Annotated[str | None, typer.Option(help="Delivery: S3 key prefix.")] = None,
    webhook_endpoint_id: Annotated[str | None, typer.Option(help="Delivery: webhook endpoint id.")] = None,
    paused: Annotated[bool, typer.Option(help="Create it paused.")] = False,
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Create a schedule; prints it, its id first."""
    try:
        template = json.loads(request)
    except ValueError as exc:
        raise typer.BadParameter(f"--request is not JSON: {exc}") from None
    body: dict[str, Any] = {
        "name": name,
        "cron": cron,
        "timezone": timezone,
        "window": {"kind": window} if days is None else {"kind": window, "days": days},
        "request": template,
        "active": not paused,
    }
    if s3_prefix is not None or webhook_endpoint_id is not None:
        body["delivery"] = {"s3_prefix": s3_prefix, "webhook_endpoint_id": webhook_endpoint_id}
    typer.echo(_line(ApiClient(url, token, site_id).call("POST", SCHEDULES, body)))


@schedule_app.command("list")
def list_schedules(
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """One line per schedule: id, state, cron and timezone, window, next slot, name."""
    client = ApiClient(url, token, site_id)
    page = 1
    while True:
        found = client.call("GET", f"{SCHEDULES}?page={page}&per_page=100")
        for schedule in found["data"]:
            typer.echo(_line(schedule))
        if not found["has_more"]:
            return
        page += 1


def _set_active(schedule_id: str, active: bool, site_id: int | None, url: str, token: str) -> None:
    client = ApiClient(url, token, site_id)
    typer.echo(_line(client.call("PATCH", f"{SCHEDULES}/{schedule_id}", {"active": active})))


@schedule_app.command("pause")
def pause(
    schedule_id: Annotated[str, typer.Argument(help="Schedule id.")],
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Stop firing until resumed."""
    _set_active(schedule_id, False, site_id, url, token)


@schedule_app.command("resume")
def resume(
    schedule_id: Annotated[str, typer.Argument(help="Schedule id.")],
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Fire again from the next slot after now (slots passed while paused do not fire)."""
    _set_active(schedule_id, True, site_id, url, token)


@schedule_app.command("delete")
def delete(
    schedule_id: Annotated[str, typer.Argument(help="Schedule id.")],
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Delete a schedule; the jobs it created stay."""
    ApiClient(url, token, site_id).call("DELETE", f"{SCHEDULES}/{schedule_id}")
    typer.echo(f"{schedule_id} deleted")


def _hold_line(hold: dict[str, Any]) -> str:
    target = f"job {hold['job_id']}" if hold["job_id"] else "whole site"
    released = (
        f"released by {hold['released_by']} at {hold['released_time']}" if hold["released_time"] else "ACTIVE"
    )
    return (
        f"{hold['id']}  {target}  placed by {hold['created_by']} at {hold['created_time']}  "
        f"{released}  {hold['reason']}"
    )


@hold_app.command("place")
def place(
    reason: Annotated[str, typer.Option(help="The matter or request the hold is for.")],
    job: Annotated[str | None, typer.Option(help="Export job id; omitted: the whole site.")] = None,
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Place a legal hold (recorded with the token's user and the time)."""
    body: dict[str, Any] = {"reason": reason, "job_id": job}
    typer.echo(_hold_line(ApiClient(url, token, site_id).call("POST", HOLDS, body)))


@hold_app.command("release")
def release(
    hold_id: Annotated[str, typer.Argument(help="Hold id.")],
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Release a hold (recorded); retention applies again to what it covered."""
    typer.echo(_hold_line(ApiClient(url, token, site_id).call("POST", f"{HOLDS}/{hold_id}/release")))


@hold_app.command("list")
def list_holds(
    site_id: Annotated[int | None, SITE_OPTION] = None,
    url: Annotated[str, URL_OPTION] = DEFAULT_URL,
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Every hold of the site, released ones too, newest first."""
    client = ApiClient(url, token, site_id)
    page = 1
    while True:
        found = client.call("GET", f"{HOLDS}?page={page}&per_page=100")
        for hold in found["data"]:
            typer.echo(_hold_line(hold))
        if not found["has_more"]:
            return
        page += 1
