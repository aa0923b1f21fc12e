"""What each workflow use case takes: frozen dataclasses built by :func:`lims.services.inputs.parse`.

Views, API resources and commands build these from a form, a JSON body or options with the one
adapter; services read typed fields. Structures a service checks against the record itself
(points, readings, environment, chosen standards, instruments of a customer) stay ``Any`` and are
read by :mod:`lims.services.workflow.record_input`, whose messages name each bad entry. In
:class:`SaveRecord` every field may be left out (``KEEP``): what is not sent is kept.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from lims.services.inputs import checked_later, opts, service_input

__all__ = ["KEEP", "checked_later", "Version", "NewServiceRequest", "AcceptRequest", "CancelRequest", "OpenRecord",
           "SaveRecord", "ReturnRecord", "CaptureIntoPoint", "MarkOutOfTolerance"]


class _Keep:
    """Marks a field that was not sent (the record keeps what it has)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


@service_input
@dataclass(frozen=True)
class Version:
    """Submit and approve: only the version the user read."""

    version_id: int


@service_input
@dataclass(frozen=True)
class NewServiceRequest:
    kind: str | None = checked_later()  # verification, calibration, test
    instrument_ids: Any = checked_later()  # ids of the customer's instruments (checked one by one)
    customer_id: int | None = None  # staff file for a business; a business for itself
    verification_type: str | None = None
    on_site: bool = False
    site_address: str | None = field(default=None, metadata=opts(max_len=255))  # on-site work: where
    wanted_by: date | None = None
    notes: str | None = field(default=None, metadata=opts(max_len=2000))


@service_input
@dataclass(frozen=True)
class AcceptRequest:
    version_id: int
    received_date: date | None = None


@service_input
@dataclass(frozen=True)
class CancelRequest:
    version_id: int
    reason: str = field(metadata=opts(max_len=2000))


@service_input
@dataclass(frozen=True)
class OpenRecord:
    """From a request item, or for an instrument with a kind of work (the lab's own work)."""

    request_item_id: int | None = None
    instrument_id: int | None = None
    kind: str | None = None
    verification_type: str | None = None
    procedure_id: int | None = None
    place: str | None = None
    work_date: date | None = None
    work_date_reason: str | None = field(default=None, metadata=opts(max_len=2000))
    technician_id: int | None = None  # when the system opens it for a technician


@service_input
@dataclass(frozen=True)
class SaveRecord:
    version_id: int
    place: Any = KEEP
    work_date: Any = KEEP
    work_date_reason: Any = KEEP  # why a work date is more than LIMS_WORK_DATE_MAX_DAYS_BACK days back
    remarks: Any = KEEP
    adjusted: Any = KEEP
    environment: Any = None  # {key: value | "20.1 °C" | {"value", "unit", "device"}}
    standards: Any = None  # ids of reference standards (None: keep the chosen ones)
    points: Any = None  # [{"seq", "readings", "nominal", "reference_value", "added_load", "source"}]
    checks: Any = None  # {item key: {"ok": bool, "note": text}} (None: keep the answers)

    def given(self) -> dict[str, Any]:
        """The scalar fields that were sent, as the record's checker reads them."""
        return {k: v for k in ("place", "work_date", "work_date_reason", "remarks", "adjusted")
                if (v := getattr(self, k)) is not KEEP}


@service_input
@dataclass(frozen=True)
class ReturnRecord:
    version_id: int
    comment: str = field(metadata=opts(max_len=4000))


@service_input
@dataclass(frozen=True)
class CaptureIntoPoint:
    version_id: int
    port: Any = checked_later()
    driver: Any = checked_later()
    target: Literal["readings", "reference"] = "readings"
    count: int | None = field(default=None, metadata=opts(minimum=1))
    timeout: float | None = field(default=None, metadata=opts(positive=True))
    baudrate: int | None = field(default=None, metadata=opts(minimum=1))


@service_input
@dataclass(frozen=True)
class MarkOutOfTolerance:
    since: date | None = checked_later()  # the day it was found out of tolerance
    reason: str | None = checked_later(**opts(max_len=2000))

