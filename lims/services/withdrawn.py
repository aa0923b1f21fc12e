"""Withdrawn catalogue entries are refused for new work, with the reason.

An organisation or an instrument type withdrawn by an admin (``active`` false,
:mod:`lims.services.catalog_edits`) keeps everything that refers to it — instruments, records,
certificates, users — but no new instrument, request or user is made with it. The forms do not
offer it; these checks are the services' answer when one is sent anyway. A field that keeps the
withdrawn entry it already had (a correction that does not change it) is not refused.
"""
from __future__ import annotations

from lims.i18n import _
from lims.models import InstrumentType, Organisation
from lims.services.validation import Checker

__all__ = ["refuse_withdrawn_organisation", "refuse_withdrawn_type", "withdrawn_organisation"]


def refuse_withdrawn_organisation(c: Checker, org: Organisation | None, field: str, *,
                                  kept: int | None = None) -> None:
    """Refuse ``org`` for new work if it is withdrawn (not when it is ``kept``, the id it had)."""
    if org is not None and not org.active and org.id != kept:
        c.fail(field, withdrawn_organisation(org))


def withdrawn_organisation(org: Organisation) -> str:
    """Why a withdrawn organisation is refused."""
    return _("%(name)s has been withdrawn from the catalogue: it takes no new work.", name=org.name)


def refuse_withdrawn_type(c: Checker, itype: InstrumentType | None, field: str, *, kept: int | None = None) -> None:
    """Refuse ``itype`` for a new instrument or request if it is withdrawn (not when it is ``kept``)."""
    if itype is not None and not itype.active and itype.id != kept:
        c.fail(field, _("The instrument type %(code)s has been withdrawn: no new instrument or request is "
                        "made with it.", code=itype.code))
