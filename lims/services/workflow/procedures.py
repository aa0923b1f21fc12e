"""Procedures as data: what a record measures, the limits and the uncertainty model.

A procedure file (``lims/procedures/*.json``) holds ``code``, ``title_vi``, ``title_en``,
``kind``, ``instrument_type`` (the type's code) and ``spec``:

``quantity``
    the physical quantity of the measurement points (``mass``, ``pressure``, ``temperature`` ...).
``environment``
    conditions to record: ``[{"key": "temperature", "unit": "degC", "min": 15, "max": 35,
    "required": true}, ...]``; a value outside [min, max] is refused.
``tests``
    the measurement points, in order. Each test names ``test`` (weighing, eccentricity,
    repeatability, rising, falling, calibration ...) and ``readings`` (how many per point), and its
    points as ``loads`` (a list), ``load`` (one load, repeated over ``positions``), ``fractions``
    (of the span) or ``values`` (in the instrument's unit). A load is ``{"fraction": 0.5}`` (of the
    span), ``{"e": 500}`` (scale intervals), ``{"value": 2.0}``, ``{"at": "min"}`` (Min of OIML
    R76-1 3.2 for the class) or ``{"at": "mpe_changes"}`` (the loads where the R76 MPE changes).
    ``reference_required`` asks the technician for the reference value at each point (a
    thermometer calibration reads the reference thermometer); otherwise it is the nominal value.
``capture``
    what a workstation device reads at each point: ``{"readings": "balance"}`` (the instrument's
    indication) or ``{"reference": "pressure_reference"}`` (the reference value); see
    :data:`lims.services.workflow.devices.ROLES`.
``hysteresis``
    true: rising and falling points (or, on a dial scale, weighing and weighing_down) at the same
    nominal value are compared (EN 837-1; ĐLVN 30:2019).
``national_procedure``, ``checks``, ``change_point``, ``reading_fraction``, ``fitness``
    scales: the Vietnamese procedure followed, the OIML R76-1 A.1 checklist, the change-point
    method (A.4.4.3), a dial read to a fraction of d, and the fitness-for-purpose shares
    (R76-1 3.7.1, OIML G 19); see :mod:`lims.metrology.r76_tests`. Scale tests: zero, weighing,
    weighing_down, eccentricity (``"positions": "supports"``, ``{"at": "eccentricity"}``),
    repeatability, discrimination, tare.
``mpe``, ``decision``
    see :mod:`lims.metrology.instrument_rules`.
``budget``
    an uncertainty budget of :mod:`lims.metrology.budget` whose texts may hold placeholders
    filled with each point's values: ``{unit}``, ``{delta_unit}``, ``{reference}``,
    ``{half_resolution}``, ``{standard_U}``, ``{standard_k}``, and ``"readings": "{readings}"``.

``lims procedures load`` and the demo load the files into the Procedure table; a changed file
becomes a new version of the procedure (records keep the version they were made with).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.field_labels import field_label
from lims.i18n import _
from lims.metrology.errors import MetrologyError
from lims.metrology.instrument_rules import InstrumentFacts, check_decision_rule, check_mpe_rule, r76_plan
from lims.metrology.r76_tests import eccentricity_plan, fill_scale_terms, scale_terms, tare_applied
from lims.metrology.results import evaluate_point_budget
from lims.metrology.units import Q_, as_delta
from lims.models import InstrumentType, Procedure, Role
from lims.services import audit, catalog
from lims.services.inputs import parse
from lims.services.policy import Actor, require
from lims.services.validation import QUANTITY_UNITS
from lims.services.workflow.devices import ROLES

PROCEDURES_DIR = Path(__file__).resolve().parents[2] / "procedures"
TEST_NAMES = ("weighing", "eccentricity", "repeatability", "rising", "falling", "calibration", "zero",
              "weighing_down", "discrimination", "tare")
_SPEC_KEYS = {"schema", "quantity", "references", "environment", "tests", "hysteresis", "mpe", "decision",
              "budget", "e", "unit", "capture", "national_procedure", "checks", "fitness", "change_point",
              "reading_fraction"}
_FITNESS_KEYS = {"uncertainty_share", "reference_share", "tests"}
_TEST_KEYS = {"test", "readings", "loads", "load", "positions", "fractions", "values", "reference_required"}
MAX_READINGS = 50


@dataclass(frozen=True)
class PlannedPoint:
    test: str
    label: str
    nominal: float
    readings: int
    reference_required: bool


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(f"{field_label(field)}: {message}", field=field, errors={field: message})


# ---------------------------------------------------------------- checking a spec


def check_spec(spec: Any, unit: str | None = None) -> None:
    """Refuse a procedure spec that cannot be used, naming the part at fault.

    ``unit`` is the instrument type's unit; with it the budget template is tried out once.
    """
    if not isinstance(spec, dict):
        raise _fail("spec", _("The procedure specification must be a JSON object."))
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise _fail(f"spec.{unknown[0]}", _("Unknown key in the procedure specification."))
    if spec.get("quantity") not in QUANTITY_UNITS:
        raise _fail("spec.quantity", _("Must be one of: %(choices)s.", choices=", ".join(sorted(QUANTITY_UNITS))))
    env = spec.get("environment", [])
    if not isinstance(env, list):
        raise _fail("spec.environment", _("Must be a list."))
    from lims.metrology.errors import UnitError
    from lims.metrology.units import require_reportable

    for n, item in enumerate(env):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not isinstance(item.get("unit"), str):
            raise _fail(f"spec.environment.{n}", _("Each condition needs a key and a unit."))
        try:
            require_reportable(item["unit"], f"spec.environment.{n}.unit")
        except UnitError as exc:
            raise _fail(f"spec.environment.{n}.unit", exc.reason) from exc
    tests = spec.get("tests")
    if not isinstance(tests, list) or not tests:
        raise _fail("spec.tests", _("A procedure needs at least one test."))
    for n, test in enumerate(tests):
        _check_test(test, f"spec.tests.{n}")
    capture = spec.get("capture", {})
    if not isinstance(capture, dict) or any(k not in ("readings", "reference") or v not in ROLES
                                            for k, v in capture.items()):
        raise _fail("spec.capture", _("Must be one of: %(choices)s.", choices=", ".join(ROLES)))
    check_mpe_rule(spec.get("mpe", {"rule": "none"}))
    check_decision_rule(spec.get("decision", {"rule": "simple"}))
    _check_scale_keys(spec)
    if "budget" in spec and unit:
        delta = str(as_delta(Q_(1.0, unit)).units)
        template = fill_scale_terms(spec["budget"], scale_terms(spec, "weighing", e=1.0, d=1.0, added_load=0.5))
        try:
            tried = evaluate_point_budget(template, unit=unit, readings=[1.0, 1.0], reference=1.0,
                                          half_resolution=0.5, standard_u=f"0.1 {delta}", standard_k=2.0)
        except ValidationError as exc:
            raise _fail("spec.budget", exc.message) from exc
        if tried.budget.unused:  # a stored template says exactly what its model uses
            raise _fail("spec.budget", _("The budget's model does not use the inputs %(inputs)s.",
                                         inputs=", ".join(tried.budget.unused)))


def _check_scale_keys(spec: dict) -> None:
    """``national_procedure`` (text), ``checks`` (R76-1 A.1 checklist), ``fitness`` (R76-1 3.7.1, OIML G 19),
    ``change_point`` (R76-1 A.4.4.3) and ``reading_fraction`` (an analogue dial read to a fraction of d)."""
    if not isinstance(spec.get("national_procedure", ""), str):
        raise _fail("spec.national_procedure", _("Must be text."))
    checks = spec.get("checks", [])
    keys = [item.get("key") for item in checks if isinstance(item, dict)] if isinstance(checks, list) else []
    if not isinstance(checks, list) or len(keys) != len(checks) or not all(
            isinstance(k, str) and k and isinstance(item.get("title_vi"), str) and isinstance(item.get("title_en"), str)
            for k, item in zip(keys, checks, strict=True)) or len(set(keys)) != len(keys):
        raise _fail("spec.checks", _("Each checklist item needs its own key, title_vi and title_en."))
    fitness = spec.get("fitness", {})
    if not isinstance(fitness, dict) or set(fitness) - _FITNESS_KEYS or not all(
            isinstance(fitness.get(k, 0.5), (int, float)) and 0 < fitness.get(k, 0.5) <= 1
            for k in ("uncertainty_share", "reference_share")):
        raise _fail("spec.fitness", _("Shares of the MPE are numbers above 0 and at most 1."))
    if not isinstance(spec.get("change_point", False), bool):
        raise _fail("spec.change_point", _("Must be true or false."))
    fraction = spec.get("reading_fraction", 1.0)
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
        raise _fail("spec.reading_fraction", _("Shares of the MPE are numbers above 0 and at most 1."))


def _check_test(test: Any, field: str) -> None:
    if not isinstance(test, dict):
        raise _fail(field, _("Each test must be a JSON object."))
    unknown = sorted(set(test) - _TEST_KEYS)
    if unknown:
        raise _fail(f"{field}.{unknown[0]}", _("Unknown key in the procedure specification."))
    if test.get("test") not in TEST_NAMES:
        raise _fail(f"{field}.test", _("Must be one of: %(choices)s.", choices=", ".join(TEST_NAMES)))
    readings = test.get("readings", 1)
    if isinstance(readings, bool) or not isinstance(readings, int) or not 1 <= readings <= MAX_READINGS:
        raise _fail(f"{field}.readings", _("Must be a whole number from 1 to %(n)s.", n=MAX_READINGS))
    ways = [k for k in ("loads", "load", "fractions", "values") if k in test]
    if len(ways) != 1:
        raise _fail(field, _("Give the points of a test in exactly one way: loads, load, fractions or values."))
    if "loads" in test:
        if not isinstance(test["loads"], list) or not test["loads"]:
            raise _fail(f"{field}.loads", _("Must be a list."))
        for m, load in enumerate(test["loads"]):
            _check_load(load, f"{field}.loads.{m}")
    if "load" in test:
        _check_load(test["load"], f"{field}.load")
        positions = test.get("positions", 1)
        if positions == "supports":
            positions = 4
        if isinstance(positions, bool) or not isinstance(positions, int) or not 1 <= positions <= 20:
            raise _fail(f"{field}.positions", _("Must be a whole number from 1 to %(n)s.", n=20))
    for key in ("fractions", "values"):
        if key in test:
            values = test[key]
            if not isinstance(values, list) or not values or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
                raise _fail(f"{field}.{key}", _("Must be a list of numbers."))


def _check_load(load: Any, field: str) -> None:
    if not isinstance(load, dict) or len(load) != 1:
        raise _fail(field, _("A load is one of fraction, e, value or at."))
    key, value = next(iter(load.items()))
    if key == "at":
        if value not in ("min", "mpe_changes", "eccentricity"):
            raise _fail(field, _("Must be one of: %(choices)s.", choices="min, mpe_changes, eccentricity"))
    elif key in ("fraction", "e", "value"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _fail(field, _("Must be a finite number."))
    else:
        raise _fail(field, _("A load is one of fraction, e, value or at."))


# ---------------------------------------------------------------- planning the points


def _round_to(value: float, step: float | None) -> float:
    """``value`` to a multiple of ``step``, halves away from zero (6.25 bar → 6.3 bar at 0.1 bar)."""
    if step:
        n = float(f"{abs(value) / step:.9f}")
        value = math.copysign(math.floor(n + 0.5) * step, value)
    return float(f"{value:.12g}")


class _Loads:
    """Turns a procedure's load entries into values for one instrument (R76 figures worked out once)."""

    def __init__(self, facts: InstrumentFacts) -> None:
        self.facts = facts
        self._r76: tuple[float, list[float]] | None = None

    def r76(self) -> tuple[float, list[float]]:
        if self._r76 is None:
            try:
                self._r76 = r76_plan(self.facts)
            except MetrologyError as exc:
                raise _fail("instrument_id", _("This procedure needs an OIML R76 class and scale interval e.")
                            + " " + exc.message) from exc
        return self._r76

    def of(self, load: dict) -> list[tuple[float, str]]:
        facts, e = self.facts, self.facts.e
        key, value = next(iter(load.items()))
        if value == "eccentricity":  # R76-1 A.4.7
            ecc_load, _n = eccentricity_plan(facts.range_max, facts.max_tare, facts.load_supports)
            return [(ecc_load, "")]
        if key == "fraction":
            label = "Max" if value == 1 else ("0" if value == 0 else f"{value * 100:g} % Max")
            return [(facts.range_min + value * (facts.range_max - facts.range_min), label)]
        if key == "value":
            return [(float(value), "")]
        if not e:
            raise _fail("instrument_id", _("The instrument has no scale interval e (resolution)."))
        if key == "e":
            return [(value * e, f"{value:g} e")]
        minimum, changes = self.r76()
        if value == "min":
            return [(minimum, "Min")]
        return [(limit, f"{limit / e:g} e") for limit in changes]


