"""Sign-in limits on the web (:mod:`lims.services.login_throttle`): the client's address, the
app's throttle, counting a failure in a transaction of its own, and the 429 answer.

The address is ``request.remote_addr``: the client's own, or the one the trusted proxies name
when ``LIMS_TRUSTED_PROXIES`` is set (``ProxyFix``, :func:`lims.app.create_app`).

A failure is counted in a session of its own, committed at once: the request itself answers
401 or 429 and its transaction is rolled back (:mod:`lims.web.transaction`), which must not
take the count with it.
"""
from __future__ import annotations

from flask import Flask, current_app, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.services.login_throttle import Rules, Throttle
from lims.web import transaction
from lims.web.context import get_db, wants_json
from lims.web.errors import problem

__all__ = ["count_failure", "count_success", "init_login_limits", "password_refused", "too_many", "wait"]

_KEY = "lims.login_throttle"


def init_login_limits(app: Flask) -> None:
    settings = app.config["LIMS"]
    app.extensions[_KEY] = Throttle(Rules(
        free_attempts=settings.login_free_attempts, max_delay=settings.login_max_delay,
        address_limit=settings.login_address_limit, window=settings.login_window))


def _throttle() -> Throttle:
    throttle: Throttle = current_app.extensions[_KEY]
    return throttle


def _address() -> str:
    return request.remote_addr or "unknown"


def wait(username: str) -> int:
    """Seconds ``username`` must wait before trying from this address (0: may try now)."""
    return _throttle().wait(get_db(), username, _address())


def count_failure(username: str) -> int:
    """Count a failed sign-in, committed at once; the seconds to wait from now on (0: none)."""
    transaction.rollback()  # the request's own reads end here; nothing of theirs is kept
    with current_app.extensions["lims.sessions"]() as session:
        seconds = _throttle().failed(session, username, _address())
        session.commit()
    return seconds


def count_success(username: str) -> None:
    """Clear the account's counter at this address (committed with the request)."""
    _throttle().succeeded(get_db(), username, _address())


def too_many(seconds: int, template: str = "login.html", **context: object) -> ResponseReturnValue:
    """429 with ``Retry-After``: the page (the sign-in page unless ``template`` is given) with the
    message, or the JSON problem."""
    message = _("Too many failed sign-ins. Please try again in %(n)s seconds.", n=seconds)
    if wants_json():
        resp = problem(429, message, {"retry_after": seconds})
    else:
        resp = make_response(render_template(template, error=message, **context), 429)
    resp.headers["Retry-After"] = str(seconds)
    return resp


def password_refused(username: str, errors: dict[str, str]) -> int:
    """After a refused password change: count a wrong current password as a failed sign-in of
    ``username`` from this address (guessing it from a stolen session is as slow as guessing it
    at the sign-in page); the seconds to wait from now on (0: none)."""
    return count_failure(username) if "current_password" in errors else 0
