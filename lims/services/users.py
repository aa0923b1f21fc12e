"""Users, roles, passwords and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import NewType

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lims.errors import Conflict, NotFound, PermissionDenied, ValidationError
from lims.field_labels import field_label
from lims.i18n import _
from lims.models import ApiToken, Organisation, Role, User, UserRole, utcnow
from lims.services import audit, policy
from lims.services.inputs import opts, service_input
from lims.services.policy import Actor
from lims.services.validation import control_character
from lims.services.withdrawn import withdrawn_organisation

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "lims_"

#: A password is kept exactly as typed: :func:`~lims.services.inputs.parse` passes it through
#: unstripped (it strips ``str`` fields), and :func:`create_user` checks it.
Password = NewType("Password", str)


@service_input
@dataclass(frozen=True, kw_only=True)
class NewUser:
    username: str
    password: Password
    roles: tuple[str, ...]
    full_name: str = ""
    job_title: str = field(default="", metadata=opts(max_len=120))  # printed under a signature
    email: str = ""
    organisation_id: int | None = None


def require_role(user: Actor | None, *roles: str | Role) -> None:
    """Raise PermissionDenied unless ``user`` holds one of ``roles``.

    Kept for the modules that still call it; new code calls :func:`policy.require`.
    """
    policy.require(user, *roles)


def _check_new_user(session: Session, new: NewUser) -> None:
    errors: dict[str, str] = {}
    password = new.password if isinstance(new.password, str) else ""
    if not USERNAME_RE.match(new.username):
        errors["username"] = _("3–64 letters, digits, dot, dash or underscore.")
    elif session.scalar(select(User.id).where(User.username == new.username)):
        errors["username"] = _("The username %(name)s is taken.", name=repr(new.username))
    if len(password) < MIN_PASSWORD:
        errors["password"] = _("At least %(n)s characters.", n=MIN_PASSWORD)
    valid_roles = {r.value for r in Role}
    bad = [r for r in new.roles if r not in valid_roles]
    if not new.roles:
        errors["roles"] = _("Choose at least one role.")
    elif bad:
        errors["roles"] = _("Unknown role(s): %(bad)s. Known: %(known)s.", bad=", ".join(bad),
                             known=", ".join(sorted(valid_roles)))
    if Role.business.value in new.roles and new.organisation_id is None:
        errors["organisation_id"] = _("A business user belongs to a business.")
    org = session.get(Organisation, new.organisation_id) if new.organisation_id is not None else None
    if new.organisation_id is not None and org is None:
        errors["organisation_id"] = _("No organisation with id %(id)s.", id=new.organisation_id)
    elif org is not None and not org.active:
        errors["organisation_id"] = withdrawn_organisation(org)
    if errors:
        field = next(iter(errors))
        raise ValidationError(f"{field_label(field)}: {errors[field]}", field=field, errors=errors)


def create_user(session: Session, actor: Actor | None, new: NewUser) -> User:
    """Create a user; the username must be free, the password long enough, the roles known."""
    policy.require(actor, Role.admin)
    _check_new_user(session, new)
    user = User(
        username=new.username,
        password_hash=generate_password_hash(new.password),
        full_name=new.full_name,
        job_title=new.job_title,
        email=new.email,
        organisation_id=new.organisation_id,
        role_rows=[UserRole(role=r) for r in sorted(set(new.roles))],
    )
    session.add(user)
    session.flush()
    after = audit.snapshot(user)
    after["roles"] = sorted(user.roles)
    audit.record(session, actor, "user.create", user, after=after)
    return user


def list_users(session: Session, actor: Actor | None) -> list[User]:
    policy.require(actor, Role.admin)
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    username = (username or "").strip()
    # No username holds a control character (inputs refuse them), and PostgreSQL cannot compare a NUL.
    user = None if control_character(username) else session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, actor: Actor | None, user: User, label: str = "") -> str:
    """Make a new bearer token for ``user`` (by the user or an admin); only its hash is stored.

    Returns the token once.
    """
    if policy.actor_id(actor) is None or policy.actor_id(actor) != user.id:
        policy.require(actor, Role.admin)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash_token(token), label=label)
    session.add(row)
    session.flush()
    audit.record(session, actor, "api_token.create", row, after={"user": user.username, "label": label})
    return token


def user_for_token(session: Session, token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked.is_(False))
    )
    if row is None or not row.user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 300:
        row.last_used_at = now  # written at most every five minutes, not on every call
    return row.user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(_("No user named %(name)s.", name=repr(username)), field="username")
    return user


def get_user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user with id %(id)s.", id=user_id), field="user_id")
    return user


def api_tokens(session: Session, actor: Actor | None, user_id: int) -> list[ApiToken]:
    """The user's API tokens, newest first (admin only); only their labels and dates, never a token."""
    policy.require(actor, Role.admin)
    user = get_user_by_id(session, user_id)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.id.desc())))


