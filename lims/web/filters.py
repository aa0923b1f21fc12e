"""Jinja filters: numbers with units, dates, in the page's language."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g

from lims.metrology.units_format import format_class, page_day, page_number, page_quantity, page_range


def fmt_number(value: float | int | None, digits: int | None = None) -> str:
    """Vietnamese pages use a decimal comma and a dot between thousands; English the reverse
    (:func:`lims.metrology.units_format.page_number`)."""
    if value is None:
        return "—"
    return page_number(value, g.get("lang", "vi"), digits)


def fmt_quantity(value: float | None, unit: str | None, digits: int | None = None) -> str:
    """A value with its unit's symbol; a small mass in a smaller unit ("1 mg", not "0,000001 kg")."""
    if value is None:
        return "—"
    return page_quantity(value, unit, g.get("lang", "vi"), digits)


def fmt_range(low: float | None, high: float | None, unit: str | None) -> str:
    """A measuring range: "0 … 16 bar"; "1 mg … 20 kg" when one end is small."""
    if low is None or high is None:
        return "—"
    return page_range(low, high, unit, g.get("lang", "vi"))


def fmt_class(value: str | None) -> str:
    """An accuracy class in the page's language: "1,6" on Vietnamese pages, "1.6" on English ones."""
    return format_class(value, g.get("lang", "vi"))


def unit_symbol(unit: str | None) -> str:
    """The unit as people write it: the printed symbol of the lab's unit table (``L``, ``°C`` for a
    temperature and for a difference of temperatures, ``%RH``, ``Ω``); other units composed from
    those symbols (``Ω/mA``); the stored text when it is not a unit at all."""
    if not unit:
        return ""
    from lims.metrology.errors import UnitError
    from lims.metrology.units import format_unit

    try:
        return format_unit(unit)
    except (UnitError, ValueError, AttributeError, TypeError):  # show the stored text rather than fail the page
        return unit


def fmt_k(value: float | None) -> str:
    """A coverage factor as reported: two decimals (JCGM 100 7.2.4: k = 2.26), rounded half away
    from zero by :mod:`lims.metrology.reporting`; a decimal comma on Vietnamese pages."""
    if value is None:
        return "—"
    from lims.metrology.reporting import round_to_places

    return fmt_number(float(round_to_places(float(value), 2)), 2)


def fmt_date(value: date | datetime | None) -> str:
    return format_day(value, g.get("lang", "vi"))


def format_day(value: date | datetime | None, lang: str) -> str:
    """A date (or date and time) as the page's language writes it (:func:`lims.metrology.units_format.page_day`)."""
    return page_day(value, lang)


def init_filters(app: Flask) -> None:
    app.add_template_filter(fmt_number, "number")
    app.add_template_filter(fmt_quantity, "quantity")
    app.add_template_filter(fmt_date, "day")
    app.add_template_filter(unit_symbol, "unit")
    app.add_template_filter(fmt_k, "k")
    app.add_template_filter(fmt_class, "klass")
    app.add_template_filter(fmt_range, "range")
