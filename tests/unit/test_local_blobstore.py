from pathlib import Path

import pytest

from clickproof.blobstore.local import LocalBlobStore


def test_publish_is_all_or_nothing(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(RuntimeError), store.writer("job/file.csv") as handle:
        handle.write(b"partial")
        raise RuntimeError("crash mid-write")
    assert not store.exists("job/file.csv")
    assert list((tmp_path / "job").iterdir()) == []
    with store.writer("job/file.csv") as handle:
        handle.write(b"complete")
    assert (tmp_path / "job" / "file.csv").read_bytes() == b"complete"


def test_a_new_attempt_removes_temp_files_of_killed_ones(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    (tmp_path / "job").mkdir()
    orphan = tmp_path / "job" / ".file.csv.deadbeef.tmp"
    orphan.write_bytes(b"left by a SIGKILLed worker")
    other = tmp_path / "job" / ".other.csv.deadbeef.tmp"
    other.write_bytes(b"another file's attempt")
    with store.writer("job/file.csv") as handle:
        handle.write(b"x")
    assert not orphan.exists() and other.exists()


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "a/../../b", "", ".hidden", "a//b", "a\\b"])
def test_keys_cannot_escape_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).local_path(key)