def _test_points(test: dict, facts: InstrumentFacts, loads: _Loads) -> list[tuple[float, str]]:
    """(value, label) of one test's points, rounded to e and inside the instrument's range.

    ``weighing_down`` gives its loads from the largest down (R76-1 A.4.4.1); ``tare`` gives net
    loads up to Max − T after a tare T of half the maximum additive tare, and no point where
    the instrument has no tare (R76-1 A.4.6.1); eccentricity ``"positions": "supports"`` takes
    the positions from the load receptor's supports (R76-1 A.4.7).
    """
    name, e = test["test"], facts.e
    span = facts.range_max - facts.range_min
    if name == "tare" and not facts.max_tare:
        return []
    if "loads" in test:
        top = facts.range_max - tare_applied(facts.max_tare) if name == "tare" else facts.range_max
        seen: dict[float, str] = {}
        for load in test["loads"]:
            for value, label in loads.of(load):
                value = _round_to(value, e)
                if facts.range_min <= value <= top and value not in seen:
                    seen[value] = label
        if name == "tare":
            tare = _round_to(tare_applied(facts.max_tare), e)
            return [(v, f"T {tare:g} + {label}") for v, label in sorted(seen.items())]
        mark = {"weighing_down": "↓", "falling": "↓", "rising": "↑"}.get(name)
        if mark:
            return [(v, f"{label} {mark}".strip()) for v, label in sorted(seen.items(), reverse=mark == "↓")]
        return sorted(seen.items())
    if "load" in test:
        value, label = loads.of(test["load"])[0]
        value = _round_to(value, e)
        positions = test.get("positions", 1)
        if positions == "supports":
            positions = eccentricity_plan(facts.range_max, facts.max_tare, facts.load_supports)[1]
        positions = int(positions)
        if name == "zero":
            label = "0"
        if name == "repeatability":
            label = f"n = {int(test.get('readings', 1))}"
        return [(value, f"P{p}" if positions > 1 else label) for p in range(1, positions + 1)]
    if "fractions" in test:
        mark = {"rising": "↑", "falling": "↓"}.get(name, "")
        return [(_round_to(facts.range_min + f * span, e), mark) for f in test["fractions"]]
    return [(_round_to(float(v), e), "") for v in test["values"] if facts.range_min <= v <= facts.range_max]


