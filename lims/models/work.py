"""Service requests, records (biên bản) with their measurement points, and certificates.

A record is the technician's work on one instrument with one procedure; its computed
results are stored with their units when it is saved. An approved record and an issued
certificate are never updated in place (DESIGN.md, Storage): a correction issues a new
certificate that supersedes the old one.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.errors import Conflict
from lims.i18n import _
from lims.models.base import Base, UTCDateTime, utcnow
from lims.models.catalog import Instrument, Procedure, ReferenceStandard, StandardCalibration
from lims.models.org import Organisation, User


class RequestStatus(str, enum.Enum):
    submitted = "submitted"  # filed by the business or by the lab on its behalf
    accepted = "accepted"  # the lab has received it (and the instruments)
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"


class RecordStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"


class CertificateStatus(str, enum.Enum):
    valid = "valid"
    revoked = "revoked"
    superseded = "superseded"
    # "expired" is not stored: it follows from valid_until and today's date.


class CertificateOrigin(str, enum.Enum):
    issued = "issued"  # issued by this system from an approved record
    imported = "imported"  # issued on paper/PDF by the lab before the system, brought in from its records


class ServiceRequest(Base):
    """Phiếu yêu cầu: a business asks for verification or calibration of instruments."""

    __tablename__ = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))  # verification / calibration / test
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.submitted.value, index=True)
    on_site: Mapped[bool] = mapped_column(Boolean, default=False)  # work at the customer's premises
    site_address: Mapped[str] = mapped_column(String(255), default="")  # where, for on-site work
    received_date: Mapped[date | None] = mapped_column(Date)
    wanted_by: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # Folded text the search box matches (lims.text_search.fold), kept up to date by lims.models.search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    customer: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship()
    items: Mapped[list[ServiceRequestItem]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ServiceRequestItem.id"
    )

    __mapper_args__ = {"version_id_col": version_id}


class ServiceRequestItem(Base):
    __tablename__ = "service_request_item"
    __table_args__ = (UniqueConstraint("request_id", "instrument_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    verification_type: Mapped[str | None] = mapped_column(String(20))  # initial / periodic / after_repair

    request: Mapped[ServiceRequest] = relationship(back_populates="items")
    instrument: Mapped[Instrument] = relationship()


class Record(Base):
    """Biên bản: one instrument, one procedure, the readings, the computed results."""

    __tablename__ = "record"
    __table_args__ = (
        Index("ix_record_instrument_approved", "instrument_id", "approved_at"),
        Index("ix_record_created_instrument", "created_at", "instrument_id"),  # the office's weekly table
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    request_item_id: Mapped[int | None] = mapped_column(ForeignKey("service_request_item.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    kind: Mapped[str] = mapped_column(String(20))  # verification / calibration / test
    verification_type: Mapped[str | None] = mapped_column(String(20))  # initial / periodic / after_repair
    status: Mapped[str] = mapped_column(String(20), default=RecordStatus.draft.value, index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    place: Mapped[str] = mapped_column(String(255), default="")  # where the work was done
    received_date: Mapped[date | None] = mapped_column(Date)
    work_date: Mapped[date | None] = mapped_column(Date, index=True)
    work_date_reason: Mapped[str] = mapped_column(Text, default="")  # why the work date is far back
    # Environmental conditions: {"temperature": {"value": 23.1, "unit": "degC"}, "humidity": {...}, ...}
    environment: Mapped[dict] = mapped_column(JSON, default=dict)
    adjusted: Mapped[bool] = mapped_column(Boolean, default=False)  # before/after adjustment reported
    # Checklist steps (visual and technical examination ...): {"item_key": {"ok": true, "note": ""}}
    checks: Mapped[dict] = mapped_column(JSON, default=dict)
    # Computed on save: per-point and overall results, decision rule text, uncertainty budget summary.
    results: Mapped[dict] = mapped_column(JSON, default=dict)
    verdict: Mapped[str | None] = mapped_column(String(20))  # pass / fail / conditional_pass / ...
    remarks: Mapped[str] = mapped_column(Text, default="")
    return_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # Folded text the search box matches (lims.text_search.fold), kept up to date by lims.models.search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    instrument: Mapped[Instrument] = relationship()
    procedure: Mapped[Procedure] = relationship()
    technician: Mapped[User] = relationship(foreign_keys=[technician_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    request_item: Mapped[ServiceRequestItem | None] = relationship()
    points: Mapped[list[RecordPoint]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="RecordPoint.seq"
    )
    standards: Mapped[list[RecordStandard]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="RecordStandard.id"
    )

    __mapper_args__ = {"version_id_col": version_id}


class RecordPoint(Base):
    """One measurement point: what was applied, what the instrument showed, what follows."""

    __tablename__ = "record_point"
    __table_args__ = (UniqueConstraint("record_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    test: Mapped[str] = mapped_column(String(40))  # weighing, eccentricity, repeatability, rising, falling ...
    label: Mapped[str] = mapped_column(String(120), default="")
    nominal: Mapped[float | None] = mapped_column(Float)  # applied load / reference value
    unit: Mapped[str] = mapped_column(String(32))
    readings: Mapped[list] = mapped_column(JSON, default=list)  # indications, in ``unit``
    reference_value: Mapped[float | None] = mapped_column(Float)  # conventional true value, in ``unit``
    added_load: Mapped[float | None] = mapped_column(Float)  # OIML R76-1 A.4.4.3 change-point ΔL, in ``unit``
    source: Mapped[dict | None] = mapped_column(JSON)  # {"port": ..., "driver": ..., "raw": [...]} when captured
    # Computed, in ``unit`` (errors and uncertainties are differences: for degC read delta_degC).
    indication: Mapped[float | None] = mapped_column(Float)
    error: Mapped[float | None] = mapped_column(Float)
    uncertainty: Mapped[float | None] = mapped_column(Float)  # expanded, U
    coverage_factor: Mapped[float | None] = mapped_column(Float)
    mpe: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[str | None] = mapped_column(String(20))

    record: Mapped[Record] = relationship(back_populates="points")


class RecordStandard(Base):
    """A reference standard used in a record, with the calibration in force at the time."""

    __tablename__ = "record_standard"
    __table_args__ = (UniqueConstraint("record_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("record.id", ondelete="CASCADE"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("reference_standard.id"), index=True)
    calibration_id: Mapped[int] = mapped_column(ForeignKey("standard_calibration.id"))

    record: Mapped[Record] = relationship(back_populates="standards")
    standard: Mapped[ReferenceStandard] = relationship()
    calibration: Mapped[StandardCalibration] = relationship()


class Certificate(Base):
    """Giấy chứng nhận kiểm định / hiệu chuẩn, issued when a record is approved.

    An *imported* certificate (``origin`` "imported") was issued by the lab before this system,
    on paper or as a PDF, and brought in from its records (lims.services.imports): it has no
    record, no number of this system's sequence (``seq`` empty), no signed token and no DCC; it
    stays verifiable by its number (and stamp number), with the SHA-256 of its PDF when one was given.
    """

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("year", "kind", "seq"),
        CheckConstraint("seq > 0", name="seq_positive"),
        CheckConstraint("origin IN ('issued', 'imported')", name="origin_known"),
        CheckConstraint("origin = 'imported' OR (record_id IS NOT NULL AND seq IS NOT NULL)",
                        name="issued_has_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)  # None for an imported certificate
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"), index=True)  # None: imported
    origin: Mapped[str] = mapped_column(String(10), default=CertificateOrigin.issued.value,
                                        server_default=CertificateOrigin.issued.value)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date, index=True)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=CertificateStatus.valid.value)
    stamp_number: Mapped[str | None] = mapped_column(String(40))  # số tem, verification only
    language: Mapped[str] = mapped_column(String(5), default="vi")
    # The certificate document as issued (numbers computed once; the PDF renders these).
    document: Mapped[dict] = mapped_column(JSON, default=dict)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(255))  # relative to the instance folder
    dcc_sha256: Mapped[str | None] = mapped_column(String(64))  # the DCC XML as issued
    dcc_path: Mapped[str | None] = mapped_column(String(255))  # relative to the instance folder
    signing_key_id: Mapped[str | None] = mapped_column(String(40))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Folded text the search box matches (lims.text_search.fold), kept up to date by lims.models.search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    record: Mapped[Record | None] = relationship()
    instrument: Mapped[Instrument] = relationship()
    customer: Mapped[Organisation] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    supersedes: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[supersedes_id])

    @property
    def imported(self) -> bool:
        return self.origin == CertificateOrigin.imported.value


class NumberSequence(Base):
    """Gap-free counters (certificate numbers per year and kind, request and record numbers).

    Incremented inside the issuing transaction with a row lock, so two processes never get
    the same number and a rolled-back issue leaves no gap.
    """

    __tablename__ = "number_sequence"
    __table_args__ = (UniqueConstraint("name", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))  # e.g. certificate:verification, record, request
    year: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


# ---------------------------------------------------------------- approved records are immutable


def _was_approved(record: Record) -> bool:
    """Whether the record was approved before this flush (its status as loaded)."""
    history = sa_inspect(record).attrs.status.history
    old = history.deleted[0] if history.deleted else record.status
    return old == RecordStatus.approved.value


def _refuse_approved_change(mapper: Any, connection: Any, target: Record | RecordPoint | RecordStandard) -> None:
    record = target if isinstance(target, Record) else target.record
    if record is not None and _was_approved(record):
        raise Conflict(_("Record %(number)s is approved; it can no longer be changed.", number=record.number))


# Registered with the models, so the invariant holds whatever code changes a record.
for _model in (Record, RecordPoint, RecordStandard):
    event.listen(_model, "before_update", _refuse_approved_change)
    if _model is not Record:
        event.listen(_model, "before_delete", _refuse_approved_change)
