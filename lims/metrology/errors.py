"""Errors of the measurement core.

Every error raised on purpose by :mod:`lims.metrology` is a :class:`MetrologyError`, which
is a :class:`lims.errors.LimsError` (so the web layer's one handler turns it into a 422
answer) and, in each subclass, also a :class:`ValueError`, so callers that only know
built-in exceptions still catch them. Messages are written for a technician: they name
the input, the unit or the rule that is wrong and say what is expected.
"""
from __future__ import annotations

from typing import Any

from lims.errors import LimsError


class MetrologyError(LimsError):
    """Base class of the domain errors of the measurement core."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message, field=field, detail=detail)

    def __str__(self) -> str:
        return self.message


class UnitError(MetrologyError, ValueError):
    """A quantity has no unit, an unknown unit, or a unit of the wrong kind.

    ``units`` holds the unit texts involved (the one given and the one expected) so a
    form can highlight them. ``field`` names the input at fault when there is one, and
    ``reason`` is the message without the field's name (what a form shows beside the field).
    """

    def __init__(self, message: str, *, units: tuple[str, ...] = (), field: str | None = None,
                 reason: str | None = None) -> None:
        MetrologyError.__init__(self, message, field=field, detail={"units": list(units)} if units else None)
        self.units = units
        self.reason = message if reason is None else reason


class BudgetError(MetrologyError, ValueError):
    """An uncertainty budget that cannot be evaluated.

    ``input`` names the budget input at fault (``None`` when the fault is in the model,
    the measurand or the budget as a whole); ``field`` names the key of the budget entry.
    """

    def __init__(self, message: str, *, input: str | None = None, field: str | None = None) -> None:
        MetrologyError.__init__(self, message, field=field, detail={"input": input} if input else None)
        self.input = input


class BudgetUnitError(BudgetError, UnitError):
    """An input's unit does not fit the model or the measurand."""

    def __init__(
        self,
        message: str,
        *,
        input: str | None = None,
        field: str | None = None,
        units: tuple[str, ...] = (),
    ) -> None:
        BudgetError.__init__(self, message, input=input, field=field)
        self.units = units
        self.reason = message
        if units:
            self.detail["units"] = list(units)


class MPEError(MetrologyError, ValueError):
    """A maximum-permissible-error rule that is unknown, incomplete or out of its range."""


class DecisionError(MetrologyError, ValueError):
    """A decision rule that is unknown or given inconsistent values."""
