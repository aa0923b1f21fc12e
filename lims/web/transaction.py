"""One transaction per request: views call services, the wrapper commits once.

Every view of the app is wrapped when the app is built (:func:`wrap_views`): the view runs,
then the request's session (:func:`lims.web.context.get_db`) is committed if the answer is a success
or a redirect, and rolled back if the view raised or answered 4xx/5xx — as indico's
``RH.process`` does. Views never call ``commit()`` themselves.

A view that catches a domain error to answer with a redirect and a flashed message (the
post/redirect/get pattern) calls :func:`rollback` first: the redirect is a 302, which would
otherwise commit whatever the service flushed before it refused.

Work that must follow the commit (writing issued files, sending mail) is queued with
:func:`after_commit` and runs only once the commit succeeded.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, g
from flask.typing import ResponseReturnValue

__all__ = ["after_commit", "rollback", "wrap_views"]

_SKIP = "_lims_no_transaction"


def rollback() -> None:
    """Undo what this request's session did; the wrapper then commits nothing."""
    db = g.get("db")
    if db is not None:
        db.rollback()
    g.pop("_after_commit", None)


def after_commit(fn: Callable[[], Any]) -> None:
    """Run ``fn`` after this request's transaction committed (never if it rolled back)."""
    g.setdefault("_after_commit", []).append(fn)


def _status_of(rv: Any) -> int:
    status = getattr(rv, "status_code", None)
    if status is not None:
        return int(status)
    if isinstance(rv, tuple) and len(rv) > 1 and isinstance(rv[1], int):
        return rv[1]
    return 200


def _finish(ok: bool) -> None:
    db = g.get("db")
    tasks = g.pop("_after_commit", [])
    if db is None:
        return
    if not ok:
        db.rollback()
        return
    db.commit()
    for task in tasks:
        task()


def transactional(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        try:
            rv = view(*args, **kwargs)
        except BaseException:
            _finish(False)
            raise
        _finish(_status_of(rv) < 400)
        return rv

    return wrapped


def wrap_views(app: Flask) -> None:
    """Wrap every registered view (call once, after all blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or getattr(view, _SKIP, False):
            continue
        # ensure_sync: an async view is awaited inside the transaction, not committed before it ran.
        app.view_functions[endpoint] = transactional(app.ensure_sync(view))
        setattr(app.view_functions[endpoint], _SKIP, True)
