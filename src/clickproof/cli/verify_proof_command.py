"""`clickproof verify-proof`: check one activity's chain proof against a chain head, offline.

Exit codes: 0 verified; 3 the proof holds but nothing confirms the head's source (the manifest's
key or the timestamp's authority); 1 not verified (the reason is named)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clickproof.evidence.trust import (
    TrustSourceError,
    default_trust_store,
    keys_from_public_key_option,
    normalized_fingerprint,
    pinned_keys,
)
from clickproof.evidence.verify_proof import ChainHeadError, ProofVerdict, verify_proof


def print_proof_verdict(verdict: ProofVerdict) -> None:
    for note in verdict.notes:
        typer.echo(f"note: {note}")
    for reason, message in verdict.problems:
        typer.echo(f"FAILED ({reason}): {message}")
    check = verdict.check
    if check is not None and not check.ok:
        typer.echo(f"FAILED ({check.reason}): {check.message}")
    for seq, time, authority in verdict.stamped:
        typer.echo(f"timestamp: link {seq} of the chain existed at {time.isoformat()} ({authority})")
    if verdict.status == "not_verified":
        typer.echo("NOT VERIFIED: the proof does not show the activity in the chain that this head ends.")
        return
    assert check is not None
    word = "VERIFIED" if verdict.status == "verified" else "HEAD NOT CONFIRMED"
    typer.echo(f"{word}: {check.message}.")


ChainHeadOption = Annotated[
    str | None,
    typer.Option(
        "--chain-head",
        help="The head to check against: an export's manifest.json (its chain_head), a saved "
        "chain-head timestamp (an entry of GET /v1.1/chain-head-timestamps), or SEQ:HASH. "
        "Default: the timestamps inside the proof.",
    ),
]
PublicKeyOption = Annotated[
    list[str] | None,
    typer.Option("--public-key", help="A key you trust for the manifest, as for `clickproof verify`."),
]
KeyFingerprintOption = Annotated[
    list[str] | None,
    typer.Option("--key-fingerprint", help="The fingerprint or key id of a key you trust for the manifest."),
]
TsaCertificateOption = Annotated[
    Path | None,
    typer.Option(
        "--tsa-certificate",
        help="The certificate (PEM or DER) of the timestamp authority you trust for chain-head timestamps.",
        exists=True,
        dir_okay=False,
    ),
]
PROOF_HELP = "The proof (GET /v1.1/activity/{id}/chain-proof), saved as JSON."


def verify_proof_command(
    proof: Annotated[Path, typer.Argument(help=PROOF_HELP, exists=True, dir_okay=False)],
    chain_head: ChainHeadOption = None,
    public_key: PublicKeyOption = None,
    key_fingerprint: KeyFingerprintOption = None,
    tsa_certificate: TsaCertificateOption = None,
) -> None:
    """Verify that one activity is in its site's hash chain up to a head you trust, offline.

    Exit 0: verified; 3: the proof holds but the head's source is not confirmed; 1: not verified."""
    try:
        given = [k for value in public_key or [] for k in keys_from_public_key_option(value)]
        fingerprints = [normalized_fingerprint(v) for v in key_fingerprint or []]
        verdict = verify_proof(
            proof,
            chain_head=chain_head,
            trusted=[*given, *pinned_keys(default_trust_store())],
            fingerprints=fingerprints,
            tsa_certificate=tsa_certificate.read_bytes() if tsa_certificate else None,
        )
    except (TrustSourceError, ChainHeadError, OSError) as exc:
        raise typer.BadParameter(str(exc)) from None
    print_proof_verdict(verdict)
    raise typer.Exit(verdict.exit_code)
