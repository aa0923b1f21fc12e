"""scales (e, d, supports, tare, year, pattern approval), standards' calibration data, DCC as issued

Existing scales get e = d (OIML R76-1 T.3.2.5: when nothing else is known the verification scale
interval equals the actual one); every other new column starts empty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 19:13:02
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dcc_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('dcc_path', sa.String(length=255), nullable=True))

    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scale_interval', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('load_supports', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_tare', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('year_of_manufacture', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pattern_approval', sa.String(length=80), nullable=False, server_default=''))
        batch_op.create_check_constraint('scale_interval_positive', 'scale_interval IS NULL OR scale_interval > 0')
        batch_op.create_check_constraint('load_supports_positive', 'load_supports IS NULL OR load_supports > 0')
        batch_op.create_check_constraint('max_tare_nonnegative', 'max_tare IS NULL OR max_tare >= 0')

    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_date_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('checks', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('record_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_load', sa.Float(), nullable=True))

    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_address', sa.String(length=255), nullable=False, server_default=''))

    with op.batch_alter_table('standard_calibration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=False, server_default='{}'))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_title', sa.String(length=120), nullable=False, server_default=''))

    # e = d for the scales already registered (instrument types measuring mass).
    op.execute(
        "UPDATE instrument SET scale_interval = resolution WHERE resolution IS NOT NULL AND type_id IN "
        "(SELECT id FROM instrument_type WHERE quantity = 'mass')"
    )

    # The defaults were only for the rows already there; the models give the values from now on.
    for table, column in (('instrument', 'pattern_approval'), ('record', 'work_date_reason'), ('record', 'checks'),
                          ('service_request', 'site_address'), ('standard_calibration', 'data'),
                          ('user_account', 'job_title')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('job_title')
    with op.batch_alter_table('standard_calibration', schema=None) as batch_op:
        batch_op.drop_column('data')
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_column('site_address')
    with op.batch_alter_table('record_point', schema=None) as batch_op:
        batch_op.drop_column('added_load')
    with op.batch_alter_table('record', schema=None) as batch_op:
        batch_op.drop_column('checks')
        batch_op.drop_column('work_date_reason')
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_constraint('max_tare_nonnegative', type_='check')
        batch_op.drop_constraint('load_supports_positive', type_='check')
        batch_op.drop_constraint('scale_interval_positive', type_='check')
        batch_op.drop_column('pattern_approval')
        batch_op.drop_column('year_of_manufacture')
        batch_op.drop_column('max_tare')
        batch_op.drop_column('load_supports')
        batch_op.drop_column('scale_interval')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('dcc_path')
        batch_op.drop_column('dcc_sha256')
