"""Constants and small facts the workflow's modules share (numbers, statuses, today)."""
from __future__ import annotations

from datetime import date

from lims.metrology.instrument_rules import InstrumentFacts
from lims.models import Instrument, Procedure, RecordStatus

__all__ = ["VERIFICATION_TYPES", "EDITABLE", "OPEN_STATUSES", "REQUEST_NUMBER", "RECORD_NUMBER", "today", "facts_of",
           "usable_procedure"]

VERIFICATION_TYPES = ("initial", "periodic", "after_repair")
EDITABLE = (RecordStatus.draft.value, RecordStatus.returned.value)
OPEN_STATUSES = (RecordStatus.draft.value, RecordStatus.submitted.value, RecordStatus.returned.value)
REQUEST_NUMBER = "YC{year}-{seq:05d}"
RECORD_NUMBER = "BB{year}-{seq:05d}"


def today() -> date:
    return date.today()


def facts_of(inst: Instrument) -> InstrumentFacts:
    """What the procedure's rules need to know about the instrument."""
    return InstrumentFacts(range_min=inst.range_min, range_max=inst.range_max, unit=inst.range_unit,
                           resolution=inst.resolution, accuracy_class=inst.accuracy_class or "",
                           scale_interval=inst.scale_interval, load_supports=inst.load_supports,
                           max_tare=inst.max_tare)


def usable_procedure(proc: Procedure) -> bool:
    """Whether records can be made with the procedure (its spec gives the points)."""
    spec = proc.spec or {}
    return bool(spec.get("tests")) and bool(spec.get("quantity"))
