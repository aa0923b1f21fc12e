"""Small helpers that turn raw input into typed values, collecting one message per field.

Used by every service so that the web forms, the API and the CLI report the same
messages for the same mistake, naming the field.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

from lims.errors import FieldErrors
from lims.i18n import N_, _, current_language
from lims.metrology.number_reading import NumberTextError, read_number

# The physical quantity an instrument type measures, and a unit of that quantity that any
# unit given for it must be convertible to.
QUANTITY_UNITS: dict[str, str] = {
    "mass": "kg",
    "volume": "L",
    "pressure": "Pa",
    "temperature": "K",
    "length": "m",
    "force": "N",
    "voltage": "V",
    "current": "A",
    "resistance": "ohm",
    "power": "W",
    "energy": "J",
    "frequency": "Hz",
    "time": "s",
    "speed": "m/s",
    "flow": "m**3/s",
    "density": "kg/m**3",
    "concentration": "mg/L",
    "relative_humidity": "percent_RH",
    "dose_rate": "Sv/h",
}


#: The whole numbers every integer column holds on both databases (PostgreSQL's ``INTEGER``;
#: SQLite's are 64-bit): ids in paths, query parameters and integer fields stay within them.
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1

#: Characters refused in text (C0 controls and DEL); TAB, LF and CR only where a field is multi-line.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f]")


def control_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` that text may not hold (``U+0000``), or None.

    Control characters (U+0000–U+001F and U+007F) are refused everywhere: PostgreSQL cannot store a
    NUL, and XML 1.0 (the DCC) cannot hold most of them. TAB, LF and CR are allowed in a
    ``multiline`` text (notes, remarks, reasons, addresses)."""
    found = (_CONTROL if multiline else _CONTROL_OR_BREAK).search(value)
    return f"U+{ord(found.group()):04X}" if found else None


#: Whether the values being checked came typed, as a JSON body's do: then none is converted — a
#: number where text is expected, text where a number or a date is, a number for true or false ... is
#: refused naming the field. Forms, the query string and the CLI send text, which the checks convert.
typed_input: ContextVar[bool] = ContextVar("typed_input", default=False)

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@contextmanager
def typed() -> Iterator[None]:
    """Check every value read within as typed (:data:`typed_input`): the API's requests."""
    token = typed_input.set(True)
    try:
        yield
    finally:
        typed_input.reset(token)


#: Whether text numbers come in the plain notation ``1000.5`` first (a file's cells, which the import
#: writes so, :func:`lims.services.imports.table.number_text`), whatever the page's language.
plain_numbers: ContextVar[bool] = ContextVar("plain_numbers", default=False)


def number_reading() -> dict[str, Any]:
    """How typed text's numbers are read (:func:`lims.metrology.number_reading.read_number`): as the
    page's language writes them (``1.000,5`` in Vietnamese, ``1,000.5`` in English); a program's
    text (the API's, :data:`typed_input`; an imported file's, :data:`plain_numbers`) in the plain
    notation ``1000.5`` first, else in the request's language."""
    return {"lang": current_language(), "plain_first": typed_input.get() or plain_numbers.get()}


