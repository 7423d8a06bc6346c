"""Private by default: access-log paths without secrets, database files readable by their user only."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from clickproof.api.access_log import RedactedAccessLog, redact_path
from clickproof.store.database import private_database_file


def test_paths_lose_query_strings_and_signer_ids() -> None:
    assert redact_path("/send?sid=a&sig=ann%40example.com") == "/send"
    assert (
        redact_path("/v1.1/extract/evidence/x/files/a.csv?tid=1&signature=abc")
        == "/v1.1/extract/evidence/x/files/a.csv"
    )
    assert redact_path("/v1.1/signers/ann@example.com") == "/v1.1/signers/[signer]"
    assert redact_path("/v1.1/signers/ann@example.com/record?x=1") == "/v1.1/signers/[signer]/record"
    assert redact_path("/health") == "/health"


def test_the_filter_rewrites_uvicorns_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4:5", "GET", "/a?access_token=t", "1.1", 200),
        None,
    )
    assert RedactedAccessLog().filter(record) and record.getMessage() == '1.2.3.4:5 - "GET /a HTTP/1.1" 200'


def test_database_files_are_made_private(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "clickproof.db"
    private_database_file(fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh.parent.stat().st_mode) == 0o700
    old = tmp_path / "old.db"
    old.write_bytes(b"")
    old.chmod(0o644)
    (tmp_path / "old.db-wal").write_bytes(b"")
    (tmp_path / "old.db-wal").chmod(0o644)
    private_database_file(old)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "old.db-wal").stat().st_mode) == 0o600
