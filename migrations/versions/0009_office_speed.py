"""the office dashboard's summaries: approved records per day, instrument type and technician
(office_day); first certificates per issue day, type and turnaround (office_turnaround); each
instrument's overdue spans (overdue_span); an index on record.created_at for the records opened

The summaries are filled from the existing rows here; afterwards the services keep them (approval,
issue, amendment, revocation). The SQL and the span rule are copied from
lims/services/office_summary.py as of this revision, so that this migration stays what it was.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 02:00:00
"""
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OPEN_END = date(9999, 12, 31)

DAY_OF = {"postgresql": "CAST({} AS DATE)", "sqlite": "date({})"}
DAYS_BETWEEN = {"postgresql": "({} - {})", "sqlite": "CAST(julianday({}) - julianday({}) AS INTEGER)"}


def _spans(certificates):
    """The overdue spans of one instrument (lims.services.office_summary.overdue_spans)."""
    latest_of_day = {}
    for issued, until in certificates:
        if until is not None:
            latest_of_day[issued] = max(until, latest_of_day.get(issued, until))
    days = sorted(latest_of_day)
    spans = []
    in_force = None
    for k, issued in enumerate(days):
        until = latest_of_day[issued]
        in_force = until if in_force is None else max(in_force, until)
        start = max(issued, in_force + timedelta(days=1)) if in_force < date.max else date.max
        end = days[k + 1] - timedelta(days=1) if k + 1 < len(days) else OPEN_END
        if start <= end:
            spans.append((start, end))
    return spans


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _fill(conn) -> None:
    dialect = conn.dialect.name
    day_of = DAY_OF.get(dialect, DAY_OF["sqlite"])
    between = DAYS_BETWEEN.get(dialect, DAYS_BETWEEN["sqlite"])
    conn.execute(sa.text(
        "INSERT INTO office_day (day, type_id, technician_id, approved, verifications, passed) "
        f"SELECT {day_of.format('r.approved_at')}, i.type_id, r.technician_id, count(*), "
        "sum(CASE WHEN r.kind = 'verification' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN r.kind = 'verification' AND r.verdict = 'pass' THEN 1 ELSE 0 END) "
        "FROM record r JOIN instrument i ON i.id = r.instrument_id "
        "WHERE r.status = 'approved' AND r.approved_at IS NOT NULL "
        f"GROUP BY {day_of.format('r.approved_at')}, i.type_id, r.technician_id"))
    start = f"coalesce(q.received_date, {day_of.format('q.created_at')})"
    days = between.format("c.issue_date", start)
    conn.execute(sa.text(
        "INSERT INTO office_turnaround (day, type_id, days, certificates) "
        f"SELECT c.issue_date, i.type_id, {days}, count(*) "
        "FROM certificate c JOIN record r ON r.id = c.record_id JOIN instrument i ON i.id = r.instrument_id "
        "JOIN service_request_item it ON it.id = r.request_item_id JOIN service_request q ON q.id = it.request_id "
        f"WHERE c.supersedes_id IS NULL GROUP BY c.issue_date, i.type_id, {days}"))
    span = sa.table("overdue_span", sa.column("instrument_id"), sa.column("start_day", sa.Date),
                    sa.column("end_day", sa.Date))
    result = conn.execute(sa.text(
        "SELECT instrument_id, issue_date, valid_until FROM certificate "
        "WHERE status <> 'revoked' AND valid_until IS NOT NULL ORDER BY instrument_id"
    ).execution_options(stream_results=True))
    rows = []
    current, certs = None, []
    for part in result.partitions(20000):
        for instrument_id, issued, until in part:
            if instrument_id != current:
                if current is not None:
                    rows.extend({"instrument_id": current, "start_day": s, "end_day": e} for s, e in _spans(certs))
                current, certs = instrument_id, []
            certs.append((_as_date(issued), _as_date(until)))
        if len(rows) >= 20000:
            conn.execute(span.insert(), rows)
            rows = []
    if current is not None:
        rows.extend({"instrument_id": current, "start_day": s, "end_day": e} for s, e in _spans(certs))
    # Instruments without a dated certificate: the due date they were registered with, in force from
    # the day they were registered (lims.services.office_summary.registered_due).
    registered = conn.execute(sa.text(
        f"SELECT id, {day_of.format('created_at')}, next_due FROM instrument WHERE next_due IS NOT NULL "
        "AND id NOT IN (SELECT instrument_id FROM certificate WHERE status <> 'revoked' AND valid_until IS NOT NULL)"))
    for instrument_id, created_day, next_due in registered:
        rows.extend({"instrument_id": instrument_id, "start_day": s, "end_day": e}
                    for s, e in _spans([(_as_date(created_day), _as_date(next_due))]))
    if rows:
        conn.execute(span.insert(), rows)


def upgrade() -> None:
    op.create_table(
        'office_day',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('type_id', sa.Integer(), nullable=False),
        sa.Column('technician_id', sa.Integer(), nullable=False),
        sa.Column('approved', sa.Integer(), nullable=False),
        sa.Column('verifications', sa.Integer(), nullable=False),
        sa.Column('passed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['technician_id'], ['user_account.id'],
                                name=op.f('fk_office_day_technician_id_user_account')),
        sa.ForeignKeyConstraint(['type_id'], ['instrument_type.id'],
                                name=op.f('fk_office_day_type_id_instrument_type')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_day')),
        sa.UniqueConstraint('day', 'type_id', 'technician_id', name=op.f('uq_office_day_day_type_id_technician_id')),
    )
    op.create_table(
        'office_turnaround',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('type_id', sa.Integer(), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('certificates', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['type_id'], ['instrument_type.id'],
                                name=op.f('fk_office_turnaround_type_id_instrument_type')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_office_turnaround')),
        sa.UniqueConstraint('day', 'type_id', 'days', name=op.f('uq_office_turnaround_day_type_id_days')),
    )
    op.create_table(
        'overdue_span',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('start_day', sa.Date(), nullable=False),
        sa.Column('end_day', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'],
                                name=op.f('fk_overdue_span_instrument_id_instrument')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_overdue_span')),
    )
    with op.batch_alter_table('overdue_span', schema=None) as batch_op:
        batch_op.create_index('ix_overdue_span_end_start', ['end_day', 'start_day'], unique=False)
        batch_op.create_index(batch_op.f('ix_overdue_span_instrument_id'), ['instrument_id'], unique=False)
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.create_index('ix_record_created_instrument', ['created_at', 'instrument_id'], unique=False)
    _fill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_index('ix_record_created_instrument')
    with op.batch_alter_table('overdue_span', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_overdue_span_instrument_id'))
        batch_op.drop_index('ix_overdue_span_end_start')
    op.drop_table('overdue_span')
    op.drop_table('office_turnaround')
    op.drop_table('office_day')
