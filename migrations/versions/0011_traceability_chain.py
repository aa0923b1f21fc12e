"""the traceability chain as data: calibration labs (organisation kind ``calibration_lab``, with
``accreditation`` and ``national_institute``), national standards, and each calibration of a
reference standard linked to its calibrating lab (``lab_id``) and its upstream: a national standard
(``national_standard_id``) or an internal calibration record (``record_id``); a reference standard
may be one of the lab's instruments (``instrument_id``)

The free-text ``standard_calibration.calibrated_by`` is moved into organisations, then dropped:
each distinct text (trimmed) becomes the organisation of that name — one that exists already
(its name equal to the text without regard to case, diacritics or spacing) is reused as it is,
else a new one of kind ``calibration_lab`` is made. A new one is a national metrology institute
when its name names the Vietnam Metrology Institute ("VMI" as a word, or "Viện Đo lường" /
"Vien Do luong"); its accreditation is a VILAS number found in the text ("VILAS 003"), else empty.
No calibration gets an upstream here: the lab enters them (until then its chains show as broken).

Self-contained: the folding of names (lims.text_search.fold, for the search column and the match)
is copied here as of this revision.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 05:00:00
"""
import re
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_LETTERS = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "ı": "i"})
_SPACES = re.compile(r"\s+")
_NATIONAL = re.compile(r"\bvmi\b|vien do luong")
_VILAS = re.compile(r"\bVILAS\s*[-:]?\s*(\d+)", re.IGNORECASE)


def _fold(text):
    """lims.text_search.fold as of this revision: lower case, no diacritics, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare.translate(_LETTERS)).strip()


def _move_calibrated_by(conn) -> None:
    org = sa.table("organisation", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                   sa.column("name", sa.String), sa.column("tax_code", sa.String), sa.column("address", sa.String),
                   sa.column("phone", sa.String), sa.column("email", sa.String),
                   sa.column("accreditation", sa.String), sa.column("national_institute", sa.Boolean),
                   sa.column("active", sa.Boolean), sa.column("created_at", sa.DateTime),
                   sa.column("version_id", sa.Integer), sa.column("search_text", sa.Text))
    cal = sa.table("standard_calibration", sa.column("id", sa.Integer), sa.column("calibrated_by", sa.String),
                   sa.column("lab_id", sa.Integer))
    existing = {}
    for org_id, name in conn.execute(sa.select(org.c.id, org.c.name).order_by(org.c.id)):
        existing.setdefault(_fold(name), org_id)
    texts = sorted({(text or "").strip() for (text,) in conn.execute(sa.select(cal.c.calibrated_by).distinct())})
    now = datetime.now(UTC).replace(tzinfo=None)
    for text in texts:
        name = text or "?"
        key = _fold(name)
        if key not in existing:
            vilas = _VILAS.search(text)
            conn.execute(org.insert().values(
                kind="calibration_lab", name=name[:255], tax_code=None, address="", phone="", email="",
                accreditation=f"VILAS {vilas.group(1)}" if vilas else "",
                national_institute=bool(_NATIONAL.search(key)), active=True, created_at=now, version_id=1,
                search_text=key))
            existing[key] = conn.execute(sa.select(sa.func.max(org.c.id))).scalar_one()
        conn.execute(cal.update().where(sa.func.trim(sa.func.coalesce(cal.c.calibrated_by, "")) == text)
                     .values(lab_id=existing[key]))


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accreditation', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('national_institute', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.create_table(
        'national_standard',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('institute_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('quantity', sa.String(length=40), nullable=False),
        sa.Column('kcdb_ref', sa.String(length=120), server_default='', nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['institute_id'], ['organisation.id'],
                                name=op.f('fk_national_standard_institute_id_organisation')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_national_standard')),
        sa.UniqueConstraint('institute_id', 'name', name=op.f('uq_national_standard_institute_id_name')),
    )
    with op.batch_alter_table('national_standard', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_national_standard_institute_id'), ['institute_id'], unique=False)
    with op.batch_alter_table('standard_calibration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lab_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('national_standard_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
    _move_calibrated_by(op.get_bind())
    with op.batch_alter_table('standard_calibration', schema=None) as batch_op:
        batch_op.alter_column('lab_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('calibrated_by')
        batch_op.create_index(batch_op.f('ix_standard_calibration_lab_id'), ['lab_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_calibration_national_standard_id'), ['national_standard_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_standard_calibration_record_id'), ['record_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_standard_calibration_lab_id_organisation'), 'organisation',
                                    ['lab_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_standard_calibration_national_standard_id_national_standard'),
                                    'national_standard', ['national_standard_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_standard_calibration_record_id_record'), 'record',
                                    ['record_id'], ['id'])
    with op.batch_alter_table('reference_standard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instrument_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_reference_standard_instrument_id'), ['instrument_id'])
        batch_op.create_foreign_key(batch_op.f('fk_reference_standard_instrument_id_instrument'), 'instrument',
                                    ['instrument_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('reference_standard', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reference_standard_instrument_id_instrument'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_reference_standard_instrument_id'), type_='unique')
        batch_op.drop_column('instrument_id')
    with op.batch_alter_table('standard_calibration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calibrated_by', sa.String(length=255), server_default='', nullable=False))
    op.execute("UPDATE standard_calibration SET calibrated_by = (SELECT o.name FROM organisation o "
               "WHERE o.id = standard_calibration.lab_id)")
    with op.batch_alter_table('standard_calibration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_standard_calibration_record_id_record'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_standard_calibration_national_standard_id_national_standard'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_standard_calibration_lab_id_organisation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_standard_calibration_record_id'))
        batch_op.drop_index(batch_op.f('ix_standard_calibration_national_standard_id'))
        batch_op.drop_index(batch_op.f('ix_standard_calibration_lab_id'))
        batch_op.drop_column('record_id')
        batch_op.drop_column('national_standard_id')
        batch_op.drop_column('lab_id')
        batch_op.alter_column('calibrated_by', existing_type=sa.String(length=255), server_default=None)
    with op.batch_alter_table('national_standard', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_national_standard_institute_id'))
    op.drop_table('national_standard')
    # Organisations made from calibrated_by texts stay (as calibration labs they would break the
    # earlier release's kinds: they become businesses, which nothing else refers to).
    op.execute("UPDATE organisation SET kind = 'business' WHERE kind = 'calibration_lab'")
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('national_institute')
        batch_op.drop_column('accreditation')
