"""Which language a page speaks, and whether a client asked for JSON: one rule for the Flask
app (:func:`select_language`, ``flask_babel``'s selector) and the public page's front door
(:mod:`lims.web.front_door`), which answers before Flask and reads the same session cookie
through Flask's own session interface.

Order: ``?lang=`` (remembered in the session), the language remembered in the session, the
signed-in user's preference, for the API the ``Accept-Language`` header, then ``LIMS_LANGUAGE``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, request, session
from flask_login import current_user
from werkzeug.datastructures import MIMEAccept

from lims.config import LANGUAGES

__all__ = ["prefers_json", "remembered_language", "select_language"]


def remembered_language(stored: Mapping[str, Any], user: Any = None) -> str | None:
    """The language kept in the session, else the signed-in user's preference (None: neither)."""
    if stored.get("lang") in LANGUAGES:
        return str(stored["lang"])
    if getattr(user, "is_authenticated", False) and getattr(user, "language", None) in LANGUAGES:
        return str(user.language)
    return None


def select_language() -> str:
    """?lang= (remembered in the session), then the session's or the user's, then LIMS_LANGUAGE."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    remembered = remembered_language(session, current_user)
    if remembered:
        return remembered
    header = request.accept_languages.best_match(LANGUAGES) if request.path.startswith("/api/") else None
    return header or current_app.config["LIMS"].language


def prefers_json(accept: MIMEAccept) -> bool:
    """The client ranks JSON above HTML (``Accept: application/json``)."""
    best = accept.best_match(["application/json", "text/html"])
    return best == "application/json" and accept[best] > accept["text/html"]
