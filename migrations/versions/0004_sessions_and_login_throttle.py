"""sessions that can be ended (user_account.session_version), failed sign-ins counted in the database

Existing users start at session version 0, which their current sessions carry implicitly (a
session cookie without a version counts as 0), so nobody is signed out by the upgrade itself.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 22:01:48
"""
import sqlalchemy as sa
from alembic import op

import lims.models.base

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=320), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_failure_at', lims.models.base.UTCDateTime(), nullable=False),
        sa.Column('last_failure_at', lims.models.base.UTCDateTime(), nullable=False),
        sa.Column('blocked_until', lims.models.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_throttle')),
        sa.UniqueConstraint('scope', 'key', name=op.f('uq_login_throttle_scope_key')),
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
    op.drop_table('login_throttle')
