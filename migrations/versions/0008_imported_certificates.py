"""certificates brought in from the lab's earlier records: ``origin`` ("issued" by this system
or "imported"); an imported certificate has no record and no number of this system's sequence,
so ``record_id`` and ``seq`` may be empty — only for an imported one (a check says so)

Every existing certificate was issued by this system: ``origin`` starts as "issued".

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _certificate_search_index(make: bool) -> None:
    """On SQLite the batch below copies the table into a new one, which drops the triggers keeping
    its search index (migration 0007) in step: the index is dropped first and made again after."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    from lims.models.search_sqlite import create_fts, drop_fts

    (create_fts if make else drop_fts)(conn, "certificate")


def upgrade() -> None:
    _certificate_search_index(False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=10), server_default='issued', nullable=False))
        batch_op.alter_column('record_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint(op.f('ck_certificate_origin_known'), "origin IN ('issued', 'imported')")
        batch_op.create_check_constraint(
            op.f('ck_certificate_issued_has_record'),
            "origin = 'imported' OR (record_id IS NOT NULL AND seq IS NOT NULL)")
    _certificate_search_index(True)


def downgrade() -> None:
    # Imported certificates have no record: they cannot be kept by the earlier schema.
    op.execute("DELETE FROM certificate WHERE origin = 'imported'")
    _certificate_search_index(False)
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_issued_has_record'), type_='check')
        batch_op.drop_constraint(op.f('ck_certificate_origin_known'), type_='check')
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('record_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('origin')
    _certificate_search_index(True)
