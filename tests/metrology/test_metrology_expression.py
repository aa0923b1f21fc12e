"""The model language: safe parsing, exact derivatives (JCGM 100 5.1.3), scalar and array forms."""
from __future__ import annotations

import math

import numpy as np
import pytest

from lims.metrology.errors import BudgetError
from lims.metrology.expression import (
    MAX_MODEL_LENGTH,
    Const,
    compile_scalar,
    compile_vector,
    derivative,
    parse_model,
)

SYMBOLS = ("a", "b", "c")


@pytest.mark.parametrize(
    "model",
    [
        "__import__('os').system('echo hi')",
        "a.real",
        "a[0]",
        "(lambda: 1)()",
        "a if b else c",
        "a < b",
        "'text'",
        "open('x')",
        "sqrt(a, b)",
        "sqrt(x=a)",
        "d + a",
        "a + ",
        "[a, b]",
        "a and b",
        "True + a",
        "1j * a",
        "sqrt",
    ],
)
def test_model_outside_the_language_is_refused(model: str) -> None:
    with pytest.raises(BudgetError) as caught:
        parse_model(model, SYMBOLS)
    assert caught.value.field == "model"


def test_unknown_symbol_named() -> None:
    with pytest.raises(BudgetError, match=r"uses 'd', which is not one of the inputs \(a, b, c\)") as caught:
        parse_model("a - d", SYMBOLS)
    assert caught.value.input == "d"


def test_overlong_model_refused() -> None:
    with pytest.raises(BudgetError, match="longer than"):
        parse_model("a+" * MAX_MODEL_LENGTH + "a", SYMBOLS)


def test_typeset_operators_accepted() -> None:
    """The issue's + − × ÷ and the spreadsheet ^ mean the same as + - * / **."""
    env = [3.0, 2.0, 4.0]
    typeset = compile_scalar(parse_model("a × b ÷ c − a^2", SYMBOLS))(env)
    plain = compile_scalar(parse_model("a * b / c - a**2", SYMBOLS))(env)
    assert typeset == plain == 3.0 * 2.0 / 4.0 - 9.0


def test_constants_fold_and_pi() -> None:
    tree = parse_model("2 * pi * 0.5", SYMBOLS)
    assert isinstance(tree, Const) and tree.value == pytest.approx(math.pi)


def test_derivatives_match_hand_differentiation() -> None:
    """JCGM 100 5.1.3: c_i = ∂f/∂x_i, here for f = a·b/c + sqrt(a)·exp(b) − log(c)·sin(a) + c**b.

    By hand: ∂f/∂a = b/c + exp(b)/(2√a) − log(c)·cos(a)
             ∂f/∂b = a/c + √a·exp(b) + c**b·log(c)
             ∂f/∂c = −a·b/c² − sin(a)/c + b·c**(b−1)
    """
    model = "a*b/c + sqrt(a)*exp(b) - log(c)*sin(a) + c**b"
    tree = parse_model(model, SYMBOLS)
    a, b, c = 1.3, 0.7, 2.2
    expected = [
        b / c + math.exp(b) / (2 * math.sqrt(a)) - math.log(c) * math.cos(a),
        a / c + math.sqrt(a) * math.exp(b) + c**b * math.log(c),
        -a * b / c**2 - math.sin(a) / c + b * c ** (b - 1),
    ]
    for i in range(3):
        got = compile_scalar(derivative(tree, i))([a, b, c])
        assert got == pytest.approx(expected[i], rel=1e-13)


def test_linear_model_derivatives_are_constants() -> None:
    tree = parse_model("a - b - 2*c", SYMBOLS)
    assert [derivative(tree, i).value for i in range(3)] == [1.0, -1.0, -2.0]  # type: ignore[attr-defined]


def test_functions_derivatives() -> None:
    """d/da of sqrt, exp, log, log10, sin, cos, tan against hand formulas at a = 0.4."""
    a = 0.4
    cases = {
        "sqrt(a)": 0.5 / math.sqrt(a),
        "exp(a)": math.exp(a),
        "log(a)": 1 / a,
        "log10(a)": 1 / (a * math.log(10)),
        "sin(a)": math.cos(a),
        "cos(a)": -math.sin(a),
        "tan(a)": 1 / math.cos(a) ** 2,
        "-a**3": -3 * a**2,
    }
    for model, expected in cases.items():
        d = derivative(parse_model(model, SYMBOLS), 0)
        assert compile_scalar(d)([a, 0.0, 0.0]) == pytest.approx(expected, rel=1e-13), model


def test_scalar_and_array_forms_agree() -> None:
    tree = parse_model("a*b/c + sqrt(a)*exp(b) - log(c)*sin(a) + c**b", SYMBOLS)
    rng = np.random.default_rng(1)
    columns = [rng.uniform(0.5, 2.0, 50) for _ in range(3)]
    vector = compile_vector(tree)(columns)
    scalar = [compile_scalar(tree)([col[k] for col in columns]) for k in range(50)]
    np.testing.assert_allclose(vector, scalar, rtol=1e-14)


def test_domain_errors_surface_as_builtin_errors_for_the_caller() -> None:
    with pytest.raises(ValueError):
        compile_scalar(parse_model("log(a)", SYMBOLS))([-1.0, 0.0, 0.0])
    with pytest.raises(ZeroDivisionError):
        compile_scalar(parse_model("b / a", SYMBOLS))([0.0, 1.0, 0.0])
    with pytest.raises(BudgetError, match="no value"):
        parse_model("log(-1) + a", SYMBOLS)
