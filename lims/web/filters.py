"""Jinja filters: numbers with units, dates, in the page's language."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g


def fmt_number(value: float | int | None, digits: int | None = None) -> str:
    """Vietnamese pages use a decimal comma and a dot between thousands; English the reverse."""
    if value is None:
        return "—"
    if isinstance(value, int) and digits is None:
        text = f"{value:,}"
    elif digits is not None:
        text = f"{value:,.{digits}f}"
    else:
        text = f"{value:,.10g}" if abs(value) >= 1e15 else _plain(value)
    if g.get("lang", "vi") == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _plain(value: float) -> str:
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def fmt_quantity(value: float | None, unit: str | None, digits: int | None = None) -> str:
    if value is None:
        return "—"
    return f"{fmt_number(value, digits)} {unit_symbol(unit)}".strip()


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
    """A date (or date and time) as the page's language writes it."""
    if value is None:
        return "—"
    if lang == "vi":
        return value.strftime("%d/%m/%Y") if not isinstance(value, datetime) else value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%Y-%m-%d") if not isinstance(value, datetime) else value.strftime("%Y-%m-%d %H:%M")


def init_filters(app: Flask) -> None:
    app.add_template_filter(fmt_number, "number")
    app.add_template_filter(fmt_quantity, "quantity")
    app.add_template_filter(fmt_date, "day")
    app.add_template_filter(unit_symbol, "unit")
    app.add_template_filter(fmt_k, "k")
