"""`clickproof verify-pdf`: check evidence PDFs' seals offline and print a verdict for each.

Exit codes: 0 every PDF verified (sealed by a key you trust, unchanged); 3 every PDF intact, some
sealed by a key you have not confirmed; 1 a PDF not verified (the reason is named)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clickproof.cli.verify_proof_command import KeyFingerprintOption, PublicKeyOption
from clickproof.evidence.trust import (
    TrustSourceError,
    default_trust_store,
    keys_from_public_key_option,
    normalized_fingerprint,
    pinned_keys,
)
from clickproof.evidence.verify_seal import SealVerdict, verify_sealed_pdf


def print_seal_verdict(path: Path, verdict: SealVerdict) -> None:
    for note in verdict.notes:
        typer.echo(f"note: {path}: {note}")
    for problem in verdict.problems:
        typer.echo(f"FAILED: {path}: {problem}")
    if verdict.status == "not_verified":
        typer.echo(f"NOT VERIFIED: {path}")
        return
    key = f"key {verdict.key_id} (fingerprint {verdict.fingerprint})"
    when = f" (the document is dated {verdict.sealed_time})" if verdict.sealed_time else ""
    if verdict.trusted_by is not None:
        typer.echo(
            f"VERIFIED: {path}: unchanged since it was sealed by {key}{when}, a key you trust "
            f"({verdict.trusted_by.source})."
        )
        return
    typer.echo(
        f"KEY NOT CONFIRMED: {path}: unchanged since it was sealed by {key}{when}, but nothing "
        "confirms that this key is the organisation's. Compare the fingerprint with the site's "
        "published keys (GET /v1.1/evidence-keys/{access_id}), then pass --public-key or --key-fingerprint."
    )


def verify_pdf_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Evidence PDFs (an export's, or a record route's).", exists=True, dir_okay=False),
    ],
    public_key: PublicKeyOption = None,
    key_fingerprint: KeyFingerprintOption = None,
) -> None:
    """Verify evidence PDFs on their own, offline: each PDF's seal, who sealed it, and that no byte
    changed since.

    Exit 0: verified; 3: intact but sealed by a key you have not confirmed; 1: not verified."""
    try:
        given = [k for value in public_key or [] for k in keys_from_public_key_option(value)]
        fingerprints = [normalized_fingerprint(v) for v in key_fingerprint or []]
        trusted = [*given, *pinned_keys(default_trust_store())]
    except (TrustSourceError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    codes = []
    for path in paths:
        verdict = verify_sealed_pdf(path.read_bytes(), trusted=trusted, fingerprints=fingerprints)
        print_seal_verdict(path, verdict)
        codes.append(verdict.exit_code)
    raise typer.Exit(1 if 1 in codes else max(codes))
