"""MPE rules: OIML R76-1 tables, accuracy classes, fixed values, rules as data."""
from __future__ import annotations

import pytest

from lims.metrology.errors import MPEError, UnitError
from lims.metrology.mpe import (
    fixed_mpe,
    percent_of_reading,
    percent_of_span,
    r76_instrument,
    r76_mpe,
)
from lims.metrology.mpe_spec import RULES, mpe_from_spec, parse_mpe_spec
from lims.metrology.units import Q_, canonical_unit, parse_quantity


def grams(q: object) -> float:
    return float(q.to("g").magnitude)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("load", "initial_e"),
    [
        ("0 kg", 0.5), ("1 kg", 0.5), ("2.5 kg", 0.5),          # 0 ≤ m ≤ 500 e
        ("2.505 kg", 1.0), ("5 kg", 1.0), ("10 kg", 1.0),         # 500 e < m ≤ 2 000 e
        ("10.005 kg", 1.5), ("30 kg", 1.5), ("50 kg", 1.5),       # 2 000 e < m ≤ 10 000 e
    ],
)
def test_r76_class_iii_e_5_g_table(load: str, initial_e: float) -> None:
    """OIML R76-1 3.5.1 class III, e = 5 g: ±0.5 e to 500 e (2.5 kg), ±1 e to 2 000 e (10 kg),
    ±1.5 e to 10 000 e (50 kg); in service twice that (3.5.2)."""
    assert r76_mpe("III", "5 g", load) == Q_(initial_e * 5, "g")
    assert r76_mpe("III", "5 g", load, in_service=True) == Q_(2 * initial_e * 5, "g")


@pytest.mark.parametrize(
    ("klass", "e", "loads_and_mpe_in_e"),
    [
        ("I", "1 mg", [("50 g", 0.5), ("50.001 g", 1.0), ("200 g", 1.0), ("200.001 g", 1.5), ("1 kg", 1.5)]),
        ("II", "0.1 g", [("500 g", 0.5), ("500.1 g", 1.0), ("2 kg", 1.0), ("2.0001 kg", 1.5), ("10 kg", 1.5)]),
        ("IIII", "50 g", [("2.5 kg", 0.5), ("2.55 kg", 1.0), ("10 kg", 1.0), ("10.05 kg", 1.5), ("50 kg", 1.5)]),
    ],
)
def test_r76_other_classes(klass: str, e: str, loads_and_mpe_in_e: list[tuple[str, float]]) -> None:
    """OIML R76-1 3.5.1: class I bands at 50 000 e and 200 000 e; class II at 5 000 e, 20 000 e
    (to 100 000 e); class IIII at 50 e, 200 e (to 1 000 e)."""
    e_g = grams(parse_quantity(e))
    for load, multiple in loads_and_mpe_in_e:
        assert grams(r76_mpe(klass, e, load)) == pytest.approx(multiple * e_g), load


def test_r76_band_boundary_survives_float_noise() -> None:
    """0.5 g / 0.000001 kg = 500.00000000000006 in floating point; it is still 500 e (±0.5 e)."""
    assert Q_(0.5, "g").to("kg").magnitude / 0.000001 > 500
    assert r76_mpe("III", "0.000001 kg", "0.5 g").to("g").magnitude == pytest.approx(0.0005)
    assert r76_mpe("III", "0.1 g", "50 g") == Q_(0.05, "g")


def test_r76_mpe_is_in_the_unit_of_e_whatever_the_load_unit() -> None:
    mpe = r76_mpe("III", "0.005 kg", "2000 g")
    assert canonical_unit(mpe.units) == "kg" and mpe.magnitude == pytest.approx(0.0025)


def test_r76_refuses_wrong_units_and_loads() -> None:
    with pytest.raises(UnitError) as caught:
        r76_mpe("III", "5 g", "2 bar")
    assert "bar" in str(caught.value) and "g" in str(caught.value)
    with pytest.raises(UnitError, match="mass"):
        r76_mpe("III", "5 mL", "2 kg")
    with pytest.raises(MPEError, match="beyond the class III table"):
        r76_mpe("III", "5 g", "50.005 kg")
    with pytest.raises(MPEError, match="negative"):
        r76_mpe("III", "5 g", "-1 kg")
    with pytest.raises(MPEError, match="accuracy class"):
        r76_mpe("V", "5 g", "1 kg")
    with pytest.raises(MPEError, match="positive"):
        r76_mpe("III", "0 g", "1 kg")


