"""The search columns: what each list's search box matches, and how it is kept up to date.

Each searched table (organisations, instruments, service requests, records, certificates) has a
``search_text`` column: the folded text (:func:`lims.text_search.fold`) of its own fields and of
fields it copies from related rows (an instrument carries its owner's name and its type's names; a
record its instrument's serial number and owner's name; a certificate the same and its customer's).

Upkeep runs from one place, :func:`refresh`, which recomputes the text of the rows a change touches,
related rows included. It is called:

* after every ORM flush (a listener on every :class:`~sqlalchemy.orm.Session`): rows inserted, and
  rows whose searched fields changed, with the rows that copy from them — an organisation renamed
  refreshes its instruments, requests, records and certificates. A service that changes these
  tables through the ORM needs to do nothing more;
* by hand, ``refresh(connection, "organisation", ids)``, by code that changes rows with Core
  statements (bulk imports, the bench seeder), and by migration 0007 for every row.

The refresh is a Core ``UPDATE`` of ``search_text`` alone: it bumps no ``version_id`` (an owner
renamed is no edit of its instruments: nobody's open form goes stale) and is no change of an
approved record (the immutability guard watches the ORM's updates).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Integer, Select, Text, bindparam, column, event, or_, select, update, values
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm import attributes as orm_attributes
from sqlalchemy.orm.attributes import set_committed_value

from lims.models.catalog import Instrument, InstrumentType, Procedure
from lims.models.org import Organisation
from lims.models.work import Certificate, Record, ServiceRequest
from lims.text_search import joined

__all__ = ["SEARCHED", "refresh", "refresh_all", "source"]

BATCH = 2_000

#: The tables with a search column, by name, and their models.
SEARCHED: dict[str, Any] = {"organisation": Organisation, "instrument": Instrument,
                            "service_request": ServiceRequest, "record": Record, "certificate": Certificate}

#: The fields whose change refreshes a row (and the rows that copy from it), by model.
_WATCHED: dict[type, tuple[str, ...]] = {
    Organisation: ("name", "tax_code", "address", "phone", "email"),
    InstrumentType: ("code", "name_vi", "name_en"),
    Instrument: ("serial_number", "manufacturer", "model", "location", "accuracy_class", "pattern_approval",
                 "owner_id", "type_id"),
    ServiceRequest: ("number", "customer_id", "site_address", "notes"),
    Record: ("number", "instrument_id", "procedure_id"),
    Certificate: ("number", "stamp_number", "instrument_id", "customer_id"),
}


def source(table: str) -> Select:
    """``SELECT id, field, field, …`` of the fields whose folded text is ``table``'s search text."""
    owner = aliased(Organisation)
    if table == "organisation":
        o = Organisation
        return select(o.id, o.name, o.tax_code, o.address, o.phone, o.email)
    if table == "instrument":
        i, t = Instrument, InstrumentType
        return (select(i.id, i.serial_number, i.manufacturer, i.model, i.location, i.accuracy_class,
                       i.pattern_approval, owner.name, owner.tax_code, t.code, t.name_vi, t.name_en)
                .join(owner, owner.id == i.owner_id).join(t, t.id == i.type_id))
    if table == "service_request":
        r = ServiceRequest
        return (select(r.id, r.number, owner.name, owner.tax_code, r.site_address, r.notes)
                .join(owner, owner.id == r.customer_id))
    if table == "record":
        rec, i, p = Record, Instrument, Procedure
        return (select(rec.id, rec.number, i.serial_number, i.manufacturer, i.model, owner.name, p.code)
                .join(i, i.id == rec.instrument_id).join(owner, owner.id == i.owner_id)
                .join(p, p.id == rec.procedure_id))
    if table == "certificate":
        c, i = Certificate, Instrument
        customer = aliased(Organisation)
        return (select(c.id, c.number, c.stamp_number, i.serial_number, customer.name, owner.name)
                .join(i, i.id == c.instrument_id).join(owner, owner.id == i.owner_id)
                .join(customer, customer.id == c.customer_id))
    raise KeyError(table)


