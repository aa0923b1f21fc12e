"""reminders mailed to businesses (reminder_sent): once per instrument, due date and kind

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:30:00
"""
import sqlalchemy as sa
from alembic import op

import lims.models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reminder_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('recipient', sa.String(length=1000), nullable=False),
        sa.Column('sent_at', lims.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('before_due', 'overdue')", name=op.f('ck_reminder_sent_kind_known')),
        sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'],
                                name=op.f('fk_reminder_sent_instrument_id_instrument')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
        sa.UniqueConstraint('instrument_id', 'due_date', 'kind',
                            name=op.f('uq_reminder_sent_instrument_id_due_date_kind')),
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_instrument_id'), ['instrument_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_instrument_id'))
    op.drop_table('reminder_sent')
