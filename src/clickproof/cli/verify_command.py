"""`clickproof verify`: check a downloaded export offline and print a verdict.

Exit codes: 0 verified (intact, signed by a key you trust); 3 intact but signed by a key you have
not confirmed; 1 not verified (a file is missing, changed, added or not signed as stated).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clickproof.evidence.trust import (
    TrustedKey,
    TrustSourceError,
    default_trust_store,
    keys_from_public_key_option,
    normalized_fingerprint,
    pin,
    pinned_keys,
    trusted_key,
)
from clickproof.evidence.verify import Verdict, verify_export


def print_verdict(verdict: Verdict) -> None:
    for note in verdict.notes:
        typer.echo(f"note: {note.where}: {note.message}")
    for problem in verdict.problems:
        typer.echo(f"FAILED: {problem.where}: {problem.message}")
    export = verdict.export_id or "?"
    if verdict.timestamp is not None and verdict.timestamp.problem is None and verdict.timestamp.time:
        typer.echo(
            f"timestamp: manifest.json existed at {verdict.timestamp.time.isoformat()} "
            f"({verdict.timestamp.authority})"
        )
    if verdict.status == "not_verified":
        typer.echo(f"NOT VERIFIED: {len(verdict.problems)} problem(s) in export {export}.")
        return
    key = f"key {verdict.key_id} (fingerprint {verdict.fingerprint})"
    if verdict.status == "verified":
        assert verdict.trusted_by is not None
        typer.echo(
            f"VERIFIED: export {export}: {verdict.files_checked} file(s) match the manifest, signed by "
            f"{key}, a key you trust ({verdict.trusted_by.source})."
        )
        return
    typer.echo(
        f"KEY NOT CONFIRMED: export {export}: {verdict.files_checked} file(s) match a manifest signed by "
        f"{key}, but nothing confirms that this key is the organisation's: anyone can make a bundle "
        "that looks like this. Compare the fingerprint with the site's published keys "
        "(GET /v1.1/evidence-keys/{access_id}), then pass --public-key FILE or --key-fingerprint HEX "
        "(add --pin to remember it)."
    )


def verify(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="A directory of the downloaded files, or the files (manifest.json, zips, CSV).", exists=True
        ),
    ],
    public_key: Annotated[
        list[str] | None,
        typer.Option(
            "--public-key",
            help="A key you trust: a file holding the site's published keys document "
            "(GET /v1.1/evidence-keys/{access_id}), a PEM public key or its base64; or the base64 itself.",
        ),
    ] = None,
    key_fingerprint: Annotated[
        list[str] | None,
        typer.Option(
            "--key-fingerprint",
            help="The fingerprint or key id (64 hex digits) of a key you trust, read from another channel.",
        ),
    ] = None,
    tsa_certificate: Annotated[
        Path | None,
        typer.Option(
            "--tsa-certificate",
            help="The certificate (PEM or DER) of the timestamp authority you trust; the manifest's "
            "timestamp (manifest.json.tsr) must then be present and signed by it.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    pin_keys: Annotated[
        bool,
        typer.Option(
            "--pin",
            help="Remember the keys confirmed by --public-key / --key-fingerprint, so later runs trust "
            "them without options (trust store: $CLICKPROOF_TRUST_STORE or ~/.config/clickproof/trusted-keys.json).",
        ),
    ] = False,
) -> None:
    """Verify an export offline: the manifest's signature, who signed it, and every file and zip entry.

    Exit 0: verified; 3: intact but signed by a key you have not confirmed; 1: not verified."""
    try:
        given = [k for value in public_key or [] for k in keys_from_public_key_option(value)]
        fingerprints = [normalized_fingerprint(v) for v in key_fingerprint or []]
    except (TrustSourceError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    if pin_keys and not (given or fingerprints):
        raise typer.BadParameter(
            "--pin needs --public-key or --key-fingerprint: pinning a key nobody confirmed would trust "
            "whoever made this bundle"
        )
    store = default_trust_store()
    verdict = verify_export(
        paths,
        trusted=[*given, *pinned_keys(store)],
        fingerprints=fingerprints,
        tsa_certificate=tsa_certificate.read_bytes() if tsa_certificate else None,
    )
    print_verdict(verdict)
    if pin_keys and verdict.status == "verified":
        confirmed: list[TrustedKey] = given or [
            trusted_key(
                verdict.public_key or "", "--key-fingerprint", site=verdict.site, account=verdict.account
            )
        ]
        for key in pin(store, confirmed):
            typer.echo(f"pinned: key {key.key_id} (fingerprint {key.fingerprint}) in {store}")
    raise typer.Exit(verdict.exit_code)