def json_type(value: Any) -> str:
    """The JSON type of ``value`` as JSON names it (string, number, boolean, array, object, null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


#: JSON's type names as a message shows them (in English, the names themselves).
_JSON_TYPES = {"string": N_("string"), "number": N_("number"), "boolean": N_("boolean"), "array": N_("array"),
               "object": N_("object"), "null": N_("null")}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checker(FieldErrors):
    """Reads and checks the fields of a form or JSON body (:class:`lims.errors.FieldErrors`).

    ``strict`` (by default :data:`typed_input`): values must have the type the field takes, as a
    JSON body's do; otherwise text is converted (forms, query strings, the CLI)."""

    def __init__(self, *, strict: bool | None = None) -> None:
        super().__init__()
        self.strict = typed_input.get() if strict is None else strict

    def wrong_type(self, field: str, value: Any, expected: str) -> None:
        """Refuse a value of another JSON type than the field's, naming both (the type as JSON names it,
        explained in the message's language)."""
        given = json_type(value)
        shown = _(_JSON_TYPES[given]) if given in _JSON_TYPES else given
        messages = {
            "text": _("Must be text, not %(type)s.", type=shown),
            "number": _("Must be a number, not %(type)s.", type=shown),
            "integer": _("Must be a whole number, not %(type)s.", type=shown),
            "boolean": _("Must be true or false, not %(type)s.", type=shown),
            "list": _("Must be a list, not %(type)s.", type=shown),
        }
        self.fail(field, messages[expected])

    def text(self, data: dict, field: str, *, required: bool = True, max_len: int = 255, default: str = "",
             multiline: bool = False) -> str:
        value = data.get(field)
        if self.strict and value is not None and not isinstance(value, str):
            self.wrong_type(field, value, "text")
            return default
        value = "" if value is None else str(value).strip()
        if not value:
            if required:
                self.fail(field, _("This field is required."))
            return default
        if len(value) > max_len:
            self.fail(field, _("At most %(n)s characters.", n=max_len))
        self.no_control(field, value, multiline=multiline)
        return value

    def no_control(self, field: str, value: str, *, multiline: bool = False) -> None:
        """Refuse a control character in ``value`` (:func:`control_character`), naming the field."""
        found = control_character(value, multiline=multiline)
        if found:
            self.fail(field, _("Contains a control character (%(char)s), which text may not hold.", char=found))

    def number(self, data: dict, field: str, *, required: bool = True, positive: bool = False,
               non_negative: bool = False) -> float | None:
        value = data.get(field)
        if (self.strict and value is not None and not _is_number(value)) or isinstance(value, bool):
            self.wrong_type(field, value, "number")
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(field, _("This field is required."))
            return None
        try:
            number = read_number(value, **number_reading()) if isinstance(value, str) else float(value)
        except NumberTextError as exc:
            self.fail(field, exc.message)
            return None
        except (TypeError, ValueError):
            self.fail(field, _("%(value)s is not a number.", value=repr(value)))
            return None
        if number != number or number in (float("inf"), float("-inf")):
            self.fail(field, _("Must be a finite number."))
            return None
        if positive and number <= 0:
            self.fail(field, _("Must be greater than zero."))
        if non_negative and number < 0:
            self.fail(field, _("Must not be negative."))
        return number

    def integer(self, data: dict, field: str, *, required: bool = True, minimum: int | None = None) -> int | None:
        value = data.get(field)
        if (self.strict and value is not None and not _is_number(value)) or isinstance(value, bool):
            self.wrong_type(field, value, "integer")
            return None
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(field, _("This field is required."))
            return None
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            number = int(str(value).strip()) if isinstance(value, str) else int(value)
        except (TypeError, ValueError):
            self.fail(field, _("%(value)s is not a whole number.", value=repr(value)))
            return None
        if minimum is not None and number < minimum:
            self.fail(field, _("Must be at least %(minimum)s.", minimum=minimum))
        elif not DB_INT_MIN <= number <= DB_INT_MAX:
            lo = DB_INT_MIN if minimum is None else max(minimum, DB_INT_MIN)
            self.fail(field, _("Must be between %(lo)s and %(hi)s.", lo=lo, hi=DB_INT_MAX))
            return None
        return number

    def choice(self, data: dict, field: str, choices: list[str] | tuple[str, ...], *,
               default: str | None = None) -> str:
        value = data.get(field)
        if self.strict and value is not None and not isinstance(value, str):
            self.fail(field, _("Must be one of: %(choices)s.", choices=", ".join(choices)))
            return default or ""
        value = default if value in (None, "") else str(value)
        if value is None or value not in choices:
            self.fail(field, _("Must be one of: %(choices)s.", choices=", ".join(choices)))
            return default or ""
        return value

    def boolean(self, data: dict, field: str, default: bool = False) -> bool:
        value = data.get(field)
        if self.strict and value is not None and not isinstance(value, bool):
            self.wrong_type(field, value, "boolean")
            return default
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "y", "on"):
            return True
        if text in ("0", "false", "no", "n", "off"):
            return False
        self.fail(field, _("Must be true or false."))
        return default

    def day(self, data: dict, field: str, *, required: bool = True) -> date | None:
        value = data.get(field)
        if value is None or value == "":
            if required:
                self.fail(field, _("This field is required."))
            return None
        if isinstance(value, date):
            return value
        if self.strict and not (isinstance(value, str) and _ISO_DAY.fullmatch(value.strip())):
            self.fail(field, _("%(value)s is not a date (YYYY-MM-DD).", value=repr(value)))
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(field, _("%(value)s is not a date (YYYY-MM-DD).", value=repr(value)))
            return None

    def unit(self, data: dict, field: str, *, quantity: str | None = None, required: bool = True) -> str:
        """A unit of the given physical quantity that a certificate can print (the lab's unit table)."""
        text = self.text(data, field, required=required, max_len=32)
        if not text:
            return text
        from lims.metrology.errors import UnitError
        from lims.metrology.units import require_reportable, ureg

        try:
            unit = ureg.Unit(text)
        except Exception:
            self.fail(field, _("Unknown unit %(unit)s.", unit=repr(text)))
            return text
        if quantity is not None:
            ref = QUANTITY_UNITS.get(quantity)
            if ref is not None and not unit.is_compatible_with(ureg.Unit(ref)):
                self.fail(field, _("The unit %(unit)s does not measure %(quantity)s (expected a unit like %(ref)s).",
                                    unit=repr(text), quantity=quantity, ref=repr(ref)))
        if field not in self.errors:
            try:
                require_reportable(text, field)
            except UnitError as exc:
                self.fail(field, exc.reason)
        return text


def check_tax_code(value: str) -> bool:
    """Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a dash and 3 digits for a branch."""
    digits = value.replace("-", "")
    if not digits.isdigit():
        return False
    return (len(value) == 10 and value.isdigit()) or (len(value) == 14 and value[10] == "-" and len(digits) == 13)


def require_exists(check: Checker, session, model, field: str, value: Any):
    if value is None:
        return None
    obj = session.get(model, value)
    if obj is None:
        check.fail(field, _("Nothing with id %(id)s.", id=value))
    return obj
