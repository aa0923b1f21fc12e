"""The format of ``StandardCalibration.data``: what a standard's calibration certificate states.

Every quantity is text with its unit (``"12 mg"``, ``"-0.004 delta_degC"``, ``"0.15 mbar"``); a
coverage factor ``k`` is a number (2 when left out). ``{}`` means the certificate is entered as one
expanded uncertainty for the whole range (the calibration's ``expanded_uncertainty``), as before.

**Weights** (a standard of the quantity *mass*; OIML R111-1)::

    {"use": "corrections",            # or "nominal": used at nominal value, within the class's MPE
     "class": "F1",                   # the pieces' class unless a piece says otherwise
     "pieces": [{"id": "20kg", "nominal": "20 kg", "correction": "+12 mg", "U": "30 mg", "k": 2},
                {"id": "10kg", "nominal": "10 kg", "correction": "-4 mg", "U": "16 mg", "k": 2},
                {"id": "2kg*", "nominal": "2 kg", "correction": "+1.1 mg", "U": "3 mg", "class": "F1"}]}

``correction`` is the conventional mass minus the nominal value (OIML D 28), ``U`` its expanded
uncertainty. Each piece's class must be one of R111's (E2, F1, F2, M1) with the nominal value in
Table 1; with corrections, ``U`` ≤ ⅓ MPE (R111-1 5.2) and \\|correction\\| ≤ MPE − U (R111-1 5.3.2).
Pieces of the same nominal value are told apart by their ``id`` (the dotted ``2kg*``).

**Corrections per point** (a thermometer, a pressure reference, any other quantity)::

    {"points": [{"at": "0 degC", "correction": "-0.004 delta_degC", "U": "0.010 delta_degC", "k": 2},
                {"at": "50 degC", "correction": "0.006 delta_degC", "U": "0.012 delta_degC", "k": 2}],
     "resolution": "0.001 delta_degC",       # the reference readout's resolution (optional)
     "coefficients": [-0.004, 0.0002],       # optional: correction = c0 + c1·t + c2·t² … (units of "at")
     "medium": "gas", "medium_density": "860 kg/m**3"}   # pressure only: the pressure medium

``at`` is the reference's reading at the calibration point, ``correction`` what is added to the
reading to get the value of the quantity (a difference: ``delta_degC`` for temperatures), ``U`` its
expanded uncertainty with ``k``. ``medium`` is ``gas`` (density from the pressure, 1.2 kg/m³ at one
atmosphere) or ``liquid`` (``medium_density`` then required); it serves the head correction.

:func:`parse_calibration_data` checks it all and answers :class:`WeightSet`,
:class:`CorrectionTable` or ``None`` for ``{}``; it raises one :class:`lims.errors.ValidationError`
naming every wrong field (``data.pieces.3.U``), in the current language.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lims.errors import FieldErrors
from lims.i18n import _, current_language
from lims.metrology.errors import UnitError
from lims.metrology.number_reading import read_number
from lims.metrology.reference.r111 import R111_CLASSES, r111_mpe_kg
from lims.metrology.units import Q_, as_delta, canonical_unit, parse_quantity, ureg
from lims.metrology.units_format import page_number
from lims.metrology.units_registry import shown_unit

_WEIGHT_KEYS = {"use", "class", "pieces"}
_PIECE_KEYS = {"id", "nominal", "correction", "U", "k", "class"}
_POINTS_KEYS = {"points", "resolution", "coefficients", "medium", "medium_density"}
_POINT_KEYS = {"at", "correction", "U", "k"}


@dataclass(frozen=True)
class Piece:
    """One weight of a set; masses in kg. ``correction``/``U`` are None when the set is used at nominal."""

    id: str
    nominal: float
    accuracy_class: str
    mpe: float
    correction: float | None = None
    expanded_uncertainty: float | None = None
    k: float = 2.0

    @property
    def u(self) -> float | None:
        return None if self.expanded_uncertainty is None else self.expanded_uncertainty / self.k


@dataclass(frozen=True)
class WeightSet:
    pieces: tuple[Piece, ...]
    use: str = "corrections"  # or "nominal"


@dataclass(frozen=True)
class CalibrationPoint:
    at: float  # in CorrectionTable.unit
    correction: float  # in CorrectionTable.delta_unit
    expanded_uncertainty: float
    k: float = 2.0


@dataclass(frozen=True)
class CorrectionTable:
    points: tuple[CalibrationPoint, ...]  # in increasing ``at``
    unit: str
    delta_unit: str
    resolution: float = 0.0  # delta_unit
    coefficients: tuple[float, ...] = ()
    medium: str | None = None
    medium_density: float | None = None  # kg/m³


CalibrationData = WeightSet | CorrectionTable


_Errors = FieldErrors


def _quantity(err: _Errors, field: str, raw: Any, like: str, *, required: bool = True) -> float | None:
    """``raw`` (text with a unit) in the unit ``like``; a temperature difference read as one."""
    if raw is None or raw == "":
        if required:
            err.fail(field, _("This field is required."))
        return None
    delta = like.startswith("delta_")
    try:
        q = parse_quantity(str(raw), lang=current_language(), plain_first=True)
        if delta:
            q = as_delta(q)
        if not q.is_compatible_with(ureg.Unit(like)):
            raise UnitError("incompatible")
        return float(q.to(like).magnitude)
    except (UnitError, ValueError, TypeError, AttributeError):
        err.fail(field, _("%(value)s is not a quantity with a unit like %(unit)s (for example %(example)s).",
                          value=repr(raw), unit=shown_unit(like), example=f"'1.5 {shown_unit(like)}'"))
        return None


def _k(err: _Errors, field: str, raw: Any) -> float:
    if raw is None or raw == "":
        return 2.0
    try:
        k = read_number(raw, current_language(), plain_first=True) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        k = -1.0
    if not k > 0 or k != k or k == float("inf"):
        err.fail(field, _("The coverage factor must be a number greater than zero."))
        return 2.0
    return k


def _unknown(err: _Errors, prefix: str, entry: dict[str, Any], known: set[str]) -> None:
    for key in sorted(set(entry) - known):
        err.fail(f"{prefix}.{key}", _("Unknown key; expected one of: %(keys)s.", keys=", ".join(sorted(known))))


def _piece(err: _Errors, n: int, raw: Any, default_class: str | None, use: str, seen: set[str]) -> Piece | None:
    field = f"data.pieces.{n}"
    if not isinstance(raw, dict):
        err.fail(field, _("Each piece is an object with its id, nominal value, class, correction and U."))
        return None
    _unknown(err, field, raw, _PIECE_KEYS)
    ident = str(raw.get("id") or "").strip()
    if not ident:
        err.fail(f"{field}.id", _("This field is required."))
    elif ident in seen:
        err.fail(f"{field}.id", _("Two pieces are called %(id)s.", id=repr(ident)))
    seen.add(ident)
    nominal = _quantity(err, f"{field}.nominal", raw.get("nominal"), "kg")
    klass = str(raw.get("class") or default_class or "")
    if klass not in R111_CLASSES:
        err.fail(f"{field}.class", _("Must be one of: %(choices)s.", choices=", ".join(R111_CLASSES)))
        return None
    if nominal is None:
        return None
    mpe = r111_mpe_kg(klass, nominal)
    if mpe is None:
        err.fail(f"{field}.nominal", _("OIML R111-1 Table 1 has no %(class)s weight of %(nominal)s.",
                                       **{"class": klass, "nominal": str(raw.get("nominal"))}))
        return None
    needed = use == "corrections"
    correction = _quantity(err, f"{field}.correction", raw.get("correction"), "mg", required=needed)
    expanded = _quantity(err, f"{field}.U", raw.get("U"), "mg", required=needed)
    k = _k(err, f"{field}.k", raw.get("k"))
    correction = None if correction is None else correction * 1e-6
    expanded = None if expanded is None else expanded * 1e-6
    if expanded is not None:
        if expanded < 0:
            err.fail(f"{field}.U", _("Must not be negative."))
        elif expanded > mpe / 3 * (1 + 1e-9):
            err.fail(f"{field}.U", _("U is more than ⅓ of the MPE of a %(class)s weight (%(mpe)s mg, "
                                     "OIML R111-1 5.2).", **{"class": klass, "mpe": f"{mpe * 1e6:g}"}))
        elif correction is not None and abs(correction) > (mpe - expanded) * (1 + 1e-9):
            err.fail(f"{field}.correction", _("The correction is larger than the MPE less U (%(limit)s mg): the "
                                              "weight is not of class %(class)s (OIML R111-1 5.3.2).",
                                              **{"class": klass, "limit": f"{(mpe - expanded) * 1e6:g}"}))
    return Piece(id=ident, nominal=nominal, accuracy_class=klass, mpe=mpe, correction=correction,
                 expanded_uncertainty=expanded, k=k)


def _weights(err: _Errors, data: dict[str, Any]) -> WeightSet | None:
    _unknown(err, "data", data, _WEIGHT_KEYS)
    use = str(data.get("use") or "corrections")
    if use not in ("corrections", "nominal"):
        err.fail("data.use", _("Must be one of: %(choices)s.", choices="corrections, nominal"))
        use = "corrections"
    raw_pieces = data.get("pieces")
    if not isinstance(raw_pieces, list) or not raw_pieces:
        err.fail("data.pieces", _("A list of the set's pieces is required."))
        raw_pieces = []
    seen: set[str] = set()
    default_class = data.get("class")
    pieces = [_piece(err, n, raw, str(default_class) if default_class else None, use, seen)
              for n, raw in enumerate(raw_pieces, start=1)]
    err.done()
    return WeightSet(pieces=tuple(p for p in pieces if p is not None), use=use)


def _table_point(err: _Errors, n: int, raw: Any, unit: str, delta: str) -> CalibrationPoint | None:
    field = f"data.points.{n}"
    if not isinstance(raw, dict):
        err.fail(field, _("Each calibration point is an object with at, correction, U and k."))
        return None
    _unknown(err, field, raw, _POINT_KEYS)
    at = _quantity(err, f"{field}.at", raw.get("at"), unit)
    correction = _quantity(err, f"{field}.correction", raw.get("correction"), delta)
    expanded = _quantity(err, f"{field}.U", raw.get("U"), delta)
    k = _k(err, f"{field}.k", raw.get("k"))
    if expanded is not None and expanded < 0:
        err.fail(f"{field}.U", _("Must not be negative."))
    if at is None or correction is None or expanded is None:
        return None
    return CalibrationPoint(at=at, correction=correction, expanded_uncertainty=expanded, k=k)


def _table_extras(err: _Errors, data: dict[str, Any], quantity: str, delta: str) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    resolution = _quantity(err, "data.resolution", data.get("resolution"), delta, required=False)
    if resolution is not None and resolution < 0:
        err.fail("data.resolution", _("Must not be negative."))
    extras["resolution"] = resolution or 0.0
    coefficients = data.get("coefficients") or []
    if not isinstance(coefficients, list) or not all(
            isinstance(c, (int, float)) and not isinstance(c, bool) for c in coefficients):
        err.fail("data.coefficients", _("A list of numbers: correction = c0 + c1·t + c2·t² …"))
        coefficients = []
    extras["coefficients"] = tuple(float(c) for c in coefficients)
    medium = data.get("medium")
    if medium is not None and (quantity != "pressure" or medium not in ("gas", "liquid")):
        err.fail("data.medium", _("For a pressure reference only: gas or liquid."))
        medium = None
    density = _quantity(err, "data.medium_density", data.get("medium_density"), "kg/m**3",
                        required=medium == "liquid")
    if density is not None and density <= 0:
        err.fail("data.medium_density", _("Must be greater than zero."))
    extras.update(medium=medium, medium_density=density)
    return extras


def _table(err: _Errors, data: dict[str, Any], quantity: str, unit: str) -> CorrectionTable | None:
    _unknown(err, "data", data, _POINTS_KEYS)
    delta = canonical_unit(as_delta(Q_(1.0, unit)).units)
    raw_points = data.get("points")
    if not isinstance(raw_points, list) or not raw_points:
        err.fail("data.points", _("A list of the calibration points is required."))
        raw_points = []
    points = [_table_point(err, n, raw, unit, delta) for n, raw in enumerate(raw_points, start=1)]
    extras = _table_extras(err, data, quantity, delta)
    good = sorted((p for p in points if p is not None), key=lambda p: p.at)
    for a, b in zip(good, good[1:], strict=False):
        if b.at - a.at <= 1e-12 * max(abs(a.at), abs(b.at), 1.0):
            err.fail("data.points", _("Two calibration points are at %(at)s %(unit)s.", at=page_number(a.at),
                                      unit=shown_unit(unit)))
    err.done()
    return CorrectionTable(points=tuple(good), unit=unit, delta_unit=delta, **extras)


def parse_calibration_data(data: Any, *, quantity: str, unit: str) -> CalibrationData | None:
    """Check ``data`` for a standard of ``quantity`` whose range is in ``unit`` (see the module
    docstring); ``None`` for ``{}``. Raises :class:`ValidationError` naming every wrong field."""
    if data is None or data == {}:
        return None
    err = _Errors()
    if not isinstance(data, dict):
        err.fail("data", _("The calibration data must be a JSON object."))
        err.done()
    if quantity == "mass":
        return _weights(err, data)
    return _table(err, data, quantity, unit)
