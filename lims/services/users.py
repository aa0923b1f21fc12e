"""Users, roles, passwords and API tokens."""
from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from lims.errors import NotFound, ValidationError
from lims.i18n import _
from lims.models import ApiToken, Organisation, Role, User, UserRole, utcnow
from lims.services import audit, policy
from lims.services.policy import Actor

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
MIN_PASSWORD = 8
TOKEN_PREFIX = "lims_"


def require_role(user: Actor | None, *roles: str | Role) -> None:
    """Raise PermissionDenied unless ``user`` holds one of ``roles`` (see :func:`policy.require`)."""
    policy.require(user, *roles)


def create_user(
    session: Session,
    actor: User | None,
    *,
    username: str,
    password: str,
    roles: list[str],
    full_name: str = "",
    email: str = "",
    organisation_id: int | None = None,
) -> User:
    if actor is not None:
        require_role(actor, Role.admin)
    username = (username or "").strip()
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _("3–64 letters, digits, dot, dash or underscore.")
    elif session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = _("The username %(name)s is taken.", name=repr(username))
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = _("At least %(n)s characters.", n=MIN_PASSWORD)
    valid_roles = {r.value for r in Role}
    bad = [r for r in roles if r not in valid_roles]
    if not roles:
        errors["roles"] = _("Choose at least one role.")
    elif bad:
        errors["roles"] = _("Unknown role(s): %(bad)s. Known: %(known)s.", bad=", ".join(bad),
                             known=", ".join(sorted(valid_roles)))
    if Role.business.value in roles and organisation_id is None:
        errors["organisation_id"] = _("A business user belongs to a business.")
    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
        errors["organisation_id"] = _("No organisation with id %(id)s.", id=organisation_id)
    if errors:
        field = next(iter(errors))
        raise ValidationError(f"{field}: {errors[field]}", field=field, errors=errors)
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        full_name=full_name.strip(),
        email=email.strip(),
        organisation_id=organisation_id,
        role_rows=[UserRole(role=r) for r in sorted(set(roles))],
    )
    session.add(user)
    session.flush()
    after = audit.snapshot(user)
    after["roles"] = sorted(user.roles)
    audit.record(session, actor, "user.create", user, after=after)
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == (username or "").strip()))
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


def create_api_token(session: Session, actor: User | None, user: User, label: str = "") -> str:
    """Make a new bearer token for ``user``; only its hash is stored. Returns the token once."""
    if actor is not None and actor.id != user.id:
        require_role(actor, Role.admin)
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
