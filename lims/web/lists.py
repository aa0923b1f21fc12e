"""The filters of the five searchable lists, read from the query string by pages and the API alike,
and the admin list pages of instruments and organisations (search, filters, sort, pages).

Each ``*_filter()`` reads ``q``, ``sort`` and the list's filters (whole numbers by
:func:`lims.web.query.query_int`, dates by :func:`lims.web.listing.query_date`); the services of
:mod:`lims.services.search` check the choices. A bad value is refused (422) naming the parameter.
"""
from __future__ import annotations

from typing import Any

from flask import g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from lims.services import catalog, policy
from lims.services import search as lists
from lims.services.listing import Page
from lims.services.policy import Actor
from lims.services.workflow import due_requests
from lims.web.admin_sections import KIND_LABELS, STATUS_LABELS, Section
from lims.web.context import get_db
from lims.web.listing import page_paging, pager, query_date, query_text
from lims.web.query import query_int

__all__ = ["certificate_filter", "instrument_filter", "organisation_filter", "record_filter", "request_filter",
           "section_page", "SEARCHABLE"]


def _sort() -> str | None:
    return (request.args.get("sort") or "").strip() or None


def instrument_filter() -> lists.InstrumentFilter:
    return lists.InstrumentFilter(q=query_text(), status=request.args.get("status") or None,
                                  type_id=query_int("type_id"), owner_id=query_int("owner_id"),
                                  due=request.args.get("due") or None, due_from=query_date("due_from"),
                                  due_to=query_date("due_to"), sort=_sort())


def organisation_filter() -> lists.OrganisationFilter:
    return lists.OrganisationFilter(q=query_text(), kind=request.args.get("kind") or None,
                                    active=request.args.get("active") or None, sort=_sort())


def request_filter() -> lists.RequestFilter:
    return lists.RequestFilter(q=query_text(), status=request.args.get("status") or None,
                               kind=request.args.get("kind") or None, customer_id=query_int("customer_id"),
                               filed_from=query_date("filed_from"), filed_to=query_date("filed_to"), sort=_sort())


def record_filter(technician_id: int | None = None) -> lists.RecordFilter:
    return lists.RecordFilter(q=query_text(), status=request.args.get("status") or None,
                              kind=request.args.get("kind") or None,
                              technician_id=technician_id if technician_id is not None else query_int("technician_id"),
                              instrument_id=query_int("instrument_id"), work_from=query_date("work_from"),
                              work_to=query_date("work_to"), sort=_sort())


def certificate_filter() -> lists.CertificateFilter:
    return lists.CertificateFilter(q=query_text(), status=request.args.get("status") or None,
                                   kind=request.args.get("kind") or None, issued_from=query_date("issued_from"),
                                   issued_to=query_date("issued_to"), sort=_sort())


# ---------------------------------------------------------------- admin lists: instruments, organisations

#: The admin sections searched, with the sort key of each sortable column (by column index).
SEARCHABLE: dict[str, dict[int, str]] = {"instruments": {3: "serial", 8: "due"},
                                         "organisations": {0: "name", 2: "tax_code"}}
DUE_LABELS = {"overdue": _l("overdue"), "soon": _l("due within %(n)s days", n=lists.DUE_SOON_DAYS)}


def section_page(section: Section, actor: Actor | None, **context: object) -> ResponseReturnValue:
    """The admin list of ``section`` (instruments or organisations) searched, filtered, sorted, paged."""
    db = get_db()
    number, per_page, offset = page_paging()
    f: lists.InstrumentFilter | lists.OrganisationFilter
    found: Page[Any]
    if section.key == "instruments":
        f = instrument_filter()
        found = lists.search_instruments(db, actor, f, limit=per_page, offset=offset)
        lang = g.get("lang", "vi")
        context["types"] = [(str(t.id), f"{t.code} — {t.name(lang)}") for t in catalog.list_instrument_types(db)]
        context["statuses"] = [(k, STATUS_LABELS[k]) for k in ("in_service", "out_of_service", "scrapped")]
        context["dues"] = list(DUE_LABELS.items())
        if policy.asks_for_own_instruments(actor):  # a business ticks its instruments and requests them together
            context["request_states"] = due_requests.request_states(db, [r.id for r in found.rows])
            context["no_procedure"] = due_requests.no_procedure_message("verification")
    else:
        f = organisation_filter()
        found = lists.search_organisations(db, actor, f, limit=per_page, offset=offset)
        context["kinds"] = [("business", KIND_LABELS["business"]), ("lab", KIND_LABELS["lab"])]
        context["actives"] = [("true", _l("in use")), ("false", _l("withdrawn"))]
    default = lists.SORTS[section.key][1]
    sort_items = [(key, section.columns[i].label) for i, key in SEARCHABLE[section.key].items()]
    return render_template("admin/search_list.html", section=section, rows=found.rows, f=f, sort_items=sort_items,
                           pager=pager(found, number, per_page, f.sort, default), sort_keys=SEARCHABLE[section.key],
                           staff=policy.is_staff(actor), **context)
