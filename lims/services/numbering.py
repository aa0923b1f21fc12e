"""Gap-free numbers: certificates per year and kind, service requests and records per year.

``next_value`` increments a counter row inside the caller's transaction with
``UPDATE ... RETURNING``: the row stays locked until that transaction ends, so concurrent
issuers (several gunicorn workers or hosts on PostgreSQL) are serialised, each gets a
different number, and a rolled-back issue gives its number back (no gaps).

The audit chain's lock is taken first (:func:`lims.services.audit.lock_chain`): whoever takes a
number also appends an audit event, and taking the two locks in the other order than a
transaction that appended its event first would deadlock on PostgreSQL (docs/reliability.md,
"Lock order").
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lims.models import NumberSequence
from lims.services import audit


def next_value(session: Session, name: str, year: int) -> int:
    audit.lock_chain(session)  # the lock order: the audit chain first, then the counter row
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberSequence)
        .values(name=name, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["name", "year"])
    )
    value = session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == name, NumberSequence.year == year)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    ).scalar_one()
    return int(value)


def reserve_up_to(session: Session, name: str, year: int, value: int) -> None:
    """Let the counter ``name`` of ``year`` go on after ``value`` (never back): a certificate the
    lab issued before this system, brought in with a number of this system's form, keeps it."""
    audit.lock_chain(session)  # the same lock order as next_value
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberSequence)
        .values(name=name, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["name", "year"])
    )
    session.execute(
        update(NumberSequence)
        .where(NumberSequence.name == name, NumberSequence.year == year, NumberSequence.last_value < value)
        .values(last_value=value)
    )


def format_number(pattern: str, *, year: int, seq: int, kind: str = "", prefix: str = "") -> str:
    """Fill a pattern such as ``{year}-{kind}-{seq:06d}``; kind is shortened to KĐ/HC/TN codes."""
    short = {"verification": "KD", "calibration": "HC", "test": "TN"}.get(kind, kind.upper()[:3])
    return pattern.format(year=year, seq=seq, kind=short, prefix=prefix)
