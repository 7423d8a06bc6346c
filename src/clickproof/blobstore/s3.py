"""Export files in an S3-compatible bucket (obstore), served through presigned URLs.

A file is spooled to local disk while it is written, then uploaded under its final key in one
PUT or one multipart upload, so a reader sees the whole object or nothing. The object carries
its Content-Type and a Content-Disposition naming the file, which S3 returns on download.
"""

from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import BinaryIO, cast
from urllib.parse import quote

import obstore
from obstore.exceptions import NotFoundError
from obstore.store import S3Store

from clickproof.blobstore.local import validate_key


def content_type_for(name: str) -> str:
    if name.endswith(".csv"):
        return "text/csv; charset=utf-8"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def attachment(name: str) -> str:
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"


class S3BlobStore:
    def __init__(self, store: S3Store, spool: Path) -> None:
        self.store = store
        self.spool = spool

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        spool: Path,
    ) -> S3BlobStore:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        config: dict[str, str] = {"region": region}
        if endpoint:
            config["endpoint"] = endpoint
        if access_key_id and secret_access_key:
            config["access_key_id"] = access_key_id
            config["secret_access_key"] = secret_access_key
        client_options = {"allow_http": True} if endpoint and endpoint.startswith("http://") else None
        store = S3Store(
            bucket,
            prefix=prefix.strip("/") or None,
            config=config,  # type: ignore[arg-type]
            client_options=client_options,  # type: ignore[arg-type]
        )
        return cls(store, spool)

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        validate_key(key)
        self.spool.mkdir(parents=True, exist_ok=True)
        temp = self.spool / f"{uuid.uuid4().hex}.upload"
        try:
            with open(temp, "wb", buffering=1024 * 1024) as handle:
                yield handle
            name = PurePosixPath(key).name
            obstore.put(
                self.store,
                key,
                temp,
                attributes={"Content-Type": content_type_for(name), "Content-Disposition": attachment(name)},
            )
        finally:
            temp.unlink(missing_ok=True)

    @contextmanager
    def reader(self, key: str) -> Iterator[BinaryIO]:
        yield cast(BinaryIO, obstore.open_reader(self.store, validate_key(key)))

    def delete(self, key: str) -> None:
        with suppress(NotFoundError, FileNotFoundError):
            obstore.delete(self.store, validate_key(key))

    def local_path(self, key: str) -> Path | None:
        return None

    def exists(self, key: str) -> bool:
        try:
            obstore.head(self.store, validate_key(key))
        except (NotFoundError, FileNotFoundError):
            return False
        return True

    def presigned_url(self, key: str, ttl_seconds: int) -> str | None:
        return str(obstore.sign(self.store, "GET", validate_key(key), timedelta(seconds=ttl_seconds)))
