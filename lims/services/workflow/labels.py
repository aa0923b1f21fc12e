"""Status words as people read them (through the catalogs)."""
from __future__ import annotations

from lims.i18n import _

__all__ = ["request_status_label", "record_status_label"]


def request_status_label(status: str) -> str:
    return {
        "submitted": _("submitted"), "accepted": _("accepted"), "in_progress": _("in progress"),
        "completed": _("completed"), "cancelled": _("cancelled"),
    }.get(status, status)


def record_status_label(status: str) -> str:
    return {"draft": _("draft"), "submitted": _("submitted"), "returned": _("returned"),
            "approved": _("approved")}.get(status, status)
