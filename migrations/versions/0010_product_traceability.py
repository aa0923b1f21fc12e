"""product traceability: businesses' places, products and batches, EPCIS 2.0 events (append-only,
with the batches each is about) and the captures they came in (docs/traceability.md)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 04:17:54.004975
"""
import sqlalchemy as sa
from alembic import op

import lims.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=False),
    sa.Column('name_vi', sa.String(length=255), nullable=False),
    sa.Column('name_en', sa.String(length=255), nullable=False),
    sa.Column('net_quantity', sa.Float(), nullable=True),
    sa.Column('net_unit', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('disclosure', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', lims.models.base.UTCDateTime(), nullable=False),
    sa.Column('version_id', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('net_quantity IS NULL OR net_quantity > 0', name=op.f('ck_product_net_quantity_positive')),
    sa.ForeignKeyConstraint(['owner_id'], ['organisation.id'], name=op.f('fk_product_owner_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('gtin', name=op.f('uq_product_gtin'))
    )
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_owner_id'), ['owner_id'], unique=False)

    op.create_table('trace_location',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('gln', sa.String(length=13), nullable=True),
    sa.Column('local_id', sa.String(length=80), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', lims.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['organisation.id'], name=op.f('fk_trace_location_owner_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_location')),
    sa.UniqueConstraint('gln', name=op.f('uq_trace_location_gln')),
    sa.UniqueConstraint('owner_id', 'local_id', name=op.f('uq_trace_location_owner_id_local_id')),
    sa.UniqueConstraint('owner_id', 'name', name=op.f('uq_trace_location_owner_id_name'))
    )
    with op.batch_alter_table('trace_location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_location_owner_id'), ['owner_id'], unique=False)

    op.create_table('batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lot', sa.String(length=20), nullable=False),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('quantity_unit', sa.String(length=32), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lims.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint('expiry_date IS NULL OR production_date IS NULL OR expiry_date >= production_date', name=op.f('ck_batch_expiry_after_production')),
    sa.CheckConstraint('quantity IS NULL OR quantity > 0', name=op.f('ck_batch_quantity_positive')),
    sa.ForeignKeyConstraint(['location_id'], ['trace_location.id'], name=op.f('fk_batch_location_id_trace_location')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_batch_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_batch')),
    sa.UniqueConstraint('product_id', 'lot', name=op.f('uq_batch_product_id_lot'))
    )
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_product_id'), ['product_id'], unique=False)

    op.create_table('trace_capture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('event_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('created_at', lims.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['organisation.id'], name=op.f('fk_trace_capture_owner_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_trace_capture_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_capture'))
    )
    with op.batch_alter_table('trace_capture', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_capture_owner_id'), ['owner_id'], unique=False)

    op.create_table('trace_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=True),
    sa.Column('biz_step', sa.String(length=255), nullable=True),
    sa.Column('disposition', sa.String(length=255), nullable=True),
    sa.Column('event_time', lims.models.base.UTCDateTime(), nullable=False),
    sa.Column('time_zone', sa.String(length=6), nullable=False),
    sa.Column('record_time', lims.models.base.UTCDateTime(), nullable=False),
    sa.Column('read_point', sa.String(length=255), nullable=True),
    sa.Column('biz_location', sa.String(length=255), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.Column('error_declared', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['capture_id'], ['trace_capture.id'], name=op.f('fk_trace_event_capture_id_trace_capture')),
    sa.ForeignKeyConstraint(['owner_id'], ['organisation.id'], name=op.f('fk_trace_event_owner_id_organisation')),
    sa.ForeignKeyConstraint(['record_id'], ['record.id'], name=op.f('fk_trace_event_record_id_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_event')),
    sa.UniqueConstraint('event_id', 'error_declared', name=op.f('uq_trace_event_event_id_error_declared'))
    )
    with op.batch_alter_table('trace_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trace_event_biz_location'), ['biz_location'], unique=False)
        batch_op.create_index('ix_trace_event_biz_step_time', ['biz_step', 'event_time'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_capture_id'), ['capture_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_event_time'), ['event_time'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_record_id'), ['record_id'], unique=False)

    op.create_table('trace_event_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_row_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('uom', sa.String(length=3), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['batch.id'], name=op.f('fk_trace_event_batch_batch_id_batch')),
    sa.ForeignKeyConstraint(['event_row_id'], ['trace_event.id'], name=op.f('fk_trace_event_batch_event_row_id_trace_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trace_event_batch'))
    )
    with op.batch_alter_table('trace_event_batch', schema=None) as batch_op:
        batch_op.create_index('ix_trace_event_batch_batch_event', ['batch_id', 'event_row_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_trace_event_batch_event_row_id'), ['event_row_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('trace_event_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_event_batch_event_row_id'))
        batch_op.drop_index('ix_trace_event_batch_batch_event')

    op.drop_table('trace_event_batch')
    with op.batch_alter_table('trace_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_event_record_id'))
        batch_op.drop_index(batch_op.f('ix_trace_event_owner_id'))
        batch_op.drop_index(batch_op.f('ix_trace_event_event_time'))
        batch_op.drop_index(batch_op.f('ix_trace_event_event_id'))
        batch_op.drop_index(batch_op.f('ix_trace_event_capture_id'))
        batch_op.drop_index('ix_trace_event_biz_step_time')
        batch_op.drop_index(batch_op.f('ix_trace_event_biz_location'))

    op.drop_table('trace_event')
    with op.batch_alter_table('trace_capture', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_capture_owner_id'))

    op.drop_table('trace_capture')
    with op.batch_alter_table('batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batch_product_id'))

    op.drop_table('batch')
    with op.batch_alter_table('trace_location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trace_location_owner_id'))

    op.drop_table('trace_location')
    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_owner_id'))

    op.drop_table('product')
