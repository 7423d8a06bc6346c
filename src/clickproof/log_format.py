"""Log output: plain text (default) or, with CLICKPROOF_LOG_FORMAT=json, one JSON object per line
with the request id and job id of the work in progress (request_context)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from clickproof.request_context import current_job_id, current_request_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id"?, "job_id"?, "exception"?}`. The message
    is the record's own, after the filters (access-log redaction) ran."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        super().__init__()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            line["request_id"] = request_id
        job_id = current_job_id()
        if job_id is not None:
            line["job_id"] = job_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """The root logger of a `clickproof serve` or `clickproof worker` process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
