"""Measurement models as safe arithmetic expressions (JCGM 100:2008, 4.1: Y = f(X1, ..., XN)).

The model text is parsed with :func:`ast.parse` (parsing only, never evaluated) and only
numbers, input symbols, ``+ - * / **`` (also ``× ÷ − ^``), parentheses, ``pi`` and the
functions ``sqrt exp log log10 sin cos tan`` are accepted. The tree is differentiated
symbolically, so sensitivity coefficients are exact (JCGM 100 5.1.3), and compiled into
closures that work on floats (the GUM budget) or on numpy arrays (Monte Carlo).

Everything here works in SI base units; :mod:`lims.metrology.budget` converts in and out.
"""
from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lims.i18n import _
from lims.metrology.errors import BudgetError

__all__ = ["Node", "Const", "Var", "Neg", "Bin", "Func", "parse_model", "derivative",
           "compile_scalar", "compile_vector", "FUNCTIONS", "RESERVED_NAMES", "MAX_MODEL_LENGTH"]

MAX_MODEL_LENGTH = 2000
FUNCTIONS = ("sqrt", "exp", "log", "log10", "sin", "cos", "tan")
RESERVED_NAMES = frozenset(FUNCTIONS) | {"pi"}

_SCALAR_FUNCS: dict[str, Callable[[float], float]] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "log10": math.log10,
    "sin": math.sin, "cos": math.cos, "tan": math.tan,
}
_VECTOR_FUNCS: dict[str, Callable[[Any], Any]] = {
    "sqrt": np.sqrt, "exp": np.exp, "log": np.log, "log10": np.log10,
    "sin": np.sin, "cos": np.cos, "tan": np.tan,
}
_SYMBOL_TEXT = str.maketrans({"×": "*", "·": "*", "÷": "/", "−": "-", "^": "**"})
_AST_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_NUMERIC_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


class Node:
    """A node of a model tree. ``source`` is the ast node it was parsed from (for messages)."""

    __slots__ = ()

    def text(self) -> str:
        """The model text of this node, for messages."""
        source = getattr(self, "source", None)
        return ast.unparse(source) if source is not None else repr(self)


@dataclass(frozen=True, eq=False, slots=True)
class Const(Node):
    value: float
    source: ast.AST | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Var(Node):
    index: int
    name: str
    source: ast.AST | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Neg(Node):
    arg: Node
    source: ast.AST | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Bin(Node):
    op: str
    left: Node
    right: Node
    source: ast.AST | None = None


@dataclass(frozen=True, eq=False, slots=True)
class Func(Node):
    name: str
    arg: Node
    source: ast.AST | None = None


def _model_error(message: str, symbol: str | None = None) -> BudgetError:
    return BudgetError(message, field="model", input=symbol)