def test_r76_class_names() -> None:
    assert r76_mpe("iii", "5 g", "1 kg") == r76_mpe(3, "5 g", "1 kg") == r76_mpe("III", "5 g", "1 kg")


def test_r76_instrument_table_3() -> None:
    """OIML R76-1 Table 3: class III with e = 5 g needs 500 ≤ n ≤ 10 000; Min = 20 e.
    A 30 kg / 5 g scale: n = 6 000, Min = 100 g. Class II, e = 0.01 g: Min = 20 e = 0.2 g."""
    scale = r76_instrument("III", "5 g", "30 kg")
    assert scale.n == pytest.approx(6000) and scale.min_capacity == Q_(100, "g")
    assert r76_instrument("II", "0.01 g", "200 g").min_capacity == Q_(0.2, "g")
    with pytest.raises(MPEError, match="500 to 10000, but n = 20000"):
        r76_instrument("III", "5 g", "100 kg")
    with pytest.raises(MPEError, match="not allowed for class IIII"):
        r76_instrument("IIII", "1 g", "100 g")


def test_percent_of_reading_platinum_thermometer_class_a() -> None:
    """IEC 60751 class A: ±(0.15 + 0.002·|t|) °C; at 100 °C: 0.15 + 0.2 = 0.35 °C (a difference);
    at −50 °C: 0.15 + 0.1 = 0.25 °C."""
    at_100 = percent_of_reading(0.2, "100 degC", fixed="0.15 delta_degC")
    assert canonical_unit(at_100.units) == "delta_degC" and at_100.magnitude == pytest.approx(0.35)
    assert percent_of_reading(0.2, "-50 degC", fixed="0.15 degC").magnitude == pytest.approx(0.25)
    assert percent_of_reading(0.5, "200 V") == Q_(1.0, "V")
    with pytest.raises(UnitError, match="does not fit the reading"):
        percent_of_reading(0.5, "200 V", fixed="2 mA")


def test_percent_of_span_pressure_gauge_class_1_6() -> None:
    """EN 837-1: class 1.6 on 0–16 bar allows ±1.6 % × 16 bar = ±0.256 bar; a −50…150 °C
    dial thermometer of class 1 allows ±1 % × 200 °C = ±2 °C (a difference)."""
    assert percent_of_span(1.6, "16 bar").magnitude == pytest.approx(0.256)
    assert percent_of_span(1.6, ["0 bar", "16 bar"]).magnitude == pytest.approx(0.256)
    thermometer = percent_of_span(1.0, ["-50 degC", "150 degC"])
    assert canonical_unit(thermometer.units) == "delta_degC" and thermometer.magnitude == pytest.approx(2.0)
    with pytest.raises(MPEError, match="above its low end"):
        percent_of_span(1.0, ["10 bar", "0 bar"])


def test_fixed_mpe_is_a_difference() -> None:
    assert canonical_unit(fixed_mpe("0.1 degC").units) == "delta_degC"
    with pytest.raises(MPEError, match="positive"):
        fixed_mpe("-0.1 g")


@pytest.mark.parametrize(
    ("spec", "at", "expected"),
    [
        ({"rule": "r76", "accuracy_class": "III", "e": "5 g"}, "2 kg", Q_(2.5, "g")),
        ({"rule": "r76", "accuracy_class": "III", "e": "5 g", "in_service": True}, "2 kg", Q_(5.0, "g")),
        ({"rule": "percent_of_reading", "percent": 0.2, "fixed": "0.15 delta_degC"}, "100 degC",
         Q_(0.35, "delta_degC")),
        ({"rule": "percent_of_span", "accuracy_class": 1.6, "full_scale": "16 bar"}, "5 bar", Q_(0.256, "bar")),
        ({"rule": "percent_of_span", "percent": 2.5, "span": ["-1 bar", "3 bar"]}, "1 bar", Q_(0.1, "bar")),
        ({"rule": "fixed", "mpe": "0.5 degC"}, "37 degC", Q_(0.5, "delta_degC")),
        ({"rule": "piecewise", "bands": [{"up_to": "10 kg", "mpe": "5 g"}, {"up_to": None, "mpe": "10 g"}]},
         "12 kg", Q_(10, "g")),
        ({"rule": "piecewise", "bands": [{"up_to": "10 kg", "mpe": "5 g"}, {"up_to": None, "mpe": "10 g"}]},
         "10 kg", Q_(5, "g")),
    ],
)
def test_mpe_from_spec(spec: dict, at: str, expected: object) -> None:
    got = mpe_from_spec(spec, at)
    assert got.magnitude == pytest.approx(expected.magnitude)  # type: ignore[attr-defined]
    assert got.units == expected.units  # type: ignore[attr-defined]
    rule = parse_mpe_spec(spec)
    assert parse_mpe_spec(rule.to_spec()) == rule
    assert rule.describe("vi") and rule.describe("en")


