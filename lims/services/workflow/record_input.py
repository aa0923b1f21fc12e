"""Reading what a technician entered into a record: values with units, readings, points, environment, standards.

Each function checks one part of a save's input against the record (its points, the
instrument's range, the procedure's conditions, the standards in force on the work date) and
reports every bad entry on the :class:`~lims.services.validation.Checker` under the field it
came from (``points.3.readings``, ``environment.temperature``, ``standards``).
"""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lims.i18n import _
from lims.metrology.errors import UnitError
from lims.metrology.results import convert
from lims.metrology.units import format_unit, parse_quantity
from lims.metrology.units_format import page_number, page_quantity
from lims.metrology.units_registry import shown_unit
from lims.models import Instrument, Record, RecordPoint, ReferenceStandard, StandardCalibration
from lims.services.validation import Checker, number_reading
from lims.services.workflow.procedures import MAX_READINGS
from lims.services.workflow.standards import calibration_in_force, standard_problem

__all__ = ["parse_value", "split_readings", "readings_bounds", "points_input", "environment_input",
           "standards_input", "checks_input"]


def parse_value(c: Checker, field: str, raw: Any, unit: str) -> float | None:
    """A number in ``unit``, or text with its own unit ("20001 g"), written as the page's language
    writes numbers (:func:`~lims.services.validation.number_reading`)."""
    if isinstance(raw, dict):
        value, given = raw.get("value"), raw.get("unit")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not isinstance(given, str):
            c.fail(field, _("A quantity is {\"value\": number, \"unit\": text}."))
            return None
        raw = f"{value!r} {given}"
    if isinstance(raw, bool):
        c.fail(field, _("%(value)s is not a number.", value=repr(raw)))
        return None
    try:
        if isinstance(raw, (int, float)):
            q = parse_quantity(float(raw), unit)
        else:
            q = parse_quantity(str(raw).strip(), unit, **number_reading())
    except UnitError as exc:
        c.fail(field, exc.message)
        return None
    except Exception:  # noqa: BLE001 - pint conversion errors between kinds of unit
        c.fail(field, _("%(value)s cannot be read in %(unit)s.", value=repr(raw), unit=shown_unit(unit or "")))
        return None
    value = float(q.magnitude)
    if not math.isfinite(value):
        c.fail(field, _("Must be a finite number."))
        return None
    return value


def split_readings(raw: Any) -> list[Any]:
    """Readings as a list; text is split on semicolons, line breaks and spaces between numbers."""
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, (int, float)):
        return [raw]
    text = str(raw).replace("\n", ";").replace("\t", ";")
    parts: list[Any] = []
    for chunk in text.split(";"):
        chunk = chunk.strip()
        if not chunk:
            continue
        tokens = chunk.split()
        # "20.01 20.02" is two readings; "20.01 kg" and "20001 g" are one reading with a unit; "1 000,5"
        # could be either (a thousand grouped by a space, or two readings): refused by _point_readings.
        if len(tokens) > 1 and all(_numberish(t) for t in tokens):
            parts.extend([SpaceGrouped(chunk)] if _space_grouped(tokens) else tokens)
        else:
            parts.append(chunk)
    return parts


class SpaceGrouped(str):
    """Readings text that could be one number grouped by spaces or several readings (``1 000,5``)."""


def _space_grouped(tokens: list[str]) -> bool:
    """``tokens`` look like the digit groups of one number rather than readings: 1 to 3 digits, then
    groups of exactly three (the last may carry the decimal part), one of them starting with 0 as no
    reading is written ("1 000,5", "2 050"); "100 100 100" stays three readings."""
    if not _FIRST_GROUP.fullmatch(tokens[0]) or not any(t.startswith("0") for t in tokens[1:]):
        return False
    return all(_NEXT_GROUP.fullmatch(t) for t in tokens[1:-1]) and _LAST_GROUP.fullmatch(tokens[-1]) is not None


_FIRST_GROUP = re.compile(r"[+\-\u2212]?[1-9]\d{0,2}")
_NEXT_GROUP = re.compile(r"\d{3}")
_LAST_GROUP = re.compile(r"\d{3}(?:[.,]\d*)?")


_NUMBERISH = re.compile(r"[+\-\u2212]?[\d.,]*\d[\d.,]*(?:[eE][+\-\u2212]?\d+)?")


def _numberish(token: str) -> bool:
    """The token is written as a number (read, or refused as unreadable, by :func:`parse_value`)."""
    return _NUMBERISH.fullmatch(token) is not None


def readings_bounds(inst: Instrument) -> tuple[float, float]:
    """Indications outside the range by more than 10 % of the span cannot come from the instrument."""
    margin = 0.1 * (inst.range_max - inst.range_min)
    return inst.range_min - margin, inst.range_max + margin


