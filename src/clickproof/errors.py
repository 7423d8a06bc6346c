"""Domain errors: a stable public code, a message, the field concerned. No HTTP here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FieldProblem:
    code: str
    field: str | None
    message: str
    line: int | None = None  # bulk imports: the line of the file


class ClickproofError(Exception):
    """Base of every error clickproof reports to a caller."""

    code = "error"
    kind = "invalid"  # invalid | unauthenticated | forbidden | not_found | conflict | too_large | unsupported | unprocessable

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        problems: list[FieldProblem] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        self.problems = problems or [FieldProblem(self.code, field, message)]


class ValidationError(ClickproofError):
    code = "invalid_request"
    kind = "invalid"


class InvalidDateError(ValidationError):
    code = "invalid_date"


class DateRangeError(ValidationError):
    code = "invalid_date_range"


class DateRangeTooLongError(ValidationError):
    code = "date_range_too_long"


class InvalidExportTypeError(ValidationError):
    code = "invalid_export_type"


class InvalidSelectError(ValidationError):
    code = "invalid_select"


class InvalidSortError(ValidationError):
    code = "invalid_sort"


class InvalidFilterError(ValidationError):
    code = "invalid_filter"


class UnauthenticatedError(ClickproofError):
    code = "unauthenticated"
    kind = "unauthenticated"


class ForbiddenError(ClickproofError):
    code = "forbidden"
    kind = "forbidden"


class NotFoundError(ClickproofError):
    code = "not_found"
    kind = "not_found"


class ExportNotFoundError(NotFoundError):
    code = "export_not_found"


class ActivityNotFoundError(NotFoundError):
    code = "activity_not_found"


class ExportNotReadyError(ClickproofError):
    code = "export_not_ready"
    kind = "conflict"


class ExportFinishedError(ClickproofError):
    code = "export_finished"
    kind = "conflict"


class ExportExpiredError(ClickproofError):
    code = "export_expired"
    kind = "gone"


class RequestTooLargeError(ClickproofError):
    code = "request_too_large"
    kind = "too_large"


class UnsupportedMediaTypeError(ClickproofError):
    code = "unsupported_media_type"
    kind = "unsupported"


class InvalidLinkError(ClickproofError):
    code = "invalid_link"
    kind = "forbidden"


class LinkExpiredError(ClickproofError):
    code = "link_expired"
    kind = "gone"


def _problem(problem: FieldProblem) -> dict[str, object]:
    body: dict[str, object] = {"code": problem.code, "field": problem.field, "message": problem.message}
    if problem.line is not None:
        body["line"] = problem.line
    return body


def error_body(exc: ClickproofError) -> dict[str, object]:
    return {
        "error": exc.message,
        "code": exc.code,
        "field": exc.field,
        "errors": [_problem(p) for p in exc.problems],
    }


class IdsExhaustedError(ClickproofError):
    """Every try at a fresh id met a taken one (concurrent creations kept winning)."""

    code = "busy"
    kind = "conflict"

    def __init__(self, what: str) -> None:
        super().__init__(
            f"could not give the new {what} an id: every id tried was taken meanwhile; try again"
        )


class RateLimitedError(ClickproofError):
    """Over a limit: answered 429 with Retry-After (whole seconds) and the limit named."""

    code = "rate_limited"
    kind = "too_many"

    def __init__(
        self, message: str, *, limit: str, allowed: int, window_seconds: float, retry_after: int
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.allowed = allowed
        self.window_seconds = window_seconds
        self.retry_after = retry_after
