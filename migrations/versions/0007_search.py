"""search: a folded search column (no diacritics, no case) on organisations, instruments, service
requests, records and certificates, filled for every existing row; trigram indexes on PostgreSQL
(pg_trgm) and full-text trigram tables on SQLite (FTS5) to look words up inside it; indexes for
sorting instruments by serial number, records by work date and certificates by date of issue and
of expiry

The search text is computed by lims.models.search (the one folding function, lims.text_search.fold),
in batches of rows by id; docs/search.md gives the time it takes on a large database.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 02:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SEARCHED = ('organisation', 'instrument', 'service_request', 'record', 'certificate')
#: Tables big enough for an index of the search text's trigrams (organisations are few: scanned).
TRIGRAM = ('instrument', 'service_request', 'record', 'certificate')
SORT_INDEXES = (('instrument', 'serial_number'), ('record', 'work_date'), ('certificate', 'issue_date'),
                ('certificate', 'valid_until'))


def upgrade() -> None:
    from lims.models.search import refresh_all

    for table in SEARCHED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    for table, col in SORT_INDEXES:
        op.create_index(f'ix_{table}_{col}', table, [col], unique=False)
    conn = op.get_bind()
    for table in SEARCHED:
        refresh_all(conn, table)
    if conn.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for table in TRIGRAM:
            op.execute(f'CREATE INDEX ix_trgm_{table}_search_text ON {table} USING gin (search_text gin_trgm_ops)')
            op.execute(f'ANALYZE {table}')
    elif conn.dialect.name == 'sqlite':
        from lims.models.search_sqlite import create_fts

        for table in TRIGRAM:
            create_fts(conn, table)
        for table, col in SORT_INDEXES:
            # the planner's figures for the new indexes only: analysing whole tables would also give it
            # figures for indexes of mostly NULL columns (certificate.supersedes_id), which it then skips
            op.execute(f'ANALYZE ix_{table}_{col}')


def downgrade() -> None:
    conn = op.get_bind()
    for table in TRIGRAM:
        if conn.dialect.name == 'postgresql':
            op.execute(f'DROP INDEX IF EXISTS ix_trgm_{table}_search_text')
        elif conn.dialect.name == 'sqlite':
            from lims.models.search_sqlite import drop_fts

            drop_fts(conn, table)
    for table, col in SORT_INDEXES:
        op.drop_index(f'ix_{table}_{col}', table_name=table)
    for table in SEARCHED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search_text')
