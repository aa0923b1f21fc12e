"""Lists that find anything fast: search words, whitelisted sorting, paging with a total.

Every list (instruments, organisations, service requests, records, certificates) builds its query
with its filters and visibility, then asks here to:

* :func:`matching` — keep the rows whose ``search_text`` holds every folded word of the search box
  (:func:`lims.text_search.words`). PostgreSQL: ``LIKE '%word%'``, served by the pg_trgm GIN index;
  SQLite: a word of three letters or more is looked up in the table's FTS5 trigram index
  (:mod:`lims.models.search_sqlite`), a shorter one matched by ``LIKE``;
* :func:`ordered` — sort by one of the list's keys (``"name"``, ``"-name"`` for descending), the id
  as the tiebreak, so paging never shows a row twice; an unknown key is refused naming ``sort``;
* :func:`page` — one page of rows and the total, counted up to :data:`COUNT_CAP` (counting every
  match of a common word among a million rows is the slow part; beyond the cap the list says
  "more than 10 000").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, column, func, select, table, text
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _
from lims.models.search_sqlite import fts_name
from lims.text_search import MIN_WORD, words

__all__ = ["COUNT_CAP", "Page", "check_choice", "check_range", "matching", "ordered", "page"]

T = TypeVar("T")
#: Totals are counted exactly up to this many rows; beyond it a list says "more than" this.
COUNT_CAP = 10_000
#: The tables with an FTS5 trigram index on SQLite (organisations are few: scanned).
_FTS = ("instrument", "service_request", "record", "certificate")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its rows, where it starts, and how many rows match in all (``total``
    is exact unless ``capped``: then at least :data:`COUNT_CAP` + 1 match)."""

    rows: list[T]
    total: int
    capped: bool
    offset: int
    limit: int


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(session: Session, q: Select, model: Any, search: str | None) -> Select:
    """``q`` keeping the rows of ``model`` whose search text holds every word of ``search``."""
    found = words(search)
    if not found:
        return q
    name = model.__tablename__
    sqlite = session.get_bind().dialect.name == "sqlite"
    long = [w for w in found if len(w) >= MIN_WORD] if sqlite and name in _FTS else []
    if long:
        fts = fts_name(name)
        phrase = " AND ".join('"' + w.replace('"', '""') + '"' for w in long)
        ids = (select(column("rowid")).select_from(table(fts))
               .where(text(f"{fts} MATCH :fts_match").bindparams(fts_match=phrase)))
        q = q.where(model.id.in_(ids))
    short = [w for w in found if w not in long]
    if short:
        q = q.where(and_(*[model.search_text.like(_like(w), escape="\\") for w in short]))
    return q


def ordered(q: Select, model: Any, keys: Mapping[str, Any], sort: str | None, default: str) -> Select:
    """``q`` sorted by ``sort`` — a key of ``keys``, ``-`` in front for descending — then by id in
    the same direction; ``default`` when ``sort`` is empty. An unknown key: ValidationError on ``sort``."""
    sort = sort or default
    key = sort.removeprefix("-")
    if key not in keys:
        choices = ", ".join(sorted(keys) + sorted(f"-{k}" for k in keys))
        message = _("Must be one of: %(choices)s.", choices=choices)
        raise ValidationError(f"sort: {message}", field="sort", errors={"sort": message})
    desc = sort.startswith("-")
    col = keys[key]
    tie = model.id.desc() if desc else model.id.asc()
    if col is model.id:
        return q.order_by(tie)
    return q.order_by(col.desc() if desc else col.asc(), tie)


def page(session: Session, q: Select, model: Any, *, limit: int, offset: int) -> Page:
    """The rows of ``q`` (which selects ``model``) from ``offset``, at most ``limit``, and how many
    match in all, counted up to :data:`COUNT_CAP` + 1."""
    rows = list(session.scalars(q.limit(limit).offset(offset)))
    if offset == 0 and len(rows) < limit:
        return Page(rows, len(rows), False, offset, limit)  # all of them: no count needed
    inner = q.order_by(None).with_only_columns(model.id).limit(COUNT_CAP + 1)
    n = session.scalar(select(func.count()).select_from(inner.subquery())) or 0
    return Page(rows, min(n, COUNT_CAP), n > COUNT_CAP, offset, limit)


def check_choice(name: str, value: str | None, choices: tuple[str, ...] | list[str]) -> str | None:
    """``value`` if it is one of ``choices`` (None when empty); else ValidationError naming ``name``."""
    if value in (None, ""):
        return None
    if value not in choices:
        message = _("Must be one of: %(choices)s.", choices=", ".join(choices))
        raise ValidationError(f"{name}: {message}", field=name, errors={name: message})
    return value


def check_range(low_name: str, low: date | None, high_name: str, high: date | None) -> None:
    """Refuse a date range whose start comes after its end (naming the end)."""
    if low is not None and high is not None and high < low:
        message = _("The end of the period comes before its start.")
        raise ValidationError(f"{high_name}: {message}", field=high_name, errors={high_name: message})
