"""Errors as a page for people and as a JSON problem for programs."""
from __future__ import annotations

from flask import Flask, jsonify, render_template
from werkzeug.exceptions import HTTPException

from lims.app import get_db, wants_json
from lims.errors import LimsError


def problem(status: int, error: str, detail: dict | None = None):
    resp = jsonify({"error": error, "detail": detail or {}})
    resp.status_code = status
    return resp


def init_errors(app: Flask) -> None:
    @app.errorhandler(LimsError)
    def _domain_error(exc: LimsError):
        get_db().rollback()
        if wants_json():
            return problem(exc.status, exc.message, exc.detail)
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        detail: dict = {}
        data = getattr(exc, "data", None)  # webargs/flask-smorest validation messages
        if isinstance(data, dict) and "messages" in data:
            fields: dict[str, str] = {}
            for _location, messages in data["messages"].items():
                for field, msgs in messages.items():
                    fields[field] = "; ".join(str(m) for m in msgs) if isinstance(msgs, list) else str(msgs)
            detail["fields"] = fields
            first = next(iter(fields.items()), None)
            message = f"{first[0]}: {first[1]}" if first else "Invalid input."
        else:
            message = exc.description or exc.name
        if wants_json():
            return problem(status, message, detail)
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # pragma: no cover - last resort, logged
        app.logger.exception("unhandled error")
        if wants_json():
            return problem(500, "Internal error; it has been logged.")
        return render_template("error.html", status=500, message="Internal error; it has been logged."), 500
