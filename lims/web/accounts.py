"""A user's own password, and the admin's page of one user: API tokens and deactivation.

* ``/account/password`` — the signed-in user changes their password (giving the current one);
  every other session and remember cookie of theirs ends, this browser stays signed in.
* ``/admin/users/<id>`` — an admin sees the user's data, roles and API tokens (labels and dates,
  never a token), revokes one label's tokens or all of them, deactivates the user after ticking
  a confirmation, reactivates a deactivated one, and corrects the account at ``/edit`` (name, job
  title, e-mail, language, roles, organisation; the ``version_id`` read). The same actions are
  in the API (:mod:`lims.web.api.users`, :mod:`lims.web.api.catalog_items`).

Views parse, call one service and render; a refused action re-renders the page with the message
and the error's status (nothing is committed: :mod:`lims.web.transaction`).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user

from lims.errors import LimsError, ValidationError
from lims.models import Role
from lims.services import user_edits, users
from lims.services.inputs import parse
from lims.web import login_limits
from lims.web.admin_sections import ROLE_LABELS, SECTIONS, Field, Section
from lims.web.auth import acting_user, roles_required
from lims.web.catalog_pages import edit_page, events_of, labels_of
from lims.web.context import get_db
from lims.web.transaction import rollback

bp = Blueprint("accounts", __name__)



# ---------------------------------------------------------------- one's own password


def _had_remember_cookie() -> bool:
    return bool(request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))


def _password_blocked(seconds: int) -> ResponseReturnValue:
    message = _("Too many failed sign-ins. Please try again in %(n)s seconds.", n=seconds)
    return login_limits.too_many(seconds, "account/password.html", errors={"": message})


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """Change one's own password. A wrong current password counts as a failed sign-in of the
    account from this address (:mod:`lims.web.login_limits`): blocked, the answer is 429."""
    errors: dict[str, str] = {}
    username = getattr(acting_user(), "username", "")
    if request.method == "POST":
        seconds = login_limits.wait(username)
        if seconds:
            return _password_blocked(seconds)
        form = request.form
        try:
            if form.get("new_password", "") != form.get("new_password_again", ""):
                raise ValidationError(_("The two new passwords differ."), field="new_password_again")
            ask = parse(users.ChangePassword, {"current_password": form.get("current_password", ""),
                                               "new_password": form.get("new_password", "")})
            user = users.change_password(get_db(), acting_user(), ask)
        except ValidationError as exc:
            rollback()
            errors = exc.errors or {"": exc.message}
            seconds = login_limits.password_refused(username, errors)
            if seconds:
                return _password_blocked(seconds)
        else:
            # Other sessions now name an old version; this one is signed in again with the new one.
            login_user(user, remember=_had_remember_cookie())
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(url_for("ui.dashboard"))
    return render_template("account/password.html", errors=errors), 422 if errors else 200


# ---------------------------------------------------------------- an admin's page of one user


def user_edit_section() -> Section:
    """The user's form as corrected: no username or password (the user changes theirs), a language."""
    keep = ("full_name", "job_title", "email", "roles", "organisation_id")
    fields = [f for f in SECTIONS["users"].fields if f.name in keep]
    language = Field("language", _l("Language of their pages and mails"), "select", False,
                     lambda *_: [("vi", "Tiếng Việt"), ("en", "English")])
    return replace(SECTIONS["users"], fields=(*fields[:3], language, *fields[3:]))


def _user_page(user_id: int, error: LimsError | None = None) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    user = users.get_user_by_id(db, user_id)
    tokens = users.api_tokens(db, actor, user_id)
    labels = sorted({t.label for t in tokens if not t.revoked})
    return render_template("admin/user.html", user=user, tokens=tokens, labels=labels, error=error,
                           is_self=actor is not None and actor.id == user.id, role_labels=ROLE_LABELS,
                           field_labels=labels_of(user_edit_section()), events=events_of(db, "user_account", user.id),
                           last_admin=users.is_last_active_admin(db, user)), (error.status if error else 200)


@bp.route("/admin/users/<int:user_id>")
@roles_required(Role.admin)
def user_detail(user_id: int) -> ResponseReturnValue:
    return _user_page(user_id)


@bp.route("/admin/users/<int:user_id>/tokens/revoke", methods=["POST"])
@roles_required(Role.admin)
def user_revoke_tokens(user_id: int) -> ResponseReturnValue:
    form = request.form
    try:
        ask = parse(users.RevokeTokens, {"label": form.get("label", ""), "all": bool(form.get("all"))})
        rows = users.revoke_api_tokens(get_db(), acting_user(), user_id, ask)
    except LimsError as exc:
        rollback()
        return _user_page(user_id, exc)
    flash(_("%(n)s API token(s) revoked.", n=len(rows)), "success")
    return redirect(url_for("accounts.user_detail", user_id=user_id))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.admin)
def user_deactivate(user_id: int) -> ResponseReturnValue:
    form = request.form
    try:
        if not form.get("confirm"):
            raise ValidationError(_("Tick the box to confirm the deactivation."), field="confirm")
        ask = parse(users.DeactivateUser, {"reason": form.get("reason", "")})
        user = users.deactivate_user(get_db(), acting_user(), user_id, ask)
    except LimsError as exc:  # an unknown user: the page's own lookup answers 404
        rollback()
        return _user_page(user_id, exc)
    flash(_("User %(name)s deactivated.", name=user.username), "success")
    return redirect(url_for("accounts.user_detail", user_id=user_id))


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.admin)
def user_edit(user_id: int) -> ResponseReturnValue:
    db, actor = get_db(), acting_user()
    user = users.get_user_by_id(db, user_id)
    return edit_page(user_edit_section(), user, user_edits.user_values(user), user_edits.user_change,
                     lambda change: user_edits.update_user(db, actor, user_id, change),
                     title=_("Correct user %(name)s", name=user.username),
                     page=url_for("accounts.user_detail", user_id=user_id))


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.admin)
def user_reactivate(user_id: int) -> ResponseReturnValue:
    try:
        ask = parse(user_edits.ReactivateUser, {"reason": request.form.get("reason", "")})
        user = user_edits.reactivate_user(get_db(), acting_user(), user_id, ask)
    except LimsError as exc:
        rollback()
        return _user_page(user_id, exc)
    flash(_("User %(name)s reactivated.", name=user.username), "success")
    return redirect(url_for("accounts.user_detail", user_id=user_id))
