"""The office dashboard page (/office): charts with their tables, each exported as CSV or XLSX.

Reviewers and admins (:func:`lims.services.policy.can_see_office`). Filters: ``from``, ``to``
(YYYY-MM-DD) and ``type_id``; the figures come from :mod:`lims.services.office`.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lims.errors import ValidationError
from lims.models import InstrumentType, Role
from lims.services import office
from lims.web.auth import acting_user, roles_required
from lims.web.context import get_db
from lims.web.filters import fmt_number, format_day
from lims.web.nav import NavItem
from lims.web.office_charts import bar_chart

bp = Blueprint("office", __name__, url_prefix="/office")

NAV = (NavItem("office.index", _l("Office"), (Role.reviewer,), order=60),)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lang() -> str:
    from flask import g

    return str(g.get("lang", "vi"))


def _label(value: object, lang: str, short: bool = False) -> str:
    """A row's label: a day as the language writes it (day and month only along a chart's axis)."""
    if isinstance(value, date):
        if short:
            return value.strftime("%d/%m") if lang == "vi" else value.strftime("%m-%d")
        return format_day(value, lang)
    if isinstance(value, str) and len(value) == 7 and value[4] == "-":  # a month, YYYY-MM
        return f"{value[5:]}/{value[:4]}" if lang == "vi" else value
    return str(value)


def _fmt(value: float | int | None, digits: int | None = None) -> str:
    if isinstance(value, float) and digits is None:
        digits = 0 if value == int(value) else 1
    return fmt_number(value, digits)


def chart(t: office.Table, lang: str):
    """The chart of one table: its first column along the bottom, the other numeric columns as bars
    (the pass-rate chart shows only the rate)."""
    labels = [_label(row[0], lang, short=True) for row in t.rows]
    columns = list(range(1, len(t.columns)))
    if t.key == "pass_rate":
        columns = [3]
    elif t.key == "turnaround":
        columns = [2, 3]
    unit = t.columns[columns[0]][1]
    series = [(t.columns[c][0], [row[c] for row in t.rows]) for c in columns]
    return bar_chart(labels, series, title=t.title, unit=unit, fmt=_fmt)


@bp.route("")
@roles_required(Role.reviewer)
def index():
    db = get_db()
    f = office.parse_filters(db, request.args)
    lang = _lang()
    tables = office.dashboard(db, acting_user(), f, lang)
    types = db.execute(select(InstrumentType.id, InstrumentType.name_vi, InstrumentType.name_en)
                       .order_by(InstrumentType.code)).all()
    return render_template("office.html", tables=tables, charts={k: chart(t, lang) for k, t in tables.items()},
                           f=f, types=[(i, en if lang == "en" and en else vi) for i, vi, en in types],
                           label=lambda v: _label(v, lang), num=_fmt)


@bp.route("/export/<key>/<fmt>")
@roles_required(Role.reviewer)
def export(key: str, fmt: str):
    """One table as CSV or XLSX, for the same filters as the page."""
    if fmt not in ("csv", "xlsx"):
        raise ValidationError(_("Must be one of: %(choices)s.", choices="csv, xlsx"), field="format")
    db = get_db()
    f = office.parse_filters(db, request.args)
    t = office.table(db, acting_user(), key, f, _lang())
    name = f"office-{key}-{f.date_from.isoformat()}-{f.date_to.isoformat()}.{fmt}"
    if fmt == "csv":
        resp = Response(office.export_csv(t), mimetype="text/csv; charset=utf-8")
    else:
        resp = Response(office.export_xlsx(t, _lang()), mimetype=XLSX)
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp
