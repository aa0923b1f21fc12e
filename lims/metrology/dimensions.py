"""Dimensional analysis of a measurement model before any number is computed.

Every term of a sum must have the same dimension, functions other than ``sqrt`` take a
pure number, and a temperature in °C (an offset unit) may only be added to or subtracted
from: ``t_x - t_s`` is a difference (delta_degC), ``t + dt`` is a temperature, while
``2 * t`` has no meaning (pint's rules for offset units). The model's result must have
the dimension of the measurand (JCGM 100 4.1: Y and f(X) are the same quantity).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lims.i18n import _
from lims.metrology.errors import BudgetUnitError
from lims.metrology.expression import Bin, Const, Func, Neg, Node, Var
from lims.metrology.units import UnitInfo, ureg
from lims.metrology.units_registry import dimension_label, shown_unit

__all__ = ["ModelDimension", "analyse"]

_DIMENSIONLESS = ureg.get_dimensionality(ureg.Unit(""))


class ModelDimension:
    """Dimension of a (sub)model and whether it is a temperature on an offset scale (°C)."""

    __slots__ = ("dimensionality", "offset", "label")

    def __init__(self, dimensionality: Any, offset: bool, label: str) -> None:
        self.dimensionality = dimensionality
        self.offset = offset
        self.label = label


def _fail(message: str, *nodes: Node, units: tuple[str, ...] = ()) -> BudgetUnitError:
    names = [n.name for n in nodes if isinstance(n, Var)]
    return BudgetUnitError(message, input=names[0] if names else None, field="model", units=units)


def _describe(node: Node, dim: ModelDimension) -> str:
    return f"'{node.text()}' ({dim.label})"


def analyse(node: Node, infos: Sequence[UnitInfo], expected: Any = None) -> ModelDimension:
    """The dimension of ``node`` given the units of the inputs; raises BudgetUnitError.

    ``expected`` is the dimension the node should have (the measurand's for the terms of
    the top-level sum); it only serves to name the input at fault in a mismatch.
    """
    if isinstance(node, Const):
        return ModelDimension(_DIMENSIONLESS, False, _("a pure number"))
    if isinstance(node, Var):
        info = infos[node.index]
        return ModelDimension(info.dimensionality, info.is_offset,
                              _("%(unit)s, %(kind)s", unit=shown_unit(info.text),
                                kind=dimension_label(info.dimensionality)))
    if isinstance(node, Neg):
        inner = analyse(node.arg, infos, expected)
        if inner.offset:
            raise _fail(_("the model negates %(describe)s: a temperature in °C cannot be negated; use "
                          "K or a temperature difference (Δ°C)", describe=_describe(node.arg, inner)), node.arg)
        return inner
    if isinstance(node, Func):
        inner = analyse(node.arg, infos)
        if inner.offset:
            raise _fail(_("the model takes %(name)s() of %(describe)s; use K or a temperature "
                          "difference (Δ°C)", name=node.name, describe=_describe(node.arg, inner)), node.arg)
        if node.name == "sqrt":
            dims = inner.dimensionality ** 0.5
            return ModelDimension(dims, False, dimension_label(dims))
        if inner.dimensionality != _DIMENSIONLESS:
            raise _fail(_("%(name)s() in the model needs a pure number, but %(describe)s has a unit",
                          name=node.name, describe=_describe(node.arg, inner)), node.arg)
        return ModelDimension(_DIMENSIONLESS, False, _("a pure number"))
    assert isinstance(node, Bin)
    if node.op in ("+", "-"):
        left, right = analyse(node.left, infos, expected), analyse(node.right, infos, expected)
        return _additive(node, left, right, expected)
    left, right = analyse(node.left, infos), analyse(node.right, infos)
    if left.offset or right.offset:
        culprit = node.left if left.offset else node.right
        dim = left if left.offset else right
        raise _fail(_("the model multiplies, divides or raises %(describe)s: a temperature in °C can "
                      "only be added or subtracted; use K or a temperature difference (Δ°C)",
                      describe=_describe(culprit, dim)), culprit)
    if node.op == "*":
        dims = left.dimensionality * right.dimensionality
    elif node.op == "/":
        dims = left.dimensionality / right.dimensionality
    else:
        if right.dimensionality != _DIMENSIONLESS:
            raise _fail(_("the exponent %(describe)s must be a pure number",
                          describe=_describe(node.right, right)), node.right)
        if left.dimensionality == _DIMENSIONLESS:
            dims = _DIMENSIONLESS
        elif isinstance(node.right, Const):
            dims = left.dimensionality ** node.right.value
        else:
            raise _fail(_("%(describe)s has a unit, so its exponent '%(text)s' must be a fixed number",
                          describe=_describe(node.left, left), text=node.right.text()), node.left)
    return ModelDimension(dims, False, dimension_label(dims))


def _additive(node: Bin, left: ModelDimension, right: ModelDimension, expected: Any) -> ModelDimension:
    if left.dimensionality != right.dimensionality:
        word = _("adds") if node.op == "+" else _("subtracts")
        culprit = node.left if expected is not None and left.dimensionality != expected else node.right
        other = node.right if culprit is node.left else node.left
        hint = ""
        if isinstance(node.left, Const) or isinstance(node.right, Const):
            hint = _("; a number written in the model is a pure number: to add a fixed amount of a quantity, "
                     "make it an input with its value and unit (its uncertainty may be zero)")
        raise _fail(
            _("the model %(word)s %(describe)s and %(describe2)s, which are not the same kind of "
              "quantity%(hint)s",
              word=word, describe=_describe(node.left, left), describe2=_describe(node.right, right), hint=hint),
            culprit, other,
        )
    if left.offset and right.offset:
        if node.op == "+":
            raise _fail(_("the model adds two temperatures in °C (%(text)s); use K, or add a "
                          "temperature difference (Δ°C)", text=node.text()), node.left, node.right)
        return ModelDimension(left.dimensionality, False, _("a temperature difference (Δ°C or K)"))
    if right.offset and node.op == "-":
        raise _fail(_("the model subtracts the temperature %(describe)s from a temperature difference; "
                      "write the temperature first", describe=_describe(node.right, right)), node.right)
    if left.offset or right.offset:
        return ModelDimension(left.dimensionality, True, "a temperature in °C")
    return left
