"""Properties that must hold for every budget, rule and number (hypothesis)."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lims.metrology.decision import OUTCOMES, decide
from lims.metrology.mpe import r76_mpe
from lims.metrology.reporting import round_result
from lims.metrology.uncertainty import evaluate_budget
from lims.metrology.units import format_number, parse_quantity

SETTINGS = settings(max_examples=60, deadline=None)
KINDS = ("standard", "expanded", "rectangular", "triangular", "arcsine")

uncertainty = st.floats(min_value=1e-4, max_value=10.0, allow_nan=False, allow_infinity=False)
dof = st.one_of(st.none(), st.integers(min_value=1, max_value=60))
inputs = st.lists(st.tuples(st.sampled_from(KINDS), uncertainty, dof, st.floats(-5, 5)), min_size=1, max_size=8)


def entry(n: int, kind: str, u: float, nu: int | None, x: float, scale: float = 1.0, unit: str = "g") -> dict:
    item: dict = {"symbol": f"x{n}", "value": f"{x} {unit}"}
    if kind == "standard":
        item["standard_uncertainty"] = f"{u * scale} {unit}"
    elif kind == "expanded":
        item.update(expanded_uncertainty=f"{2 * u * scale} {unit}", k=2)
    else:
        item.update(half_width=f"{u * scale} {unit}", distribution=kind)
    if nu is not None:
        item["dof"] = nu
    return item


def budget(items: list[dict], model: str, unit: str = "g") -> dict:
    return {"measurand": {"symbol": "Y", "unit": unit}, "model": model, "inputs": items}


def linear_model(n: int) -> str:
    return " + ".join(f"{(-1) ** i * (i + 1)} * x{i}" for i in range(n))


@SETTINGS
@given(inputs, st.floats(min_value=0.01, max_value=100.0))
def test_scaling_every_uncertainty_by_c_scales_u_by_c(spec: list, c: float) -> None:
    """JCGM 100 5.1.2 and G.4.1: u_c and U are homogeneous of degree 1 in the u(x_i); ν_eff
    (a ratio of fourth powers) and so k do not change."""
    model = linear_model(len(spec))
    base = evaluate_budget(budget([entry(n, *s) for n, s in enumerate(spec)], model))
    scaled = evaluate_budget(budget([entry(n, *s, scale=c) for n, s in enumerate(spec)], model))
    assert scaled.standard_uncertainty == pytest.approx(c * base.standard_uncertainty, rel=1e-9)
    assert scaled.expanded_uncertainty == pytest.approx(c * base.expanded_uncertainty, rel=1e-9)
    if math.isfinite(base.dof_effective):
        assert scaled.dof_effective == pytest.approx(base.dof_effective, rel=1e-9)
    assert scaled.k == pytest.approx(base.k, rel=1e-9)


@SETTINGS
@given(inputs, st.randoms(use_true_random=False))
def test_order_of_the_inputs_does_not_matter(spec: list, rnd: object) -> None:
    model = linear_model(len(spec))
    items = [entry(n, *s) for n, s in enumerate(spec)]
    shuffled = list(items)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = evaluate_budget(budget(items, model)), evaluate_budget(budget(shuffled, model))
    assert b.value == pytest.approx(a.value, rel=1e-12, abs=1e-12)
    assert b.standard_uncertainty == pytest.approx(a.standard_uncertainty, rel=1e-12)
    assert b.k == a.k


@SETTINGS
@given(inputs)
def test_the_unit_an_input_is_written_in_does_not_matter(spec: list) -> None:
    """The same budget in g and in mg (numbers × 1000) gives the same result in g."""
    model = linear_model(len(spec))
    in_g = evaluate_budget(budget([entry(n, *s) for n, s in enumerate(spec)], model))
    in_mg = evaluate_budget(budget([entry(n, kind, u * 1000, nu, x * 1000, unit="mg")
                                    for n, (kind, u, nu, x) in enumerate(spec)], model))
    assert in_mg.value == pytest.approx(in_g.value, rel=1e-9, abs=1e-9)
    assert in_mg.standard_uncertainty == pytest.approx(in_g.standard_uncertainty, rel=1e-9)


@SETTINGS
@given(inputs, st.floats(-100, 100))
def test_a_constant_adds_nothing_to_the_uncertainty(spec: list, nominal: float) -> None:
    model = linear_model(len(spec))
    items = [entry(n, *s) for n, s in enumerate(spec)]
    with_constant = items + [{"symbol": "c0", "value": f"{nominal} g", "standard_uncertainty": "0 g"}]
    a = evaluate_budget(budget(items, model))
    b = evaluate_budget(budget(with_constant, model + " + c0"))
    assert b.standard_uncertainty == pytest.approx(a.standard_uncertainty, rel=1e-12)
    assert b.value == pytest.approx(a.value + nominal, rel=1e-9, abs=1e-9)


@SETTINGS
@given(st.floats(min_value=1e-9, max_value=1e9), st.floats(min_value=-1e6, max_value=1e6))
def test_rounded_uncertainty_has_two_significant_digits(u: float, y: float) -> None:
    """JCGM 100 7.2.6: U keeps two significant digits and y the same last decimal place."""
    value, expanded = round_result(y, u)
    digits = expanded.as_tuple().digits
    assert len(str(int("".join(map(str, digits))))) == 2
    assert value.as_tuple().exponent == expanded.as_tuple().exponent
    assert abs(float(expanded) - u) <= 0.5 * 10.0 ** expanded.as_tuple().exponent * (1 + 1e-9) + 1e-12 * u


@SETTINGS
@given(st.floats(min_value=-9999, max_value=9999, allow_nan=False), st.sampled_from(["g", "bar", "degC", "percent_RH"]))
def test_printed_english_quantity_reads_back(value: float, unit: str) -> None:
    text = f"{format_number(value, 'en')} {unit}"
    assert parse_quantity(text).magnitude == pytest.approx(value, rel=1e-11, abs=1e-11)


@SETTINGS
@given(st.sampled_from(["I", "II", "III", "IIII"]), st.floats(min_value=0.0, max_value=1.0))
def test_r76_in_service_is_twice_initial_and_mpe_grows_with_load(klass: str, fraction: float) -> None:
    """OIML R76-1 3.5.2, and the bands of 3.5.1 never decrease with the load."""
    top = {"I": 300_000, "II": 100_000, "III": 10_000, "IIII": 1_000}[klass]
    load = fraction * top
    initial = r76_mpe(klass, "1 g", f"{load} g")
    assert r76_mpe(klass, "1 g", f"{load} g", in_service=True) == 2 * initial
    assert r76_mpe(klass, "1 g", f"{min(load * 1.1, top)} g") >= initial


@SETTINGS
@given(st.floats(-2, 2), st.floats(0, 1), st.floats(0.01, 1), st.floats(0, 3))
def test_decision_rules_are_consistent(error: float, u: float, mpe: float, r: float) -> None:
    """ILAC G8:09/2019: a guard band only makes acceptance harder; r = 0 is simple acceptance;
    the non-binary outcome never improves as |error| grows."""
    simple = decide(f"{error} g", f"{u} g", f"{mpe} g", "simple")
    guarded = decide(f"{error} g", f"{u} g", f"{mpe} g", "guard_band", r=r)
    if guarded.outcome == "pass":
        assert simple.outcome == "pass"
    assert decide(f"{error} g", f"{u} g", f"{mpe} g", "guard_band", r=0).outcome == simple.outcome
    nearer = decide(f"{error / 2} g", f"{u} g", f"{mpe} g", "non_binary", r=r)
    farther = decide(f"{error} g", f"{u} g", f"{mpe} g", "non_binary", r=r)
    assert OUTCOMES.index(nearer.outcome) <= OUTCOMES.index(farther.outcome)
    assert farther.conforms == (abs(error) <= mpe * (1 + 1e-9))