@service_input
@dataclass(frozen=True, kw_only=True)
class RevokeTokens:
    """Which API tokens of a user to revoke: those labelled ``label``, or every one (``all``)."""

    label: str = field(default="", metadata=opts(max_len=100))
    all: bool = False


def revoke_api_tokens(session: Session, actor: Actor | None, user_id: int, ask: RevokeTokens) -> list[ApiToken]:
    """Revoke the user's tokens named by ``ask`` (admin only); a bearer request with one is then 401.

    Exactly one of a label and ``all`` is asked for; a label that names no unrevoked token is
    refused (and so is ``all`` when the user has none left, so that a mistaken user is noticed).
    Each revoked token is audited (``api_token.revoke``)."""
    policy.require(actor, Role.admin)
    user = get_user_by_id(session, user_id)
    if bool(ask.label) == ask.all:
        raise ValidationError(_("Give either a token label or all tokens, not both and not neither."),
                              field="label")
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
    if not ask.all:
        query = query.where(ApiToken.label == ask.label)
    rows = list(session.scalars(query.order_by(ApiToken.id)))
    if not rows and not ask.all:
        raise NotFound(_("%(name)s has no active API token labelled %(label)s.", name=repr(user.username),
                         label=repr(ask.label)), field="label")
    for row in rows:
        row.revoked = True
        session.flush()
        audit.record(session, actor, "api_token.revoke", row, before={"revoked": False},
                     after={"user": user.username, "label": row.label, "revoked": True})
    return rows


def is_last_active_admin(session: Session, user: User) -> bool:
    """Whether ``user`` is an active administrator and no other active user is one (then nobody
    could manage users from the pages without them)."""
    if not (user.active and Role.admin.value in user.roles):
        return False
    other = select(User.id).join(UserRole).where(UserRole.role == Role.admin.value, User.active.is_(True),
                                                 User.id != user.id).limit(1)
    return session.scalar(other) is None


@service_input
@dataclass(frozen=True, kw_only=True)
class DeactivateUser:
    """Why the user is deactivated (kept in the audit trail; may be empty)."""

    reason: str = field(default="", metadata=opts(max_len=500))


def deactivate_user(session: Session, actor: Actor | None, user_id: int, ask: DeactivateUser) -> User:
    """Deactivate a user (admin only): every session and remember cookie of theirs is refused at its
    next request (the session version is raised too), they cannot sign in, and their API tokens are
    refused. An admin cannot deactivate themselves (nobody could undo it from the pages). Audited
    (``user.deactivate``)."""
    policy.require(actor, Role.admin)
    user = get_user_by_id(session, user_id)
    if policy.actor_id(actor) == user.id:
        raise ValidationError(_("You cannot deactivate yourself: another administrator must do it."),
                              field="user_id")
    if not user.active:
        raise Conflict(_("%(name)s is already deactivated.", name=repr(user.username)), field="user_id")
    if is_last_active_admin(session, user):
        raise ValidationError(_("%(name)s is the last active administrator: make another user an "
                                "administrator first.", name=repr(user.username)), field="user_id")
    user.active = False
    user.session_version += 1
    session.flush()
    after: dict[str, object] = {"active": False}
    if ask.reason:
        after["reason"] = ask.reason
    audit.record(session, actor, "user.deactivate", user, before={"active": True}, after=after)
    return user


