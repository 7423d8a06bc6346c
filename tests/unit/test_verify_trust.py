"""Trust anchors: a bundle is VERIFIED only when a key the verifier trusts signed it."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clickproof.cli.main import app
from clickproof.evidence.manifest import signed_manifest
from clickproof.evidence.published_keys import published_keys_document
from clickproof.evidence.signing import fingerprint_of, generate_key, public_key_pem
from clickproof.store.evidence_keys import PublishedKey
from tests.unit.test_verify import KEY, make_export

FORGER = generate_key()


@pytest.fixture(autouse=True)
def trust_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    store = tmp_path / "config" / "trusted-keys.json"
    monkeypatch.setenv("CLICKPROOF_TRUST_STORE", str(store))
    return store


def forge(directory: Path) -> None:
    """The attack: edit the CSV, fix its hash in the manifest, re-sign with a fresh key, embed it."""
    csv = next(directory.glob("*.csv"))
    csv.write_bytes(csv.read_bytes().replace(b'"a"', b'"z"'))
    document = json.loads((directory / "manifest.json").read_text())
    body = document["manifest"]
    import hashlib

    body["files"][0]["sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
    body["key_id"], body["key_fingerprint"] = FORGER.key_id, fingerprint_of(FORGER.public_key)
    (directory / "manifest.json").write_bytes(signed_manifest(body, FORGER))


def keys_file(tmp_path: Path, *, site: int = 1, valid_until: datetime | None = None) -> Path:
    document = published_keys_document(
        account_id=1,
        site_id=site,
        access_id="site-access-id",
        keys=[
            PublishedKey(KEY.key_id, "Ed25519", KEY.public_key, datetime(2026, 1, 1, tzinfo=UTC), valid_until)
        ],
    )
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(document))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["verify", *args])
    return result.exit_code, result.output


def test_a_forged_bundle_is_unconfirmed_without_a_trusted_key_and_refused_with_one(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    forge(directory)
    code, output = run(str(directory))
    assert code == 3 and "KEY NOT CONFIRMED" in output and "VERIFIED:" not in output
    code, output = run(str(directory), "--public-key", str(keys_file(tmp_path)))
    assert code == 1 and f"signed by key {FORGER.key_id}, which is not a key you trust" in output
    code, output = run(str(directory), "--key-fingerprint", fingerprint_of(KEY.public_key))
    assert code == 1 and "NOT VERIFIED" in output


@pytest.mark.parametrize("form", ["keys document", "pem", "base64 file", "base64", "fingerprint", "key id"])
def test_every_way_of_naming_the_trusted_key(tmp_path: Path, form: str) -> None:
    directory = make_export(tmp_path)
    option: list[str]
    if form == "keys document":
        option = ["--public-key", str(keys_file(tmp_path))]
    elif form == "pem":
        (tmp_path / "key.pem").write_text(public_key_pem(KEY.public_key))
        option = ["--public-key", str(tmp_path / "key.pem")]
    elif form == "base64 file":
        (tmp_path / "key.txt").write_text(KEY.public_key + "\n")
        option = ["--public-key", str(tmp_path / "key.txt")]
    elif form == "base64":
        option = ["--public-key", KEY.public_key]
    elif form == "fingerprint":
        fingerprint = fingerprint_of(KEY.public_key)
        option = ["--key-fingerprint", ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()]
    else:
        option = ["--key-fingerprint", KEY.key_id]
    code, output = run(str(directory), *option)
    assert code == 0 and "VERIFIED: export" in output, output


def test_pinning_then_verifying_without_options(tmp_path: Path, trust_store: Path) -> None:
    directory = make_export(tmp_path)
    code, output = run("--pin", "--key-fingerprint", fingerprint_of(KEY.public_key), str(directory))
    assert code == 0 and "pinned: key" in output
    assert stat.S_IMODE(os.stat(trust_store).st_mode) == 0o600
    code, output = run(str(directory))
    assert code == 0 and f"pinned in {trust_store}" in output
    forge(directory)
    code, output = run(str(directory))
    assert code == 1 and f"but the key pinned for site 1 is {KEY.key_id}" in output


def test_pin_needs_a_confirmed_key(tmp_path: Path, trust_store: Path) -> None:
    directory = make_export(tmp_path)
    code, output = run("--pin", str(directory))
    assert code == 2 and "--pin needs --public-key or --key-fingerprint" in output
    assert not trust_store.exists()


def test_a_key_of_another_site_or_outside_its_validity_is_refused(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    code, output = run(str(directory), "--public-key", str(keys_file(tmp_path, site=2)))
    assert code == 1 and "the manifest names site 1, but the trusted key is site 2's" in output
    retired = keys_file(tmp_path, valid_until=datetime(2026, 8, 1, tzinfo=UTC))
    code, output = run(str(directory), "--public-key", str(retired))
    assert code == 1 and "outside the key's published validity" in output


def test_a_bad_trust_option_is_a_usage_error(tmp_path: Path) -> None:
    directory = make_export(tmp_path)
    code, output = run(str(directory), "--key-fingerprint", "abc")
    assert code == 2 and "64 hex digits" in output
    code, output = run(str(directory), "--public-key", "not a key")
    assert code == 2 and "not a base64 Ed25519 public key" in output
