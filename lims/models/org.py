"""Organisations (the lab and businesses), users, roles and API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.models.base import Base, UTCDateTime, utcnow


class OrgKind(str, enum.Enum):
    lab = "lab"
    business = "business"
    calibration_lab = "calibration_lab"  # calibrates the lab's standards: an accredited lab or an NMI


class Role(str, enum.Enum):
    admin = "admin"
    technician = "technician"
    reviewer = "reviewer"
    inspector = "inspector"
    business = "business"


class Organisation(Base):
    """A business (doanh nghiệp, cơ sở), the lab itself, or a lab that calibrates the lab's standards.

    A calibration lab vouches for its calibrations by its ``accreditation`` (e.g. ``VILAS 003``) or,
    for a national metrology institute (``national_institute``), by the CIPM MRA and its CMCs in
    the BIPM KCDB (ILAC P10); docs/traceability.md.
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=OrgKind.business.value)
    name: Mapped[str] = mapped_column(String(255))
    tax_code: Mapped[str | None] = mapped_column(String(14), unique=True)  # mã số thuế
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    accreditation: Mapped[str] = mapped_column(String(80), default="", server_default="")  # e.g. VILAS 003
    national_institute: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Withdrawn: offered for no new work, kept (with its records) for history.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Folded text the search box matches (lims.text_search.fold), kept up to date by lims.models.search.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    __mapper_args__ = {"version_id_col": version_id}


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    job_title: Mapped[str] = mapped_column(String(120), default="")  # printed under a signature
    email: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(5))
    # Raised by logout, a password change and deactivation: every session and remember cookie
    # carrying an older version is refused at its next request (docs/reliability.md, "Sessions").
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version_id: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    __mapper_args__ = {"version_id_col": version_id}

    def has_role(self, *roles: str | Role) -> bool:
        wanted = {r.value if isinstance(r, Role) else r for r in roles}
        return bool(self.roles & wanted)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session and the remember cookie keep: ``"<id>:<session version>"``, so a cookie
        made before the user's last logout, password change or deactivation names an old version
        and is refused (:func:`lims.services.users.session_user`)."""
        return f"{self.id}:{self.session_version or 0}"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Base):
    """A bearer token for /api/v1. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed sign-ins counted in the database, shared by every worker and process.

    One row per ``scope`` and ``key``: ``account_ip`` keyed by "username|address", ``ip`` keyed by
    the address. ``blocked_until`` is when the next attempt may be tried (a growing, capped delay).
    """

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(320))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