def _fold(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        return math.pow(a, b)
    except _NUMERIC_ERRORS as exc:
        raise _model_error(_("the model computes %(a)s %(op)s %(b)s, which has no value",
                             a=repr(a), op=op, b=repr(b))) from exc


# Builders that simplify as they go (constant folding, x + 0, x * 1, x * 0 ...).
def add(a: Node, b: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_fold("+", a.value, b.value), source)
    if isinstance(a, Const) and a.value == 0:
        return b
    if isinstance(b, Const) and b.value == 0:
        return a
    return Bin("+", a, b, source)


def sub(a: Node, b: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_fold("-", a.value, b.value), source)
    if isinstance(b, Const) and b.value == 0:
        return a
    if isinstance(a, Const) and a.value == 0:
        return neg(b, source)
    return Bin("-", a, b, source)


def mul(a: Node, b: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_fold("*", a.value, b.value), source)
    for x, y in ((a, b), (b, a)):
        if isinstance(x, Const):
            if x.value == 0:
                return Const(0.0, source)
            if x.value == 1:
                return y
            if x.value == -1:
                return neg(y, source)
    return Bin("*", a, b, source)


def div(a: Node, b: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_fold("/", a.value, b.value), source)
    if isinstance(a, Const) and a.value == 0:
        return Const(0.0, source)
    if isinstance(b, Const) and b.value == 1:
        return a
    return Bin("/", a, b, source)


def power(a: Node, b: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_fold("**", a.value, b.value), source)
    if isinstance(b, Const):
        if b.value == 0:
            return Const(1.0, source)
        if b.value == 1:
            return a
    return Bin("**", a, b, source)


def neg(a: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const):
        return Const(-a.value, source)
    if isinstance(a, Neg):
        return a.arg
    return Neg(a, source)


def func(name: str, a: Node, source: ast.AST | None = None) -> Node:
    if isinstance(a, Const):
        try:
            return Const(_SCALAR_FUNCS[name](a.value), source)
        except _NUMERIC_ERRORS as exc:
            raise _model_error(_("the model computes %(name)s(%(value)s), which has no value",
                                 name=name, value=repr(a.value))) from exc
    return Func(name, a, source)


_BUILDERS = {"+": add, "-": sub, "*": mul, "/": div, "**": power}


def parse_model(text: str, symbols: Sequence[str]) -> Node:
    """Parse a model over ``symbols`` into a tree (JCGM 100 4.1.1; never ``eval``).

    Raises :class:`BudgetError` (field ``model``) for anything that is not plain
    arithmetic over the inputs, naming the offending part.
    """
    if not isinstance(text, str) or not text.strip():
        raise _model_error(_("the budget has no model (an expression such as 'p_x - p_s')"))
    if len(text) > MAX_MODEL_LENGTH:
        raise _model_error(_("the model is longer than %(max_model_length)s characters",
                             max_model_length=MAX_MODEL_LENGTH))
    cleaned = text.translate(_SYMBOL_TEXT).strip()
    try:
        tree = ast.parse(cleaned, mode="eval")
    except SyntaxError as exc:
        where = _(" near column %(column)s", column=exc.offset) if exc.offset else ""
        raise _model_error(_("the model '%(text)s' is not a valid expression%(where)s",
                             text=text, where=where)) from exc
    except (ValueError, RecursionError, MemoryError) as exc:
        raise _model_error(_("the model '%(text)s' is not a valid expression", text=text)) from exc
    index = {name: i for i, name in enumerate(symbols)}
    try:
        return _convert(tree.body, index, text)
    except RecursionError as exc:
        raise _model_error(_("the model is nested too deeply")) from exc


def _convert(node: ast.AST, index: dict[str, int], text: str) -> Node:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _model_error(_("the model contains %(unparse)s, which is not a number", unparse=ast.unparse(node)))
        return Const(float(value), node)
    if isinstance(node, ast.Name):
        if node.id == "pi":
            return Const(math.pi, node)
        if node.id in index:
            return Var(index[node.id], node.id, node)
        if node.id in FUNCTIONS:
            raise _model_error(_("the function '%(id)s' needs an argument in parentheses", id=node.id))
        known = ", ".join(sorted(index)) or _("none")
        raise _model_error(
            _("the model uses '%(id)s', which is not one of the inputs (%(known)s)", id=node.id, known=known), node.id
        )
    if isinstance(node, ast.BinOp) and type(node.op) in _AST_OPS:
        op = _AST_OPS[type(node.op)]
        return _BUILDERS[op](_convert(node.left, index, text), _convert(node.right, index, text), node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _convert(node.operand, index, text)
        return neg(operand, node) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        if name not in FUNCTIONS:
            allowed = ", ".join(FUNCTIONS)
            raise _model_error(_("the model calls '%(name)s', which is not an allowed function "
                                 "(%(allowed)s)", name=name, allowed=allowed))
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise _model_error(_("'%(name)s' in the model takes exactly one argument", name=name))
        return func(name, _convert(node.args[0], index, text), node)
    raise _model_error(
        _("the model contains '%(unparse)s', which is not allowed (use numbers, input symbols, + - * / "
          "**, parentheses and %(functions)s, pi)", unparse=ast.unparse(node), functions=', '.join(FUNCTIONS))
    )


def variables(node: Node) -> set[int]:
    """Indices of the inputs a tree uses."""
    found: set[int] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Var):
            found.add(item.index)
        elif isinstance(item, Bin):
            stack.extend((item.left, item.right))
        elif isinstance(item, (Neg, Func)):
            stack.append(item.arg)
    return found


def derivative(node: Node, index: int) -> Node:
    """The partial derivative ∂f/∂x_index, simplified (JCGM 100 5.1.3)."""
    if isinstance(node, Const):
        return Const(0.0)
    if isinstance(node, Var):
        return Const(1.0 if node.index == index else 0.0)
    if isinstance(node, Neg):
        return neg(derivative(node.arg, index))
    if isinstance(node, Func):
        a = node.arg
        da = derivative(a, index)
        if isinstance(da, Const) and da.value == 0:
            return Const(0.0)
        outer = {
            "sqrt": lambda: div(Const(0.5), func("sqrt", a)),
            "exp": lambda: func("exp", a),
            "log": lambda: div(Const(1.0), a),
            "log10": lambda: div(Const(1.0 / math.log(10.0)), a),
            "sin": lambda: func("cos", a),
            "cos": lambda: neg(func("sin", a)),
            "tan": lambda: div(Const(1.0), power(func("cos", a), Const(2.0))),
        }[node.name]()
        return mul(outer, da)
    assert isinstance(node, Bin)
    a, b = node.left, node.right
    da, db = derivative(a, index), derivative(b, index)
    if node.op == "+":
        return add(da, db)
    if node.op == "-":
        return sub(da, db)
    if node.op == "*":
        return add(mul(da, b), mul(a, db))
    if node.op == "/":
        return sub(div(da, b), div(mul(a, db), power(b, Const(2.0))))
    # a ** b
    if isinstance(b, Const):
        return mul(mul(b, power(a, Const(b.value - 1.0))), da)
    return mul(node, add(mul(db, func("log", a)), div(mul(b, da), a)))


Compiled = Callable[[Sequence[Any]], Any]


def _compile(node: Node, funcs: dict[str, Callable[[Any], Any]], pow_fn: Callable[[Any, Any], Any]) -> Compiled:
    if isinstance(node, Const):
        value = node.value
        return lambda env: value
    if isinstance(node, Var):
        return operator.itemgetter(node.index)
    if isinstance(node, Neg):
        inner = _compile(node.arg, funcs, pow_fn)
        return lambda env: -inner(env)
    if isinstance(node, Func):
        fn, inner = funcs[node.name], _compile(node.arg, funcs, pow_fn)
        return lambda env: fn(inner(env))
    assert isinstance(node, Bin)
    op = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "**": pow_fn}[node.op]
    if isinstance(node.right, Const):
        left, c = _compile(node.left, funcs, pow_fn), node.right.value
        return lambda env: op(left(env), c)
    if isinstance(node.left, Const):
        c, right = node.left.value, _compile(node.right, funcs, pow_fn)
        return lambda env: op(c, right(env))
    left, right = _compile(node.left, funcs, pow_fn), _compile(node.right, funcs, pow_fn)
    return lambda env: op(left(env), right(env))


def compile_scalar(node: Node) -> Compiled:
    """A function of a sequence of floats (base units) returning a float.

    Domain errors (log of a negative number, division by zero) raise the built-in
    ``ValueError``/``ZeroDivisionError``/``OverflowError``; the caller names the budget.
    """
    return _compile(node, _SCALAR_FUNCS, math.pow)


def compile_vector(node: Node) -> Compiled:
    """A function of a sequence of numpy arrays (or floats) returning an array."""
    return _compile(node, _VECTOR_FUNCS, np.power)


NUMERIC_ERRORS = _NUMERIC_ERRORS
