"""The request's database session and what the client asked for: what every view module needs.

A leaf of the web package (it imports no view module), so that views, the error handler and
the auth module can use it without importing the app factory.
"""
from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

__all__ = ["get_db", "wants_json"]


def get_db() -> Session:
    """The request's database session (one per request, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["lims.sessions"]()
    db: Session = g.db
    return db


def wants_json() -> bool:
    """API paths always; elsewhere when the client prefers JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
