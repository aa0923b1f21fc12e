"""Bad budgets get one clear message naming the input (issue: exit code 2 in the CLI)."""
from __future__ import annotations

import copy
from typing import Any

import pytest

from lims.metrology.errors import BudgetError, BudgetUnitError, UnitError
from lims.metrology.uncertainty import evaluate_budget

GOOD: dict[str, Any] = {
    "measurand": {"symbol": "E", "unit": "bar"},
    "model": "p_x - p_s + dp_res",
    "inputs": [
        {"symbol": "p_x", "readings": ["10.02 bar", "10.03 bar", "10.02 bar"]},
        {"symbol": "p_s", "value": "10 bar", "expanded_uncertainty": "1.5 mbar", "k": 2},
        {"symbol": "dp_res", "value": "0 bar", "half_width": "5 mbar", "distribution": "rectangular"},
    ],
}


def budget_with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    budget = copy.deepcopy(GOOD)
    target: Any = budget
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return budget


def test_good_budget_evaluates() -> None:
    assert evaluate_budget(GOOD).value == pytest.approx(10.023333333 - 10)


CASES = [
    # (what, budget, input named, text in message, error class)
    ("unknown symbol in the model", budget_with(("model",), "p_x - p_q + dp_res"), "p_q",
     "'p_q', which is not one of the inputs", BudgetError),
    ("two uncertainty statements", budget_with(("inputs", 1, "standard_uncertainty"), "1 mbar"), "p_s",
     "two uncertainty statements", BudgetError),
    ("no uncertainty statement", budget_with(("inputs", 1, "expanded_uncertainty"), KeyError), "p_s",
     "no uncertainty statement", BudgetError),
    ("negative uncertainty", budget_with(("inputs", 2, "half_width"), "-5 mbar"), "dp_res",
     "negative", BudgetError),
    ("unit that does not fit the model",
     budget_with(("inputs", 2), {"symbol": "dp_res", "value": "0 g", "standard_uncertainty": "5 g"}), "dp_res",
     "'dp_res' (g, a mass)", BudgetUnitError),
    ("value unit that does not fit its uncertainty", budget_with(("inputs", 2, "value"), "0 g"), "dp_res",
     "half_width '5 mbar' is a pressure (mbar), but dp_res is a mass (g)", BudgetUnitError),
    ("uncertainty unit that does not fit its input", budget_with(("inputs", 1, "expanded_uncertainty"), "1.5 mL"),
     "p_s", "is a volume (mL), but p_s is a pressure (bar)", BudgetUnitError),
    ("reading with a wrong unit", budget_with(("inputs", 0, "readings"), ["10.02 bar", "10.03 kg"]), "p_x",
     "mass (kg)", BudgetUnitError),
    ("expanded uncertainty without k", budget_with(("inputs", 1, "k"), KeyError), "p_s",
     "coverage factor 'k'", BudgetError),
    ("half width without distribution", budget_with(("inputs", 2, "distribution"), KeyError), "dp_res",
     "needs its 'distribution'", BudgetError),
    ("unknown distribution", budget_with(("inputs", 2, "distribution"), "poisson"), "dp_res",
     "unknown distribution 'poisson'", BudgetError),
    ("one reading without pooled sd", budget_with(("inputs", 0, "readings"), ["10.02 bar"]), "p_x",
     "one reading gives no type A uncertainty", BudgetError),
    ("value and readings", budget_with(("inputs", 0, "value"), "10 bar"), "p_x",
     "either readings", BudgetError),
    ("misspelt key", budget_with(("inputs", 2, "half_widht"), "5 mbar"), "dp_res",
     "unknown key 'half_widht'", BudgetError),
    ("negative dof", budget_with(("inputs", 1, "dof"), -3), "p_s", "positive number", BudgetError),
    ("zero k", budget_with(("inputs", 1, "k"), 0), "p_s", "k must be positive", BudgetError),
    ("bare number without unit", budget_with(("inputs", 2, "half_width"), 5), "dp_res",
     "has no unit", BudgetUnitError),
    ("unknown unit", budget_with(("inputs", 2, "value"), "0 barr"), "dp_res", "unknown unit 'barr'",
     BudgetUnitError),
    ("duplicate symbol", budget_with(("inputs", 2, "symbol"), "p_s"), "p_s", "appears twice", BudgetError),
    ("symbol that is a function name", budget_with(("inputs", 2, "symbol"), "sqrt"), "sqrt",
     "function or constant", BudgetError),
    ("correlation with an unknown input", budget_with(("correlations",), [{"a": "p_x", "b": "q", "r": 0.5}]),
     None, "'q', which is not an input", BudgetError),
    ("correlation out of range", budget_with(("correlations",), [{"a": "p_x", "b": "p_s", "r": 1.5}]),
     "p_x", "between -1 and 1", BudgetError),
]