def _point_readings(c: Checker, seq: int, raw: Any, point: RecordPoint, inst: Instrument) -> list[float]:
    """A point's readings, each inside what the instrument can show."""
    low, high = readings_bounds(inst)
    bound_low = convert(low, inst.range_unit, point.unit)
    bound_high = convert(high, inst.range_unit, point.unit)
    values = []
    raw_list = split_readings(raw)
    if len(raw_list) > MAX_READINGS:
        c.fail(f"points.{seq}.readings", _("At most %(n)s readings.", n=MAX_READINGS))
    for item in raw_list[:MAX_READINGS]:
        if isinstance(item, SpaceGrouped):
            c.fail(f"points.{seq}.readings", _(
                "'%(text)s' could be one number or several readings: write %(number)s for one number, or put "
                "';' between the readings.", text=str(item), number="".join(item.split())))
            continue
        value = parse_value(c, f"points.{seq}.readings", item, point.unit)
        if value is None:
            continue
        if not bound_low <= value <= bound_high:
            c.fail(f"points.{seq}.readings", _(
                "%(value)s is outside what this instrument can show (%(low)s … %(high)s %(unit)s).",
                value=page_quantity(value, point.unit), low=page_number(bound_low), high=page_number(bound_high),
                unit=format_unit(point.unit)))
            continue
        values.append(float(f"{value:.12g}"))
    return values


def _point_value(c: Checker, field: str, raw: Any, point: RecordPoint, inst: Instrument) -> float | None:
    """A nominal or reference value inside the instrument's range (None: not read)."""
    value = parse_value(c, field, raw, point.unit)
    if value is None:
        return None
    r_low = convert(inst.range_min, inst.range_unit, point.unit)
    r_high = convert(inst.range_max, inst.range_unit, point.unit)
    slack = 1e-9 * max(1.0, abs(r_high))
    if not r_low - slack <= value <= r_high + slack:
        c.fail(field, _("%(value)s is outside the instrument's range (%(low)s … %(high)s %(unit)s).",
                        value=page_quantity(value, point.unit), low=page_number(r_low), high=page_number(r_high),
                        unit=format_unit(point.unit)))
    return float(f"{value:.12g}")


def _point_source(c: Checker, seq: int, source: Any, new: dict[str, Any]) -> None:
    """Where a captured value came from (port, driver, raw lines); empty clears it."""
    if source in (None, "", {}):
        new["source"] = None
    elif not isinstance(source, dict) or not isinstance(source.get("port"), str) or len(str(source)) > 20000:
        c.fail(f"points.{seq}.source", _("The capture source must name its port and driver."))
    else:
        new["source"] = {k: source[k] for k in ("port", "driver", "raw", "at", "target") if k in source}


def _point_entries(c: Checker, raw_points: Any) -> list[tuple[int, dict]]:
    """(seq, entry) of a list of points, or of a mapping seq → entry or readings."""
    if isinstance(raw_points, dict):
        raw_points = [{"seq": k, **v} if isinstance(v, dict) else {"seq": k, "readings": v}
                      for k, v in raw_points.items()]
    if not isinstance(raw_points, list):
        c.fail("points", _("Must be a list."))
        return []
    out = []
    for entry in raw_points:
        seq = entry.get("seq") if isinstance(entry, dict) else None
        try:
            if seq is None or isinstance(seq, bool) or (c.strict and not isinstance(seq, int)):
                raise TypeError
            out.append((int(seq), entry))
        except (TypeError, ValueError):
            c.fail("points", _("Each point must be a JSON object with its seq."))
    return out


def points_input(c: Checker, record: Record, raw_points: Any) -> dict[int, dict]:
    """seq → the point's new values (``readings``, ``nominal``, ``reference_value``, ``source``) as given."""
    by_seq = {p.seq: p for p in record.points}
    inst = record.instrument
    out: dict[int, dict] = {}
    if raw_points is None:
        return out
    for seq, entry in _point_entries(c, raw_points):
        point = by_seq.get(seq)
        if point is None:
            c.fail(f"points.{seq}", _("This record has no point %(seq)s.", seq=seq))
            continue
        new: dict[str, Any] = {}
        if "readings" in entry:
            new["readings"] = _point_readings(c, seq, entry["readings"], point, inst)
        for key in ("nominal", "reference_value"):
            if key not in entry:
                continue
            if entry[key] in (None, ""):
                if key == "nominal":
                    c.fail(f"points.{seq}.{key}", _("This field is required."))
                new[key] = None
                continue
            value = _point_value(c, f"points.{seq}.{key}", entry[key], point, inst)
            if value is not None:
                new[key] = value
        if "added_load" in entry:
            new["added_load"] = _added_load(c, seq, entry["added_load"], point, inst)
        if "source" in entry:
            _point_source(c, seq, entry["source"], new)
        out[seq] = new
    return out


def _added_load(c: Checker, seq: int, raw: Any, point: RecordPoint, inst: Instrument) -> float | None:
    """The change-point load ΔL (OIML R76-1 A.4.4.3): from 0 to e; blank: not used at this point."""
    if raw in (None, ""):
        return None
    field = f"points.{seq}.added_load"
    value = parse_value(c, field, raw, point.unit)
    e = inst.scale_interval or inst.resolution
    if value is None or not e:
        return None
    e_here = convert(e, inst.range_unit, point.unit)
    if not -1e-9 * e_here <= value <= e_here * (1 + 1e-9):
        c.fail(field, _("The additional load of the change-point method is from 0 to e (%(e)s).",
                        e=page_quantity(e_here, point.unit)))
        return None
    return float(f"{value:.12g}")