# ---------------------------------------------------------------- sessions and passwords


def session_user(session: Session, key: str) -> User | None:
    """The signed-in user a session or remember cookie names, if it still exists, is active and the
    cookie is not older than the user's last logout, password change or deactivation.

    ``key`` is what :meth:`User.get_id` gave at sign-in: ``"<id>:<session version>"``; a bare
    ``"<id>"`` (a cookie from before session versions existed) counts as version 0."""
    ident, _sep, version = str(key).partition(":")
    try:
        user_id, wanted = int(ident), int(version or 0)
    except ValueError:
        return None
    if not 0 < user_id < 2**31:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != wanted:
        return None
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember cookie of ``user`` (at their next request): on logout.

    Not audited (signing in is not either); a password change and a deactivation, which also end
    them, are. API bearer tokens are not affected: they are revoked one by one."""
    user.session_version += 1
    session.flush()


@service_input
@dataclass(frozen=True, kw_only=True)
class ChangePassword:
    current_password: Password
    new_password: Password


def new_password_problem(new: str) -> str | None:
    """What is wrong with ``new`` as a password (None: nothing); the rule of every password change."""
    if len(new) < MIN_PASSWORD:
        return _("At least %(n)s characters.", n=MIN_PASSWORD)
    if control_character(new):
        return _("A password cannot hold control characters.")
    return None


def change_password(session: Session, actor: Actor | None, ask: ChangePassword) -> User:
    """The signed-in user changes their own password, giving the current one. Every other session
    and remember cookie of theirs ends (the caller signs the current one in again). Audited
    (``user.password``, without any hash)."""
    user = session.get(User, policy.actor_id(actor)) if policy.actor_id(actor) is not None else None
    if user is None or not user.active:
        raise PermissionDenied(_("Sign in to change your password."))
    errors: dict[str, str] = {}
    current = ask.current_password if isinstance(ask.current_password, str) else ""
    new = ask.new_password if isinstance(ask.new_password, str) else ""
    if not check_password_hash(user.password_hash, current):
        errors["current_password"] = _("This is not your current password.")
    problem = new_password_problem(new)
    if problem:
        errors["new_password"] = problem
    elif new == current:
        errors["new_password"] = _("The new password is the same as the current one.")
    if errors:
        field_name = next(iter(errors))
        raise ValidationError(f"{field_label(field_name)}: {errors[field_name]}", field=field_name, errors=errors)
    user.password_hash = generate_password_hash(new)
    user.session_version += 1
    session.flush()
    audit.record(session, actor, "user.password", user, after={"sessions_ended": True})
    return user


def reset_password(session: Session, user: User, new_password: Password) -> User:
    """Set the password of ``user``, who proved they read their mail (a password-reset link,
    :mod:`lims.services.password_reset`): the rule of :func:`change_password`; every session and
    remember cookie of theirs ends, and so does the link (it names the old session version).
    Audited (``user.password_reset``, by the user, without any hash)."""
    if not user.active:
        raise PermissionDenied(_("This account is deactivated."))
    new = new_password if isinstance(new_password, str) else ""
    problem = new_password_problem(new)
    if problem:
        raise ValidationError(f"new_password: {problem}", field="new_password", errors={"new_password": problem})
    user.password_hash = generate_password_hash(new)
    user.session_version += 1
    session.flush()
    audit.record(session, user, "user.password_reset", user, after={"sessions_ended": True, "by": "e-mail link"})
    return user