def plan_points(spec: dict, facts: InstrumentFacts) -> list[PlannedPoint]:
    """The measurement points of a new record for this instrument (in its range unit)."""
    check_mpe_rule(spec.get("mpe", {"rule": "none"}), facts)
    loads = _Loads(facts)
    points: list[PlannedPoint] = []
    for test in spec["tests"]:
        count = int(test.get("readings", 1))
        ref = bool(test.get("reference_required", False))
        points.extend(PlannedPoint(test["test"], label, value, count, ref)
                      for value, label in _test_points(test, facts, loads))
    if not points:
        raise _fail("procedure_id", _("The procedure gives no measurement point inside this instrument's range."))
    return points


# ---------------------------------------------------------------- loading procedure files


def read_procedure_file(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail("file", _("Cannot read %(file)s: %(reason)s", file=path.name, reason=str(exc))) from exc
    if not isinstance(data, dict):
        raise _fail("file", _("%(file)s must hold one JSON object.", file=path.name))
    return data


def load_procedures(session: Session, actor: Actor | None, paths: list[Path] | None = None,
                    skipped: list[tuple[str, str]] | None = None) -> list[tuple[Procedure, str]]:
    """Load procedure files into the Procedure table.

    A file whose content equals the latest version of its code is left alone ("unchanged");
    a changed one becomes a new version ("new version"); an unknown code is "created".
    Every file is checked first; nothing is written when one is wrong. An administrator's work
    (or the system's: ``lims procedures load``, the demo).

    With ``skipped`` (a list), a file whose instrument type is not registered is left out and
    named there as (code, type code) instead of refusing the whole load: a lab that upgrades
    loads the procedures of the types it has (``lims procedures load``), and the others once it
    registers their types.
    """
    require(actor, Role.admin)
    if paths is None:
        paths = sorted(PROCEDURES_DIR.glob("*.json"))
    prepared = []
    for path in paths:
        data = read_procedure_file(path)
        try:
            type_code = data.get("instrument_type")
            itype = None
            if type_code:
                itype = session.scalar(select(InstrumentType).where(InstrumentType.code == type_code))
                if itype is None:
                    if skipped is not None:
                        skipped.append((str(data.get("code")), str(type_code)))
                        continue
                    raise _fail("instrument_type", _("No instrument type with code %(code)s.", code=repr(type_code)))
            for key in ("code", "title_vi"):
                if not isinstance(data.get(key), str) or not data[key].strip():
                    raise _fail(key, _("This field is required."))
            if data.get("kind") not in ("verification", "calibration", "test"):
                raise _fail("kind", _("Must be one of: %(choices)s.", choices="verification, calibration, test"))
            check_spec(data.get("spec"), itype.unit if itype else None)
        except ValidationError as exc:
            raise ValidationError(f"{path.name}: {exc.message}", field=exc.field, errors=exc.errors) from exc
        prepared.append((data, itype))
    out = []
    for data, itype in prepared:
        latest = session.scalar(select(Procedure).where(Procedure.code == data.get("code"))
                                .order_by(Procedure.version.desc()).limit(1))
        fields = {"code": data.get("code"), "title_vi": data.get("title_vi"), "title_en": data.get("title_en", ""),
                  "kind": data.get("kind"), "instrument_type_id": itype.id if itype else None,
                  "spec": data.get("spec")}
        if latest is not None and latest.spec == fields["spec"] and latest.title_vi == fields["title_vi"] \
                and latest.title_en == fields["title_en"] and latest.kind == fields["kind"] \
                and latest.instrument_type_id == fields["instrument_type_id"]:
            out.append((latest, "unchanged"))
            continue
        proc = catalog.create_procedure(session, actor, parse(catalog.NewProcedure, fields))  # a file as a JSON body
        if latest is not None:
            before = audit.snapshot(latest)
            latest.active = False
            audit.record(session, actor, "procedure.deactivate", latest, before=before, after=audit.snapshot(latest))
        out.append((proc, "created" if latest is None else "new version"))
    session.flush()
    return out


def procedures_for(session: Session, instrument_type_id: int, kind: str | None = None) -> list[Procedure]:
    """Active procedures for an instrument type (and kind of work)."""
    q = select(Procedure).where(Procedure.active.is_(True), Procedure.instrument_type_id == instrument_type_id)
    if kind:
        q = q.where(Procedure.kind == kind)
    return list(session.scalars(q.order_by(Procedure.code, Procedure.version)))