@pytest.mark.parametrize(("what", "budget", "symbol", "text", "error"), CASES, ids=[c[0] for c in CASES])
def test_bad_budget_message_names_the_input(what: str, budget: dict, symbol: str | None, text: str,
                                            error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        evaluate_budget(budget)
    message = str(caught.value)
    assert text in message
    assert "\n" not in message
    if symbol is not None:
        assert f"'{symbol}'" in message
        assert caught.value.input == symbol  # type: ignore[attr-defined]


def test_contradictory_correlations_refused() -> None:
    """r(a,b) = r(a,c) = 0.9 with r(b,c) = −0.9 is impossible (matrix not positive semi-definite)."""
    budget = {
        "measurand": {"symbol": "Y", "unit": "g"},
        "model": "a + b + c",
        "inputs": [{"symbol": s, "value": "1 g", "standard_uncertainty": "1 mg"} for s in "abc"],
        "correlations": [{"a": "a", "b": "b", "r": 0.9}, {"a": "a", "b": "c", "r": 0.9},
                         {"a": "b", "b": "c", "r": -0.9}],
    }
    with pytest.raises(BudgetError, match="contradict each other"):
        evaluate_budget(budget)


@pytest.mark.parametrize(
    ("budget", "text"),
    [
        ({"model": "x", "inputs": []}, "needs a 'measurand'"),
        ({"measurand": {"symbol": "E"}, "model": "x", "inputs": []}, "needs a 'unit'"),
        ({"measurand": {"symbol": "E", "unit": "bar"}, "model": "x", "inputs": []}, "list of 'inputs'"),
        (budget_with(("coverage_probability",), 95), "between 0 and 1"),
        (budget_with(("modle",), "x"), "unknown key 'modle'"),
        (budget_with(("measurand", "unit"), "g"), "the measurand E is in g"),
        (budget_with(("model",), "p_x - p_s + dp_res + "), "not a valid expression"),
    ],
)
def test_bad_budget_as_a_whole(budget: dict, text: str) -> None:
    with pytest.raises(BudgetError, match=text.replace("(", r"\(")):
        evaluate_budget(budget)


def test_measurand_in_a_unit_no_certificate_can_print_is_refused() -> None:
    """The measurand's unit is the unit of the reported result: it must be one of the lab's table."""
    from lims.i18n import use_language

    for lang, text in (("en", "The unit 'psi' cannot be printed on a certificate. Use one of: Pa, kPa, MPa,"),
                       ("vi", "Đơn vị 'psi' không in được trên giấy chứng nhận.")):
        with use_language(lang), pytest.raises(BudgetUnitError) as caught:
            evaluate_budget(budget_with(("measurand", "unit"), "psi"))
        assert str(caught.value).startswith(f"measurand: {text}")
        assert caught.value.field == "measurand" and caught.value.units == ("psi",)


def test_unit_mismatch_is_both_a_budget_and_a_unit_error() -> None:
    with pytest.raises(UnitError) as caught:
        evaluate_budget(budget_with(("inputs", 2), {"symbol": "dp_res", "value": "0 g",
                                                    "standard_uncertainty": "5 g"}))
    assert isinstance(caught.value, BudgetError) and isinstance(caught.value, ValueError)
    assert caught.value.to_problem()["detail"]["input"] == "dp_res"


def test_model_without_value_at_the_estimates() -> None:
    budget = {
        "measurand": {"symbol": "Y", "unit": "dimensionless"},
        "model": "log(x)",
        "inputs": [{"symbol": "x", "value": -1, "unit": "dimensionless", "standard_uncertainty": 0.1}],
    }
    with pytest.raises(BudgetError, match="has no value at the input estimates"):
        evaluate_budget(budget)


def test_reference_temperature_written_in_kelvin_is_named() -> None:
    """An absolute temperature in K beside readings in °C (DESIGN: K next to °C is a difference).

    t_x = mean(20.12, 20.14, 20.13) °C = 20.13 °C, t_s = 293.15 K = 20.00 °C: by hand the error
    is t_x − t_s = 0.13 K. Read as 20.13 °C − (a difference of 293.15 K) the model gives
    −273.02 °C, so the message must point at t_s (write it in degC), not only at the measurand.
    With t_s in degC the budget gives E = 0.13 °C as a difference (delta_degC).
    """
    budget = {
        "measurand": {"symbol": "E", "unit": "delta_degC"},
        "model": "t_x - t_s + dt_res",
        "inputs": [
            {"symbol": "t_x", "readings": ["20.12 degC", "20.14 degC", "20.13 degC"]},
            {"symbol": "t_s", "value": "293.150 K", "expanded_uncertainty": "0.02 K", "k": 2},
            {"symbol": "dt_res", "value": "0 K", "half_width": "0.005 K", "distribution": "rectangular"},
        ],
    }
    with pytest.raises(BudgetUnitError, match="if t_s or dt_res is a temperature, give it in °C") as caught:
        evaluate_budget(budget)
    assert caught.value.input == "t_s"
    budget["inputs"][1]["value"] = "20.000 degC"
    result = evaluate_budget(budget)
    assert result.value == pytest.approx(0.13, abs=1e-12)
    assert result.to_dict()["value"]["unit"] == "delta_degC"