def checks_input(c: Checker, spec: dict, raw: Any, current: dict) -> dict:
    """The checklist's answers (OIML R76-1 A.1) with the given ones changed: ``{key: {"ok", "note"}}``.

    ``ok`` is true, false or null (not yet answered); the note is free text.
    """
    if raw is None:
        return dict(current)
    if not isinstance(raw, dict):
        c.fail("checks", _("Must be a JSON object."))
        return dict(current)
    known = {item.get("key") for item in spec.get("checks", []) if isinstance(item, dict)}
    out = dict(current)
    for key, answer in raw.items():
        field = f"checks.{key}"
        if key not in known:
            c.fail(field, _("This procedure has no checklist item %(key)s.", key=key))
            continue
        if not isinstance(answer, dict):
            answer = {"ok": answer}
        ok = answer.get("ok")
        if ok in ("", None):
            ok = None
        elif isinstance(ok, str) and ok in ("ok", "true", "1", "not_ok", "false", "0"):
            ok = ok in ("ok", "true", "1")
        elif not isinstance(ok, bool):
            c.fail(field, _("Answer ok, not ok or leave it blank."))
            continue
        note = answer.get("note") or ""
        if not isinstance(note, str) or len(note) > 1000:
            c.fail(f"{field}.note", _("At most %(n)s characters.", n=1000))
            continue
        out[key] = {"ok": ok, "note": note.strip()}
    return out


def environment_input(c: Checker, spec: dict, raw_env: Any, current: dict) -> dict:
    """The record's conditions with the given ones changed (blank removes one), each within the procedure's."""
    if raw_env is None:
        return dict(current)
    if not isinstance(raw_env, dict):
        c.fail("environment", _("Must be a JSON object."))
        return dict(current)
    out = dict(current)
    known = {item["key"]: item for item in spec.get("environment", [])}
    for key, raw in raw_env.items():
        field = f"environment.{key}"
        item = known.get(key)
        if item is None:
            c.fail(field, _("This procedure does not record %(key)s.", key=key))
            continue
        source = None
        if isinstance(raw, dict):  # {"value": ..., "unit": ..., "device": port it was read from}
            source = str(raw["device"])[:300] if raw.get("device") else None
            raw = {"value": raw.get("value"), "unit": raw["unit"]} if "unit" in raw else raw.get("value")
        if raw in (None, "") or (isinstance(raw, dict) and raw.get("value") in (None, "")):
            out.pop(key, None)
            continue
        value = parse_value(c, field, raw, item["unit"])
        if value is None:
            continue
        low, high = item.get("min"), item.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            c.fail(field, _("%(value)s is outside the conditions this procedure allows (%(low)s … %(high)s %(unit)s).",
                            value=page_quantity(value, item["unit"]), low=page_number(low) if low is not None else "…",
                            high=page_number(high) if high is not None else "…", unit=format_unit(item["unit"])))
            continue
        out[key] = {"value": float(f"{value:.12g}"), "unit": item["unit"]}
        if source:
            out[key]["device"] = source
    return out


def standards_input(c: Checker, session: Session, record: Record, raw: Any, on: date
                    ) -> list[tuple[ReferenceStandard, StandardCalibration]] | None:
    """The chosen standards, each of the procedure's quantity and usable on the day (None: not given)."""
    if raw is None:
        return None
    if isinstance(raw, (str, int)) and not c.strict:
        raw = [raw] if str(raw).strip() else []
    if not isinstance(raw, (list, tuple)):
        c.wrong_type("standards", raw, "list")
        return None
    quantity = record.procedure.spec.get("quantity")
    chosen: list[tuple[ReferenceStandard, StandardCalibration]] = []
    for item in raw:
        ident = item.get("id") if isinstance(item, dict) else item
        # A whole number within the database's range: a larger one would overflow its query.
        std_id = c.integer({"standards": ident}, "standards", minimum=1)
        std = None if std_id is None else session.get(ReferenceStandard, std_id)
        if std is None:
            if std_id is not None:
                c.fail("standards", _("Nothing with id %(id)s.", id=ident))
            continue
        if std.quantity != quantity:
            c.fail("standards", _("%(code)s measures %(q)s, not %(want)s.", code=std.code, q=std.quantity,
                                   want=quantity))
            continue
        problem = standard_problem(std, on)
        if problem is not None:
            c.fail("standards", _("%(code)s cannot be used: %(reason)s.", code=std.code, reason=problem))
            continue
        cal = calibration_in_force(std, on)
        if cal is not None and std.id not in {s.id for s, _cal in chosen}:  # no problem: a calibration is in force
            chosen.append((std, cal))
    return chosen
