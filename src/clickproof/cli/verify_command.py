"""`clickproof verify`: check a downloaded export offline and print a verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clickproof.evidence.verify import Verdict, verify_export


def print_verdict(verdict: Verdict) -> None:
    for note in verdict.notes:
        typer.echo(f"note: {note.file}: {note.message}")
    for problem in verdict.problems:
        typer.echo(f"FAILED: {problem.file}: {problem.message}")
    if verdict.ok:
        typer.echo(
            f"VERIFIED: export {verdict.export_id}: manifest signature valid (key {verdict.key_id}), "
            f"{verdict.files_checked} file(s) match their SHA-256."
        )
    else:
        typer.echo(f"NOT VERIFIED: {len(verdict.problems)} problem(s) in export {verdict.export_id or '?'}.")


def verify(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A directory of the downloaded files, or the files (manifest.json, zips, CSV).", exists=True
        ),
    ],
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            help="The site's public key (base64, from GET /v1.1/sites/{id}/evidence-key); the manifest "
            "must be signed by it.",
        ),
    ] = None,
) -> None:
    """Verify an export offline: the manifest's signature and every file's SHA-256. Exit 0 if it holds."""
    verdict = verify_export(paths, public_key=public_key)
    print_verdict(verdict)
    if public_key is None and verdict.ok:
        typer.echo(
            "note: compare the key id with GET /v1.1/sites/{site_id}/evidence-key, or pass --public-key."
        )
    if not verdict.ok:
        raise typer.Exit(1)
