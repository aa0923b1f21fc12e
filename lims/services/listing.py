"""Lists that find anything fast: search words, whitelisted sorting, paging with a total.

Every list (instruments, organisations, service requests, records, certificates) builds its query
with its filters and visibility, then asks here to:

* :func:`matching` — keep the rows whose ``search_text`` holds every folded word of the search box
  (:func:`lims.text_search.words`) by ``LIKE '%word%'``. The most telling word (digits, length) is
  looked up in an index — PostgreSQL's pg_trgm GIN index, SQLite's FTS5 trigram table
  (:mod:`lims.models.search_sqlite`) when it matches few enough rows — and the others are checked on
  the rows found; a common word is matched while scanning in the list's order (a page of it is
  found at once);
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
#: SQLite: a key word matching more rows than this is found by scanning, not through the FTS5 index.
FTS_CANDIDATES = 5_000


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
    """``q`` keeping the rows of ``model`` whose search text holds every word of ``search``.

    One word, the most telling (:func:`_key_word`), is looked up in the index; the others are checked
    on the rows it finds. Handing the index every word makes it intersect the long lists of common
    trigrams ("doanh", "nghiep": nearly every row), 40 times slower on a million records than
    checking them on the few rows of the key word.
    """
    found = words(search)
    if not found:
        return q
    key = _key_word(found)
    text_col = model.search_text
    others = [w for w in found if w != key]
    if session.get_bind().dialect.name == "sqlite":
        ids = _fts_candidates(session, model.__tablename__, key) if model.__tablename__ in _FTS else None
        if ids is None:
            others = found
        else:
            q = q.where(model.id.in_(ids))
    elif key is not None:
        q = q.where(text_col.like(_like(key), escape="\\"))
        text_col = text_col.concat("")  # an expression no index serves: checked on the rows found
    else:
        others = found
    if others:
        q = q.where(and_(*[text_col.like(_like(w), escape="\\") for w in others]))
    return q


def _key_word(found: list[str]) -> str | None:
    """The word likely to match fewest rows among those an index can look up (three letters or more):
    one with digits first (a number, a tax code), then the longest; None when all are shorter."""
    usable = [w for w in found if len(w) >= MIN_WORD]
    return max(usable, key=lambda w: (any(c.isdigit() for c in w), len(w))) if usable else None


def _fts_candidates(session: Session, table_name: str, key: str | None) -> Select | None:
    """SQLite: the rowids whose search text holds ``key``, from the FTS5 trigram index, when it matches
    at most :data:`FTS_CANDIDATES` rows; else None (scanning the table in the list's order finds a page
    of a common word sooner than the index lists them all)."""
    if key is None:
        return None
    fts = fts_name(table_name)
    phrase = '"' + key.replace('"', '""') + '"'
    probe = text(f"SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH :m LIMIT {FTS_CANDIDATES + 1})")
    if (session.scalar(probe, {"m": phrase}) or 0) > FTS_CANDIDATES:
        return None
    return (select(column("rowid")).select_from(table(fts))
            .where(text(f"{fts} MATCH :fts_match").bindparams(fts_match=phrase)))


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
    match in all, counted up to :data:`COUNT_CAP` + 1 — no count at all when the page tells: a page
    that is not full ends the list; a row beyond a page that reaches past the cap means "more"."""
    fetched = list(session.scalars(q.limit(limit + 1).offset(offset)))
    rows, more = fetched[:limit], len(fetched) > limit
    if not more and (rows or offset == 0):
        return Page(rows, offset + len(rows), False, offset, limit)
    if more and offset + limit >= COUNT_CAP:
        return Page(rows, COUNT_CAP, True, offset, limit)
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