def test_rule_descriptions_for_certificates() -> None:
    r76 = parse_mpe_spec({"rule": "r76", "accuracy_class": "III", "e": "5 g"})
    assert r76.describe("en") == ("OIML R76-1, accuracy class III, e = 5\u00a0g, initial verification: "
                                  "MPE ±0.5 e up to 500 e; ±1 e up to 2000 e; ±1.5 e up to 10\u00a0000 e")
    assert r76.describe("vi").startswith("OIML R76-1, cấp chính xác III, e = 5\u00a0g, kiểm định ban đầu: MPE ±0,5 e")
    gauge = parse_mpe_spec({"rule": "percent_of_span", "accuracy_class": 1.6, "full_scale": "16 bar"})
    assert gauge.describe("vi") == "±1,6 % khoảng đo (0\u00a0bar đến 16\u00a0bar)"


@pytest.mark.parametrize(
    ("spec", "error", "text"),
    [
        ({"rule": "oiml_r99"}, MPEError, "unknown MPE rule 'oiml_r99'"),
        ({"accuracy_class": "III"}, MPEError, "with a 'rule'"),
        ({"rule": "r76", "accuracy_class": "III"}, MPEError, "needs 'e'"),
        ({"rule": "r76", "accuracy_class": "III", "e": "5 g", "max": "30 kg"}, MPEError, "unknown key 'max'"),
        ({"rule": "r76", "accuracy_class": "III", "e": "5 bar"}, UnitError, "mass"),
        ({"rule": "percent_of_span", "percent": 1.6}, MPEError, "'span' [low, high] or 'full_scale'"),
        ({"rule": "percent_of_reading", "percent": -1}, MPEError, "positive number"),
        ({"rule": "piecewise", "bands": [{"up_to": None, "mpe": "1 g"}, {"up_to": "1 kg", "mpe": "2 g"}]},
         MPEError, "only the last band"),
        ({"rule": "piecewise", "bands": [{"up_to": "2 kg", "mpe": "1 g"}, {"up_to": "1 kg", "mpe": "2 g"}]},
         MPEError, "must increase"),
    ],
)
def test_bad_mpe_specs(spec: dict, error: type[Exception], text: str) -> None:
    with pytest.raises(error) as caught:
        parse_mpe_spec(spec)
    assert text in str(caught.value)


def test_reading_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(UnitError, match="bar.*g"):
        mpe_from_spec({"rule": "fixed", "mpe": "1 g"}, "2 bar")
    with pytest.raises(MPEError, match="give the load"):
        mpe_from_spec({"rule": "r76", "accuracy_class": "III", "e": "5 g"})
    assert set(RULES) == {"r76", "percent_of_reading", "percent_of_span", "fixed", "piecewise"}


@pytest.mark.parametrize(("klass", "m_e", "mpe_e"), [
    ("III", 500, 0.5), ("III", 501, 1.0), ("III", 2000, 1.0), ("III", 2001, 1.5),
    ("ii", 5000, 0.5), ("II", 5001, 1.0), ("I", 50_000, 0.5), ("IIII", 51, 1.0),
])
def test_r76_mpe_in_scale_intervals_oiml_r76_1_table_6(klass, m_e, mpe_e):
    """OIML R76-1 table 6 at initial verification: the band edges belong to the lower band."""
    from lims.metrology.mpe import r76_mpe_in_e

    assert r76_mpe_in_e(klass, m_e) == mpe_e
