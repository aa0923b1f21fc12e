"""The query string of a searchable list, read alike by pages and the API, and the pager pages draw.

Parameters every list takes: ``q`` (the search text), ``sort`` (a key of the list, ``-`` in front for
descending), and paging — ``page`` and ``per_page`` on pages, ``limit`` and ``offset`` in the API
(which answers the total in the ``X-Total-Count`` header: see :func:`total_headers`). A bad value
is refused (422) naming the parameter.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import request, url_for

from lims.errors import ValidationError
from lims.i18n import _
from lims.services.listing import COUNT_CAP, Page
from lims.services.validation import DB_INT_MAX
from lims.web.filters import fmt_number
from lims.web.query import query_int

__all__ = ["API_LIMIT", "MAX_Q", "PER_PAGE", "Pager", "api_paging", "page_paging", "query_date", "query_text",
           "total_headers", "TOTAL_HEADERS_DOC"]

PER_PAGE = 50
MAX_PER_PAGE = 200
API_LIMIT, API_MAX_LIMIT = 200, 1000
#: The longest search text accepted.
MAX_Q = 200


def _refuse(name: str, message: str) -> ValidationError:
    return ValidationError(f"{name}: {message}", field=name, errors={name: message})


def query_text(name: str = "q") -> str | None:
    """The text of ``name`` trimmed (None when empty); longer than :data:`MAX_Q` is refused."""
    value = (request.args.get(name) or "").strip()
    if len(value) > MAX_Q:
        raise _refuse(name, _("At most %(n)s characters.", n=MAX_Q))
    return value or None


def query_date(name: str) -> date | None:
    """The date of ``name`` (YYYY-MM-DD), None when absent; anything else is refused naming it."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _refuse(name, _("%(value)s is not a date (YYYY-MM-DD).", value=repr(raw))) from None


def page_paging() -> tuple[int, int, int]:
    """(page number, per page, offset) of a page's query string."""
    per_page = query_int("per_page", PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    number = query_int("page", 1, minimum=1, maximum=DB_INT_MAX // per_page)
    return number, per_page, (number - 1) * per_page


def api_paging(default: int = API_LIMIT) -> dict[str, int]:
    """``limit`` (``default`` when absent, at most 1000) and ``offset`` of an API list."""
    return {"limit": query_int("limit", default, maximum=API_MAX_LIMIT), "offset": query_int("offset", 0)}


def total_headers(found: Page) -> dict[str, str]:
    """The API's total: ``X-Total-Count`` (exact up to 10 000) and, when more rows match,
    ``X-Total-Count-Capped: true`` with ``X-Total-Count`` 10 000."""
    headers = {"X-Total-Count": str(found.total)}
    if found.capped:
        headers["X-Total-Count-Capped"] = "true"
    return headers


#: The response headers of every list, for the OpenAPI document (``@bp.response(..., headers=...)``).
TOTAL_HEADERS_DOC = {
    "X-Total-Count": {"description": f"how many rows match in all (counted up to {COUNT_CAP:,}; "
                                     "page through them with limit and offset)",
                      "schema": {"type": "integer"}},
    "X-Total-Count-Capped": {"description": f"\"true\" when more than {COUNT_CAP:,} rows match "
                                            f"(X-Total-Count is then {COUNT_CAP:,})",
                             "schema": {"type": "string", "enum": ["true"]}},
}


@dataclass(frozen=True)
class Pager:
    """What a list page shows around its rows: "1–50 of 12 345", page links and sort links, every
    link keeping the filters of the current query string."""

    found: Page
    number: int
    per_page: int
    sort: str

    @property
    def first(self) -> int:
        return self.found.offset + 1 if self.found.rows else 0

    @property
    def last(self) -> int:
        return self.found.offset + len(self.found.rows)

    @property
    def pages(self) -> int | None:
        """How many pages (None when the total is capped: not known)."""
        return None if self.found.capped else max(1, -(-self.found.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.found.capped or self.last < self.found.total

    def url(self, **changes: Any) -> str:
        args: dict[str, Any] = {k: v for k, v in request.args.items() if v != ""}
        args.update(changes)
        args = {k: v for k, v in args.items() if v not in (None, "")}
        return url_for(request.endpoint or "", **(request.view_args or {}), **args)

    def page_url(self, number: int) -> str:
        return self.url(page=number if number > 1 else None)

    def sort_url(self, key: str) -> str:
        """The list sorted by ``key``; again, the other way round."""
        return self.url(sort=f"-{key}" if self.sort == key else key, page=None)

    def sorted_by(self, key: str) -> str:
        """"ascending", "descending" or "" for ``key`` (the header's aria-sort)."""
        return "ascending" if self.sort == key else "descending" if self.sort == f"-{key}" else ""

    def links(self) -> list[int | None]:
        """Page numbers to link (None for a gap): the first, the last and two either side of this one."""
        last = self.pages or self.number + (1 if self.has_next else 0)
        shown = sorted({1, last, *range(max(1, self.number - 2), min(last, self.number + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1] > 1:  # type: ignore[operator]
                out.append(None)
            out.append(n)
        return out

    def summary(self) -> str:
        """"1–50 of 12 345", "1–50 of more than 10 000" or "no rows"."""
        if not self.found.rows:
            return _("Nothing found.")
        if self.found.capped:
            return _("%(first)s–%(last)s of more than %(total)s", first=fmt_number(self.first),
                     last=fmt_number(self.last), total=fmt_number(COUNT_CAP))
        return _("%(first)s–%(last)s of %(total)s", first=fmt_number(self.first), last=fmt_number(self.last),
                 total=fmt_number(self.found.total))


def pager(found: Page, number: int, per_page: int, sort: str | None, default: str) -> Pager:
    return Pager(found, number, per_page, sort or default)
