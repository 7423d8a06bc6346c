"""Reading a JSON request body safely: size cap while streaming, strict JSON, clear errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from clickproof.domain import strict_json
from clickproof.domain.limits import MAX_REQUEST_BYTES
from clickproof.errors import RequestTooLargeError, UnsupportedMediaTypeError, ValidationError


async def read_json_body(request: Request, limit: int = MAX_REQUEST_BYTES) -> Any:
    content_type = request.headers.get("content-type")
    if content_type is None and not (await read_raw_body(request, limit)).strip():
        # No body at all is a missing body, not one of another media type.
        raise ValidationError("the request body is empty; a JSON object is required", code="invalid_json")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaTypeError(
            "the request body must be JSON (Content-Type: application/json)", field="Content-Type"
        )
    raw = await read_raw_body(request, limit)
    if not raw.strip():
        raise ValidationError("the request body is empty; a JSON object is required", code="invalid_json")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the request body is not valid UTF-8", code="invalid_json") from None
    return strict_json.loads(text)


async def read_raw_body(request: Request, limit: int) -> bytes:
    """The body's bytes, refused once it exceeds `limit`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"the request body exceeds {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(f"the request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_params_body(request: Request, limit: int = MAX_REQUEST_BYTES) -> dict[str, Any]:
    """A POST body of parameters: a JSON object, or an HTML form (application/x-www-form-urlencoded)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/x-www-form-urlencoded":
        raw = await read_raw_body(request, limit)
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ValidationError("the request body is not valid UTF-8", code="invalid_json") from None
        return query_dict(pairs)
    body = await read_json_body(request, limit)
    if not isinstance(body, dict):
        raise ValidationError("the request body must be a JSON object", code="invalid_body")
    return body


def query_dict(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Parameters as a dict; a name given more than once (cid=1&cid=2) becomes a list."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            previous = result[key]
            result[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            result[key] = value
    return result
