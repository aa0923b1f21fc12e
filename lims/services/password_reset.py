"""Password reset by e-mail: who may be sent a link, the signed link itself, and its use.

The link carries a token signed with the app's secret key (itsdangerous, salted for this use
only) naming the user and their session version, and expires after ``LIMS_RESET_TOKEN_MINUTES``.
Using it raises the session version (:func:`lims.services.users.reset_password`), so the link
works once, and so does any logout or password change made meanwhile end it.

Who asks is never told whether an account matched (the page answers the same either way); only
active accounts with an e-mail address are sent a link.
"""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import ValidationError
from lims.i18n import _, use_language
from lims.models import User
from lims.services import users
from lims.services.validation import control_character

SALT = "lims-password-reset"
MAX_IDENTIFIER = 255


def _serializer(secret_key: str, issued_at: int | None = None) -> URLSafeTimedSerializer:
    if issued_at is None:
        return URLSafeTimedSerializer(secret_key, salt=SALT)
    at = int(issued_at)

    class _IssuedAt(TimestampSigner):
        def get_timestamp(self) -> int:
            return at

    return URLSafeTimedSerializer(secret_key, salt=SALT, signer=_IssuedAt)


def accounts_for(session: Session, identifier: str) -> list[User]:
    """The active accounts with an e-mail address that ``identifier`` names: a username, or an
    e-mail address (any case; several accounts may share one)."""
    ident = (identifier or "").strip()
    if not ident or len(ident) > MAX_IDENTIFIER or control_character(ident):
        return []
    if "@" in ident:
        query = select(User).where(func.lower(User.email) == ident.lower())
    else:
        query = select(User).where(User.username == ident)
    return [u for u in session.scalars(query.order_by(User.id)) if u.active and (u.email or "").strip()]


def make_token(secret_key: str, user: User, issued_at: int | None = None) -> str:
    """A reset token for ``user`` (``issued_at``: a Unix time, for tests of expiry)."""
    return _serializer(secret_key, issued_at).dumps({"u": user.id, "v": user.session_version or 0})


def user_for_token(session: Session, secret_key: str, token: str, max_age_minutes: int) -> User:
    """The user a still valid, unused token names; ValidationError (field ``token``) otherwise."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age_minutes * 60)
    except SignatureExpired:
        raise ValidationError(_("This password-reset link has expired. Ask for a new one."), field="token") from None
    except BadSignature:
        raise ValidationError(_("This password-reset link is not valid. Ask for a new one."), field="token") from None
    user_id, version = (data.get("u"), data.get("v")) if isinstance(data, dict) else (None, None)
    user = session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None or not user.active or user.session_version != version:
        raise ValidationError(_("This password-reset link has already been used or is no longer valid. "
                                "Ask for a new one."), field="token")
    return user


def reset(session: Session, secret_key: str, token: str, new_password: str, max_age_minutes: int) -> User:
    """Use the link: set the new password (the rule of every password change); every session ends."""
    user = user_for_token(session, secret_key, token, max_age_minutes)
    return users.reset_password(session, user, users.Password(new_password))


@dataclass(frozen=True)
class ResetMail:
    to: str
    subject: str
    body: str


def mail_for(user: User, link: str, minutes: int, language: str) -> ResetMail:
    """The mail carrying the link, in the user's language (else ``language``)."""
    lang = user.language if user.language in ("vi", "en") else language
    with use_language(lang):
        subject = _("Reset your password")
        body = "\n".join([
            _("Hello %(name)s,", name=user.full_name or user.username), "",
            _("Someone (we hope you) asked to reset the password of the account %(username)s. To choose a new "
              "password, open this link within %(minutes)s minutes; it works once:",
              username=user.username, minutes=minutes), "",
            link, "",
            _("If you did not ask for this, ignore this mail: your password stays as it is."),
        ]) + "\n"
    return ResetMail(user.email.strip(), subject, body)
