"""Paging of console tables: the `page` query parameter, and links that keep the other ones."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from clickproof.api.openapi_params import MAX_PAGE
from clickproof.api.params import int_param

PER_PAGE = 50


def page_number(request: Request) -> int:
    """The `page` asked for (1 when absent); a bad value is a ValidationError naming `page`."""
    return int_param(request, "page", default=1, minimum=1, maximum=MAX_PAGE) or 1


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int
    shown: int
    base: str  # the page's path and its other query parameters, to which `page=N` is added

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_shown(self) -> int:
        return self.offset + 1 if self.shown else 0

    @property
    def last_shown(self) -> int:
        return self.offset + self.shown

    def link(self, page: int) -> str:
        joiner = "&" if "?" in self.base else "?"
        return f"{self.base}{joiner}page={page}"

    @property
    def previous(self) -> str | None:
        return self.link(self.page - 1) if self.page > 1 else None

    @property
    def next(self) -> str | None:
        return self.link(self.page + 1) if self.page < self.pages else None


def base_of(request: Request, keep: dict[str, str]) -> str:
    """The request's path with the non-empty parameters of `keep` (not `page`)."""
    query = urlencode([(k, v) for k, v in keep.items() if v])
    return request.url.path + (f"?{query}" if query else "")
