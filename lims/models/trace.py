"""Product traceability (truy xuất nguồn gốc): products, their batches, places, and EPCIS 2.0 events.

A business records what happened to its goods; anyone reads the public part from the GS1 Digital
Link QR on the package (docs/traceability.md). Events are append-only: an erroneous event is never
changed or deleted; EPCIS 2.0 §7.4.1.5 declares the error by recording the event again, with the
same ``eventID`` and an ``errorDeclaration`` (reason, ``correctiveEventIDs``). Each stored event
keeps the EPCIS 2.0 JSON-LD object it came as (``document``), so an export gives back what was
captured; the columns beside it are what the queries filter on.
"""
from __future__ import annotations

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
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.models.base import Base, UTCDateTime, utcnow
from lims.models.org import Organisation, User
from lims.models.work import Record


class TraceLocation(Base):
    """A place of a business (farm, factory, warehouse, shop): its GLN when it has one, otherwise a
    local identifier unique within the business. Events name places as readPoint and bizLocation."""

    __tablename__ = "trace_location"
    __table_args__ = (UniqueConstraint("owner_id", "name"), UniqueConstraint("owner_id", "local_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(500), default="")
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)  # GS1 Global Location Number
    local_id: Mapped[str | None] = mapped_column(String(80))  # used when there is no GLN
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Organisation] = relationship()


class Product(Base):
    """A trade item of a business, identified by its GTIN (kept as GTIN-14)."""

    __tablename__ = "product"
    __table_args__ = (CheckConstraint("net_quantity IS NULL OR net_quantity > 0", name="net_quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255), default="")
    net_quantity: Mapped[float | None] = mapped_column(Float)  # nominal net quantity of one package
    net_unit: Mapped[str] = mapped_column(String(32), default="")  # a unit of lims.metrology.units_table
    category: Mapped[str] = mapped_column(String(80), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # What the public batch page may show, by part ("partners": names of the businesses the goods
    # went to or came from, ...); an empty mapping means the defaults of docs/traceability.md.
    disclosure: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    owner: Mapped[Organisation] = relationship()

    __mapper_args__ = {"version_id_col": version_id}

    def name(self, lang: str = "vi") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_vi


class Batch(Base):
    """A batch or lot (lô) of a product: GS1 AI (10), at most 20 characters."""

    __tablename__ = "batch"
    __table_args__ = (
        UniqueConstraint("product_id", "lot"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("expiry_date IS NULL OR production_date IS NULL OR expiry_date >= production_date",
                        name="expiry_after_production"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    lot: Mapped[str] = mapped_column(String(20))
    production_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[float | None] = mapped_column(Float)  # quantity produced
    quantity_unit: Mapped[str] = mapped_column(String(32), default="")
    location_id: Mapped[int | None] = mapped_column(ForeignKey("trace_location.id"))  # where it was produced
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    product: Mapped[Product] = relationship()
    location: Mapped[TraceLocation | None] = relationship()


class TraceCapture(Base):
    """One capture of events (EPCIS capture job): a partner's document, a form, an import or the demo.
    All its events are stored or none; a refused capture keeps its errors and stores no event."""

    __tablename__ = "trace_capture"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(16))  # api | form | import | lab | demo
    status: Mapped[str] = mapped_column(String(16))  # accepted | refused
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


class TraceEvent(Base):
    """One EPCIS 2.0 event as captured (append-only). ``error_declared`` rows repeat an earlier
    event's ``event_id`` with its ``errorDeclaration``; an event is declared erroneous at most once."""

    __tablename__ = "trace_event"
    __table_args__ = (
        UniqueConstraint("event_id", "error_declared"),
        Index("ix_trace_event_biz_step_time", "biz_step", "event_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), index=True)  # urn:uuid:… or ni:///sha-256;…
    event_type: Mapped[str] = mapped_column(String(32))  # ObjectEvent | AggregationEvent | TransformationEvent
    action: Mapped[str | None] = mapped_column(String(8))  # ADD | OBSERVE | DELETE; none for transformations
    biz_step: Mapped[str | None] = mapped_column(String(255))  # CBV short name (commissioning) or a URI
    disposition: Mapped[str | None] = mapped_column(String(255))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    time_zone: Mapped[str] = mapped_column(String(6))  # eventTimeZoneOffset, "+07:00"
    record_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_point: Mapped[str | None] = mapped_column(String(255))
    biz_location: Mapped[str | None] = mapped_column(String(255), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # who recorded it
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("trace_capture.id"), index=True)
    # An inspecting event's lab record and its verdict (conformant | non_conformant).
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"), index=True)
    verdict: Mapped[str | None] = mapped_column(String(16))
    error_declared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # the event as EPCIS 2.0 JSON-LD

    owner: Mapped[Organisation] = relationship()
    record: Mapped[Record | None] = relationship()
    batches: Mapped[list[TraceEventBatch]] = relationship(back_populates="event", lazy="selectin")


class TraceEventBatch(Base):
    """What an event is about, resolved to batches: an ``epcClass`` of its quantityList (role
    ``object``), a transformation's ``input`` or ``output``, an aggregation's ``child``; with the
    quantity and its UN/ECE Rec 20 unit code when the event states one."""

    __tablename__ = "trace_event_batch"
    __table_args__ = (Index("ix_trace_event_batch_batch_event", "batch_id", "event_row_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_row_id: Mapped[int] = mapped_column(ForeignKey("trace_event.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    role: Mapped[str] = mapped_column(String(8))  # object | input | output | child
    quantity: Mapped[float | None] = mapped_column(Float)
    uom: Mapped[str | None] = mapped_column(String(3))

    event: Mapped[TraceEvent] = relationship(back_populates="batches")
    batch: Mapped[Batch] = relationship()
