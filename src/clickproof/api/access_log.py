"""The access log without secrets or personal data: query strings are dropped (they carry download
link signatures, `access_token`, and the Activity API's signer ids, addresses and custom data),
and the signer id in `/v1.1/signers/{signer_id}` paths is replaced by `[signer]`."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_SIGNER_PATH = re.compile(r"^(/v1\.1/signers/)[^/?]+")


def redact_path(full_path: str) -> str:
    path = full_path.split("?", 1)[0]
    return _SIGNER_PATH.sub(r"\1[signer]", path)


class RedactedAccessLog(logging.Filter):
    """For uvicorn's access logger, whose record args are (client, method, path, http version,
    status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact_path(args[2]), args[3], args[4])
        return True


def uvicorn_log_config(*, json_lines: bool = False) -> dict[str, Any]:
    """uvicorn's own logging configuration with the access log redacted; with `json_lines` its
    lines are JSON objects like clickproof's own (log_format)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redacted_access"] = {"()": RedactedAccessLog}
    config["handlers"]["access"]["filters"] = ["redacted_access"]
    if json_lines:
        for formatter in ("default", "access"):
            config["formatters"][formatter] = {"()": "clickproof.log_format.JsonFormatter"}
    # Keep the root logger's handler (log_format.configure_logging) for clickproof's own lines.
    config["disable_existing_loggers"] = False
    return config