def _write(conn: Connection, table: str, rows: list[tuple[int, str]]) -> None:
    """One ``UPDATE … FROM (VALUES …)`` setting the search text of ``rows`` (id, text); columns that
    change by themselves on update (a record's ``updated_at``) keep their values."""
    if not rows:
        return
    tbl = SEARCHED[table].__table__
    keep = {c.name: c for c in tbl.c if c.onupdate is not None}
    if conn.dialect.name == "sqlite":  # no column names on a VALUES list; many small updates are fast
        stmt = update(tbl).values(search_text=bindparam("s"), **keep).where(tbl.c.id == bindparam("i"))
        conn.execute(stmt, [{"i": i, "s": s} for i, s in rows])
        return
    data = values(column("id", Integer), column("s", Text), name="v").data(rows)
    conn.execute(update(tbl).values(search_text=data.c.s, **keep).where(tbl.c.id == data.c.id))


def _texts(conn: Connection, stmt: Select) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for row in conn.execute(stmt):
        batch.append((row[0], joined(*row[1:])))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _where(table: str, changed: dict[str, set[int]]) -> list[Any]:
    """Conditions picking the rows of ``table`` whose search text copies from a changed row."""
    model = SEARCHED[table]
    orgs, types = changed.get("organisation", set()), changed.get("instrument_type", set())
    insts = changed.get("instrument", set())
    own = changed.get(table, set())
    out: list[Any] = [model.id.in_(own)] if own else []
    owned = select(Instrument.id).where(Instrument.owner_id.in_(orgs))
    if table == "instrument":
        out += [Instrument.owner_id.in_(orgs)] if orgs else []
        out += [Instrument.type_id.in_(types)] if types else []
    elif table == "service_request" and orgs:
        out.append(ServiceRequest.customer_id.in_(orgs))
    elif table == "record":
        out += [Record.instrument_id.in_(insts)] if insts else []
        out += [Record.instrument_id.in_(owned)] if orgs else []
    elif table == "certificate":
        out += [Certificate.instrument_id.in_(insts)] if insts else []
        out += [Certificate.customer_id.in_(orgs), Certificate.instrument_id.in_(owned)] if orgs else []
    return out


def refresh(conn: Connection, table: str, ids: Iterable[int]) -> dict[str, dict[int, str]]:
    """Recompute the search text of the rows ``ids`` of ``table`` (``"organisation"``,
    ``"instrument_type"``, ``"instrument"``, ``"service_request"``, ``"record"``, ``"certificate"``)
    and of every row that copies text from them; the texts written, by table and id."""
    changed = {table: set(ids)}
    written: dict[str, dict[int, str]] = {}
    if not changed[table]:
        return written
    for name in SEARCHED:
        conditions = _where(name, changed)
        if conditions:
            for rows in _texts(conn, source(name).where(or_(*conditions))):
                _write(conn, name, rows)
                written.setdefault(name, {}).update(rows)
    return written


def refresh_all(conn: Connection, table: str, *, progress: Any = None) -> int:
    """Recompute the search text of every row of ``table``, in batches by id; how many rows."""
    model = SEARCHED[table]
    done, last = 0, 0
    while True:
        stmt = source(table).where(model.id > last).order_by(model.id).limit(BATCH * 5)
        rows = [(row[0], joined(*row[1:])) for row in conn.execute(stmt)]
        if not rows:
            return done
        for start in range(0, len(rows), BATCH):
            _write(conn, table, rows[start:start + BATCH])
        done += len(rows)
        last = rows[-1][0]
        if progress is not None:
            progress(len(rows))


# ---------------------------------------------------------------- upkeep after every flush


def _changed(obj: Any) -> bool:
    state = orm_attributes.instance_state(obj)
    return any(state.attrs[name].history.has_changes() for name in _WATCHED[type(obj)])


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    """Refresh the search text of what this flush inserted or changed (and what copies from it)."""
    touched: dict[str, set[int]] = {}
    for obj in list(session.new) + list(session.dirty):
        kind = type(obj)
        if kind in _WATCHED and (obj in session.new or _changed(obj)) and obj.id is not None:
            touched.setdefault(kind.__tablename__, set()).add(obj.id)
    if not touched:
        return
    conn = session.connection()
    written: dict[str, dict[int, str]] = {}
    for name in ("organisation", "instrument_type", "instrument", "service_request", "record", "certificate"):
        if name in touched:
            for table, texts in refresh(conn, name, touched[name]).items():
                written.setdefault(table, {}).update(texts)
    for obj in [*session.identity_map.values(), *session.new]:  # the loaded rows show what was written
        text = written.get(getattr(obj, "__tablename__", ""), {}).get(getattr(obj, "id", 0))
        if text is not None:
            set_committed_value(obj, "search_text", text)
