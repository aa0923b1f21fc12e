"""Instrument types, instruments, reference standards and procedures.

Quantities are stored as magnitude + unit string columns (DESIGN.md, Conventions).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.models.base import Base, UTCDateTime, utcnow
from lims.models.org import Organisation

if TYPE_CHECKING:
    from lims.models.work import Record


class WorkKind(str, enum.Enum):
    verification = "verification"  # kiểm định
    calibration = "calibration"  # hiệu chuẩn
    test = "test"  # thử nghiệm


class InstrumentStatus(str, enum.Enum):
    in_service = "in_service"
    out_of_service = "out_of_service"
    scrapped = "scrapped"


class StandardStatus(str, enum.Enum):
    in_use = "in_use"
    out_of_tolerance = "out_of_tolerance"
    retired = "retired"


class InstrumentType(Base):
    """A kind of measuring instrument (phương tiện đo), e.g. non-automatic weighing instrument."""

    __tablename__ = "instrument_type"
    __table_args__ = (
        CheckConstraint(
            "verification_interval_months IS NULL OR verification_interval_months > 0",
            name="interval_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255), default="")
    quantity: Mapped[str] = mapped_column(String(40))  # mass, pressure, temperature, ...
    unit: Mapped[str] = mapped_column(String(32))  # the unit readings are given in
    requires_verification: Mapped[bool] = mapped_column(Boolean, default=False)  # nhóm 2
    verification_interval_months: Mapped[int | None] = mapped_column(Integer)
    # Withdrawn: offered for no new instrument or request, kept for the instruments registered with it.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version_id}

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi


class Instrument(Base):
    """A measuring instrument owned by a business (or by the lab)."""

    __tablename__ = "instrument"
    __table_args__ = (
        UniqueConstraint("owner_id", "serial_number"),
        CheckConstraint("range_max > range_min", name="range_order"),
        CheckConstraint("resolution IS NULL OR resolution > 0", name="resolution_positive"),
        CheckConstraint("scale_interval IS NULL OR scale_interval > 0", name="scale_interval_positive"),
        CheckConstraint("load_supports IS NULL OR load_supports > 0", name="load_supports_positive"),
        CheckConstraint("max_tare IS NULL OR max_tare >= 0", name="max_tare_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("instrument_type.id"), index=True)
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial_number: Mapped[str] = mapped_column(String(80), index=True)
    range_min: Mapped[float] = mapped_column(Float, default=0.0)
    range_max: Mapped[float] = mapped_column(Float)
    range_unit: Mapped[str] = mapped_column(String(32))
    resolution: Mapped[float | None] = mapped_column(Float)  # d, the actual scale interval, in range_unit
    # OIML R76-1 T.3.2.2-T.3.2.5: e, the verification scale interval (d <= e), in range_unit; scales only.
    scale_interval: Mapped[float | None] = mapped_column(Float)
    load_supports: Mapped[int | None] = mapped_column(Integer)  # number of load receptor supports (R76-1 A.4.7)
    max_tare: Mapped[float | None] = mapped_column(Float)  # maximum additive tare effect T+, in range_unit
    year_of_manufacture: Mapped[int | None] = mapped_column(Integer)
    pattern_approval: Mapped[str] = mapped_column(String(80), default="")  # ký hiệu phê duyệt mẫu
    accuracy_class: Mapped[str] = mapped_column(String(32), default="")
    location: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default=InstrumentStatus.in_service.value)
    calibration_interval_months: Mapped[int | None] = mapped_column(Integer)  # agreed with customer
    next_due: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1)
    # Folded text the search box matches (lims.text_search.fold), kept up to date by lims.models.search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    owner: Mapped[Organisation] = relationship()
    type: Mapped[InstrumentType] = relationship()

    __mapper_args__ = {"version_id_col": version_id}


class ReferenceStandard(Base):
    """One of the lab's measurement standards (chuẩn đo lường)."""

    __tablename__ = "reference_standard"
    __table_args__ = (CheckConstraint("range_max > range_min", name="range_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[str] = mapped_column(String(40))
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    serial_number: Mapped[str] = mapped_column(String(80), default="")
    range_min: Mapped[float] = mapped_column(Float, default=0.0)
    range_max: Mapped[float] = mapped_column(Float)
    range_unit: Mapped[str] = mapped_column(String(32))
    accuracy_class: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(20), default=StandardStatus.in_use.value)
    out_of_tolerance_since: Mapped[date | None] = mapped_column(Date)
    # The standard as an instrument of the lab, so that the lab can calibrate it with a record (an
    # internal calibration: the record's own standards are the upstream of that calibration).
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instrument.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    instrument: Mapped[Instrument | None] = relationship()
    calibrations: Mapped[list[StandardCalibration]] = relationship(
        back_populates="standard", order_by="StandardCalibration.calibration_date", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def current_calibration(self) -> StandardCalibration | None:
        return self.calibrations[-1] if self.calibrations else None


class NationalStandard(Base):
    """A national measurement standard (chuẩn quốc gia) kept by a national metrology institute: the
    top of a traceability chain, under the SI (its CMC reference in the BIPM KCDB)."""

    __tablename__ = "national_standard"
    __table_args__ = (UniqueConstraint("institute_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institute_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[str] = mapped_column(String(40))
    kcdb_ref: Mapped[str] = mapped_column(String(120), default="", server_default="")  # CMC / KCDB reference
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    institute: Mapped[Organisation] = relationship()


class StandardCalibration(Base):
    """A calibration certificate of a reference standard: one link of its traceability chain.

    ``lab_id`` is the calibrating lab (an organisation of kind ``calibration_lab``, or the lab
    itself for an internal calibration). Its upstream is ``national_standard_id`` (at the top of
    the chain) or ``record_id`` (an internal calibration: that record's standards are the higher
    standards); neither means the chain breaks here (docs/traceability.md).
    """

    __tablename__ = "standard_calibration"
    __table_args__ = (
        CheckConstraint("expanded_uncertainty >= 0", name="u_nonnegative"),
        CheckConstraint("coverage_factor > 0", name="k_positive"),
        CheckConstraint("due_date > calibration_date", name="due_after_calibration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("reference_standard.id"), index=True)
    certificate_number: Mapped[str] = mapped_column(String(80))
    lab_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    national_standard_id: Mapped[int | None] = mapped_column(ForeignKey("national_standard.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"), index=True)
    calibration_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    expanded_uncertainty: Mapped[float] = mapped_column(Float)
    uncertainty_unit: Mapped[str] = mapped_column(String(32))
    coverage_factor: Mapped[float] = mapped_column(Float, default=2.0)
    notes: Mapped[str] = mapped_column(Text, default="")
    # What the calibration certificate states point by point (weights piece by piece, corrections
    # of a thermometer or a pressure reference): see lims.metrology.reference_data.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    standard: Mapped[ReferenceStandard] = relationship(back_populates="calibrations")
    lab: Mapped[Organisation] = relationship(lazy="joined")
    national_standard: Mapped[NationalStandard | None] = relationship()
    record: Mapped[Record | None] = relationship()

    @property
    def calibrated_by(self) -> str:
        """The calibrating lab as a certificate names it: its name and what vouches for it."""
        return lab_text(self.lab)


def lab_text(lab: Organisation) -> str:
    """``"QUATEST 1 (VILAS 003)"``: a lab's name with its accreditation, if it has one."""
    return f"{lab.name} ({lab.accreditation})" if lab.accreditation else lab.name


class Procedure(Base):
    """A verification or calibration procedure (quy trình), e.g. ĐLVN 16:2009.

    ``spec`` holds the procedure as data: measurement points, MPE rule, decision rule and
    uncertainty budget template, so a lab can add its own without code.
    """

    __tablename__ = "procedure"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer, default=1)
    title_vi: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(20))
    instrument_type_id: Mapped[int | None] = mapped_column(ForeignKey("instrument_type.id"))
    spec: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    instrument_type: Mapped[InstrumentType | None] = relationship()

    def title(self, lang: str = "vi") -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_vi
