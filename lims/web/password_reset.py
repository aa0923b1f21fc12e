"""Password reset by e-mail (:mod:`lims.services.password_reset`).

* ``/password/forgot`` — a username or e-mail address; the answer is the same whether an account
  matched or not (no account enumeration), and the form is rate-limited per client address
  (``LIMS_RESET_RATE_LIMIT``). A matching active account with an address is mailed a link.
* ``/password/reset/<token>`` — the link: a new password (the rule of ``/account/password``);
  every session of the account ends, and the person then signs in at ``/login``, through the
  sign-in limits like anybody else (the reset signs nobody in and clears no failure count).
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import logout_user

from lims.errors import ValidationError
from lims.services import password_reset
from lims.services.mail import MailError, message, send_one
from lims.web.auth import public
from lims.web.context import get_db
from lims.web.extensions import limiter
from lims.web.transaction import rollback

bp = Blueprint("password_reset", __name__)


def reset_limit() -> str:
    return current_app.config.get("LIMS_RESET_RATE_LIMIT") or current_app.config["LIMS"].reset_rate_limit


def _mail_links(identifier: str) -> None:
    settings = current_app.config["LIMS"]
    accounts = password_reset.accounts_for(get_db(), identifier)
    if accounts and settings.smtp is None:
        current_app.logger.warning("password reset asked for %s but no mail server is configured (LIMS_SMTP_HOST)",
                                   [u.username for u in accounts])
        return
    for user in accounts:
        token = password_reset.make_token(settings.secret_key, user)
        link = settings.base_url + url_for("password_reset.reset", token=token)
        mail = password_reset.mail_for(user, link, settings.reset_token_minutes, settings.language)
        try:
            send_one(settings.smtp, message(settings.smtp, [mail.to], mail.subject, mail.body))
        except MailError as exc:  # the person sees the same page; the operator sees the log
            current_app.logger.warning("password-reset mail to user %s not sent: %s", user.username, exc.message)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(reset_limit, methods=["POST"])
def forgot() -> ResponseReturnValue:
    """Ask for a reset link. The same answer whatever was typed."""
    if request.method == "POST":
        _mail_links(request.form.get("identifier", ""))
        rollback()  # nothing to keep
        return render_template("account/forgot.html", asked=True,
                               minutes=current_app.config["LIMS"].reset_token_minutes)
    return render_template("account/forgot.html", asked=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str) -> ResponseReturnValue:
    """The link of the mail: choose a new password (once, before the link expires)."""
    settings = current_app.config["LIMS"]
    errors: dict[str, str] = {}
    db = get_db()
    try:
        password_reset.user_for_token(db, settings.secret_key, token, settings.reset_token_minutes)
    except ValidationError as exc:
        rollback()
        return render_template("account/reset.html", invalid=exc.message, errors={}), 400
    if request.method == "POST":
        form = request.form
        try:
            if form.get("new_password", "") != form.get("new_password_again", ""):
                raise ValidationError(_("The two new passwords differ."), field="new_password_again")
            password_reset.reset(db, settings.secret_key, token, form.get("new_password", ""),
                                 settings.reset_token_minutes)
        except ValidationError as exc:
            rollback()
            errors = exc.errors or {exc.field or "": exc.message}
        else:
            logout_user()  # whoever was signed in in this browser: sign in again with the new password
            flash(_("Your password was changed and every session of the account was signed out. "
                    "Sign in with the new password."), "success")
            return redirect(url_for("ui.login"))
    return render_template("account/reset.html", invalid=None, errors=errors), 422 if errors else 200
