"""catalogue entries that can be corrected and withdrawn: version_id (optimistic locking) on
organisations, instrument types, reference standards and users; ``active`` on organisations and
instrument types (withdrawn from new work, never deleted while records refer to them)

Every existing row starts at version 1 and active.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

VERSIONED = ('organisation', 'instrument_type', 'reference_standard', 'user_account')
WITHDRAWABLE = ('organisation', 'instrument_type')


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version_id', sa.Integer(), server_default='1', nullable=False))
            if table in WITHDRAWABLE:
                batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in WITHDRAWABLE:
                batch_op.drop_column('active')
            batch_op.drop_column('version_id')
