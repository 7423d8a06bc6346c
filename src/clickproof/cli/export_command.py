"""`clickproof export`: create an export on a running server, follow it, download its files."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from clickproof.evidence.trust import trusted_key
from clickproof.evidence.verify import verify_export

export_app = typer.Typer(help="Create, follow and download evidence exports.", no_args_is_help=True)
err = Console(stderr=True)

URL_OPTION = typer.Option("--url", envvar="CLICKPROOF_URL", help="Server base URL.")
TOKEN_OPTION = typer.Option("--token", envvar="CLICKPROOF_TOKEN", help="API token (Bearer).")
FAMILY_PREFIXES = {"connection_data.": "connection", "custom_data.": "custom", "render_data.": "render"}


def select_from_names(names: list[str]) -> dict[str, list[str]]:
    """`uuid,connection_data.remote_address,custom_data.vip` → the request's select object."""
    select: dict[str, list[str]] = {}
    for item in names:
        for raw in (n.strip() for n in item.split(",")):
            if not raw:
                continue
            family, name = "standard", raw
            for prefix, candidate in FAMILY_PREFIXES.items():
                if raw.startswith(prefix):
                    family, name = candidate, raw.removeprefix(prefix)
                    break
            select.setdefault(family, []).append(name)
    return select


class ApiClient:
    def __init__(self, url: str, token: str, site_id: int | None) -> None:
        self.http = httpx.Client(
            base_url=url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(30.0),
        )
        self.params = {"site_id": site_id} if site_id is not None else {}

    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", response.text)
            except ValueError:
                detail = response.text
            err.print(f"[red]error {response.status_code}:[/red] {detail}")
            raise typer.Exit(2)
        return response.json()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Any route of the API; an error answer is printed and exits with 2."""
        response = self.http.request(method, path, json=body, params=self.params)
        if response.status_code == 204:
            return None
        return self._check(response)

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._check(
            self.http.post("/v1.1/extract/evidence", json=body, params=self.params)
        )
        return result

    def get(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._check(
            self.http.get(f"/v1.1/extract/evidence/{job_id}", params=self.params)
        )
        return result

    def evidence_keys(self, site: int) -> dict[str, Any]:
        result: dict[str, Any] = self._check(self.http.get(f"/v1.1/sites/{site}/evidence-key"))
        return result

    def urls(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._check(
            self.http.get(f"/v1.1/extract/evidence/{job_id}/urls", params=self.params)
        )
        return result


def _file_name(response: httpx.Response, fallback: str) -> str:
    match = re.search(r'filename="([^"]+)"', response.headers.get("content-disposition", ""))
    name = match.group(1) if match else fallback
    return Path(name).name  # never a path from the server


def download_files(client: ApiClient, job: dict[str, Any], output: Path) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    expected = {f["name"]: f["sha256"] for f in job["data"].get("files", [])}
    saved: list[Path] = []
    for url in client.urls(job["id"])["presignedUrls"]:
        with httpx.stream("GET", url, timeout=httpx.Timeout(60.0)) as response:
            if response.status_code != 200:
                err.print(f"[red]download failed ({response.status_code})[/red]")
                raise typer.Exit(2)
            name = _file_name(response, url.split("?")[0].rsplit("/", 1)[-1])
            target = output / name
            digest = hashlib.sha256()
            partial = target.with_name(target.name + ".part")
            with open(partial, "wb") as handle:
                for chunk in response.iter_bytes(1024 * 1024):
                    digest.update(chunk)
                    handle.write(chunk)
            if name in expected and digest.hexdigest() != expected[name]:
                partial.unlink()
                err.print(f"[red]{name}: SHA-256 does not match the job's record[/red]")
                raise typer.Exit(3)
            partial.replace(target)
            saved.append(target)
    return saved


def follow(client: ApiClient, job: dict[str, Any], interval: float = 0.5) -> dict[str, Any]:
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        task = progress.add_task(job["status"], total=None)
        while job["status"] not in ("success", "failed"):
            time.sleep(interval)
            job = client.get(job["id"])
            done = job["data"].get("progress", {})
            progress.update(
                task, description=job["status"], completed=done.get("processed", 0), total=done.get("total")
            )
        done = job["data"].get("progress", {})
        progress.update(
            task, description=job["status"], completed=done.get("processed", 0), total=done.get("total")
        )
    return job


@export_app.command("create")
def create(
    start: Annotated[str, typer.Option("--start", help="start_date (ISO 8601; no offset means UTC).")],
    end: Annotated[str | None, typer.Option("--end", help="end_date (default: now).")] = None,
    filter_json: Annotated[
        str | None, typer.Option("--filter", help="Filter as a JSON object, or a legacy filter string.")
    ] = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            help="Fields, comma-separated; "
            "connection_data.X, custom_data.X, render_data.X for the families. Repeatable.",
        ),
    ] = None,
    sort: Annotated[str | None, typer.Option("--sort", help="Sort, e.g. -created_time.")] = None,
    standard_all: Annotated[bool, typer.Option("--standard-all", help="All standard fields.")] = False,
    connection_all: Annotated[bool, typer.Option("--connection-all", help="All connection fields.")] = False,
    custom_all: Annotated[bool, typer.Option("--custom-all", help="All custom fields.")] = False,
    export_type: Annotated[
        list[str] | None, typer.Option("--export-type", help="Export type; repeatable.")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Follow the job with a progress bar until it ends.")
    ] = False,
    output: Annotated[
        Path | None, typer.Option("--output", help="Download the files here (implies --wait).")
    ] = None,
    site_id: Annotated[int | None, typer.Option("--site-id", help="Site (default: the token's).")] = None,
    url: Annotated[str, URL_OPTION] = "http://127.0.0.1:8000",
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Create an export job; with --wait follow it, with --output also download its files."""
    if not token:
        raise typer.BadParameter("a token is required (--token or CLICKPROOF_TOKEN)")
    body: dict[str, Any] = {"start_date": start}
    if end:
        body["end_date"] = end
    if filter_json:
        try:
            body["filter"] = json.loads(filter_json)
        except ValueError:
            body["filter"] = filter_json  # the legacy string syntax: created_time>=2020-10-10 and …
    if select:
        body["select"] = select_from_names(select)
    if sort:
        body["sort"] = sort
    for flag, name in (
        (standard_all, "standard_all"),
        (connection_all, "connection_all"),
        (custom_all, "custom_all"),
    ):
        if flag:
            body[name] = True
    if export_type:
        body["export_types"] = export_type
    client = ApiClient(url, token, site_id)
    job = client.create(body)
    err.print(f"export job [bold]{job['id']}[/bold] created: {job['message']}")
    err.print(f"filter: {job['data'].get('filter_description', 'all activities')}", markup=False)
    if not (wait or output):
        typer.echo(job["id"])
        return
    job = follow(client, job)
    err.print(job["message"])
    if job["status"] != "success":
        raise typer.Exit(1)
    if output is not None:
        for path in download_files(client, job, output):
            err.print(f"saved {path}")
        site_keys = client.evidence_keys(int(job["site"]))
        trusted = [
            trusted_key(str(k["public_key"]), "the server's keys for the site") for k in site_keys["keys"]
        ]
        verdict = verify_export([output], trusted=trusted)
        for problem in verdict.problems:
            err.print(f"[red]FAILED: {problem.where}: {problem.message}[/red]", markup=True)
        if verdict.status != "verified":
            raise typer.Exit(3)
        err.print(
            f"verified: manifest signed by the site's key {verdict.key_id}; every file matches its SHA-256"
        )
    typer.echo(job["id"])


@export_app.command("cancel")
def cancel(
    job_id: Annotated[str, typer.Argument(help="Export job id.")],
    site_id: Annotated[int | None, typer.Option("--site-id")] = None,
    url: Annotated[str, URL_OPTION] = "http://127.0.0.1:8000",
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Cancel a job that has not finished; it ends failed with "cancelled by <you>"."""
    job = ApiClient(url, token, site_id).call("POST", f"/v1.1/extract/evidence/{job_id}/cancel")
    typer.echo(f"{job['id']} {job['status']}: {job['message']}")


@export_app.command("get")
def get(
    job_id: Annotated[str, typer.Argument(help="Export job id.")],
    site_id: Annotated[int | None, typer.Option("--site-id")] = None,
    url: Annotated[str, URL_OPTION] = "http://127.0.0.1:8000",
    token: Annotated[str, TOKEN_OPTION] = "",
) -> None:
    """Print an export job as JSON."""
    typer.echo(json.dumps(ApiClient(url, token, site_id).get(job_id), indent=2, ensure_ascii=False))
