"""Signing keys at rest: wrapped under the key-encryption key, useless without it."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from clickproof.bootstrap import build_system
from clickproof.evidence.key_wrapping import (
    KeyEncryptionError,
    KeyWrapper,
    is_wrapped,
    load_key_encryption_key,
)
from clickproof.services.demo_data import seed_demo
from clickproof.store.tables import site_evidence_keys
from tests.conftest import make_settings

KEK = bytes(range(32))


def test_wrap_round_trip_and_binding() -> None:
    wrapper = KeyWrapper(KEK)
    sealed = wrapper.wrap("c2VjcmV0", "key-a")
    assert is_wrapped(sealed) and "c2VjcmV0" not in sealed
    assert wrapper.unwrap(sealed, "key-a") == "c2VjcmV0"
    with pytest.raises(KeyEncryptionError):
        wrapper.unwrap(sealed, "key-b")  # moved to another key's row
    with pytest.raises(KeyEncryptionError):
        KeyWrapper(bytes(32)).unwrap(sealed, "key-a")
    assert wrapper.unwrap("c2VjcmV0", "key-a") == "c2VjcmV0"  # stored before encryption


def test_key_encryption_key_from_setting_or_home(tmp_path: Path) -> None:
    assert load_key_encryption_key(base64.b64encode(KEK).decode(), tmp_path) == KEK
    with pytest.raises(ValueError, match="32 random bytes"):
        load_key_encryption_key("c2hvcnQ=", tmp_path)
    made = load_key_encryption_key(None, tmp_path)
    assert len(made) == 32 and load_key_encryption_key(None, tmp_path) == made
    assert (tmp_path / "key-encryption.key").stat().st_mode & 0o777 == 0o600


def test_a_database_copied_without_its_key_encryption_key_cannot_sign(tmp_path: Path) -> None:
    home = tmp_path / "home"
    system = build_system(make_settings(home))
    try:
        seed_demo(system.engine, system.tenants, system.activities, activities=0, seed=1)
        key = system.keys.for_site(1)
        with system.engine.connect() as conn:
            stored = conn.execute(select(site_evidence_keys.c.private_key)).scalar_one()
        assert is_wrapped(stored) and key.private_key not in stored
        # A key stored in clear by an older version is wrapped when first read.
        with system.engine.begin() as conn:
            conn.execute(update(site_evidence_keys).values(private_key=key.private_key))
        assert system.keys.for_site(1) == key
        with system.engine.connect() as conn:
            assert is_wrapped(conn.execute(select(site_evidence_keys.c.private_key)).scalar_one())
    finally:
        system.close()
    thief = tmp_path / "thief"
    thief.mkdir()
    shutil.copy(home / "clickproof.db", thief / "clickproof.db")
    stolen = build_system(make_settings(thief))
    try:
        with pytest.raises(KeyEncryptionError, match="CLICKPROOF_KEY_ENCRYPTION_KEY"):
            stolen.keys.for_site(1)
    finally:
        stolen.close()
