"""Correcting a user's account, and reactivating a deactivated one (admin).

* :func:`update_user` — full name, job title (printed under a signature), e-mail, language,
  roles and organisation, with the ``version_id`` read (stale: 409 naming who changed it). The
  username and the password are not changed here (the user changes their password; a reset
  link is mailed). Refused with the reason (422, nothing written): no role, an unknown role, a
  business user without a business, a withdrawn organisation newly given, an admin removing
  their own administrator role, and removing it from the last active administrator. One audit
  event ``user.update`` holds the changed fields before and after.
* :func:`reactivate_user` — the way back from :func:`lims.services.users.deactivate_user`:
  the user may sign in again (their old sessions stay ended). Audited ``user.reactivate``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from lims.errors import Conflict
from lims.i18n import _
from lims.models import Organisation, Role, User, UserRole
from lims.services import audit, policy
from lims.services.catalog_edits import change_of, changed_fields
from lims.services.inputs import opts, service_input
from lims.services.policy import Actor
from lims.services.users import get_user_by_id, is_last_active_admin
from lims.services.validation import Checker
from lims.services.withdrawn import refuse_withdrawn_organisation
from lims.services.workflow.locking import check_version

__all__ = ["ReactivateUser", "UserChange", "reactivate_user", "update_user", "user_change", "user_values"]


@service_input
@dataclass(frozen=True, kw_only=True)
class UserChange:
    """A user's account as corrected, and the version read."""

    full_name: str = ""
    job_title: str = field(default="", metadata=opts(max_len=120))  # printed under a signature
    email: str = ""
    language: Literal["vi", "en"] | None = None  # of their pages and mails; none: the lab's
    roles: tuple[str, ...]
    organisation_id: int | None = None
    version_id: int


def user_values(user: User) -> dict[str, Any]:
    """The user's values under the change's field names (roles sorted)."""
    return {"full_name": user.full_name, "job_title": user.job_title, "email": user.email,
            "language": user.language, "roles": tuple(sorted(user.roles)), "organisation_id": user.organisation_id}


def user_change(user: User, given: Mapping[str, Any]) -> UserChange:
    """``given`` (some fields and ``version_id``) over the user's values, parsed (422 naming a wrong field)."""
    return change_of(UserChange, user_values(user), given)


def update_user(session: Session, actor: Actor | None, user_id: int, change: UserChange) -> User:
    """Correct a user's account (admin); see the module's docstring."""
    policy.require(actor, Role.admin)
    user = get_user_by_id(session, user_id)
    check_version(user, change.version_id, _("This user"))
    before = user_values(user)
    after = {name: getattr(change, name) for name in before}
    after["roles"] = tuple(sorted(set(change.roles)))
    changed = changed_fields(before, after)
    c = Checker()
    known = {r.value for r in Role}
    bad = [r for r in after["roles"] if r not in known]
    if not after["roles"]:
        c.fail("roles", _("Choose at least one role."))
    elif bad:
        c.fail("roles", _("Unknown role(s): %(bad)s. Known: %(known)s.", bad=", ".join(bad),
                          known=", ".join(sorted(known))))
    if Role.business.value in after["roles"] and change.organisation_id is None:
        c.fail("organisation_id", _("A business user belongs to a business."))
    if "organisation_id" in changed and change.organisation_id is not None:
        org = session.get(Organisation, change.organisation_id)
        if org is None:
            c.fail("organisation_id", _("No organisation with id %(id)s.", id=change.organisation_id))
        refuse_withdrawn_organisation(c, org, "organisation_id")
    if change.email and "@" not in change.email:
        c.fail("email", _("%(value)s is not an e-mail address.", value=repr(change.email)))
    if Role.admin.value in before["roles"] and Role.admin.value not in after["roles"]:
        if policy.actor_id(actor) == user.id:
            c.fail("roles", _("You cannot remove your own administrator role: another administrator must do it."))
        elif is_last_active_admin(session, user):
            c.fail("roles", _("%(name)s is the last active administrator: make another user an administrator "
                              "first.", name=repr(user.username)))
    c.done()
    if not changed:
        return user
    for name in changed:
        if name == "roles":
            user.role_rows = [row for row in user.role_rows if row.role in after["roles"]]
            user.role_rows.extend(UserRole(role=r) for r in after["roles"] if r not in before["roles"])
        else:
            setattr(user, name, after[name])
    if changed == ["roles"]:
        # Roles live in rows of their own: the user's row is not written, so its version is raised here.
        user.version_id = change.version_id + 1
    session.flush()
    audit.record(session, actor, "user.update", user,
                 before={n: list(before[n]) if n == "roles" else before[n] for n in changed},
                 after={n: list(after[n]) if n == "roles" else after[n] for n in changed})
    return user


@service_input
@dataclass(frozen=True, kw_only=True)
class ReactivateUser:
    """Why the user is reactivated (kept in the audit trail; may be empty)."""

    reason: str = field(default="", metadata=opts(max_len=500))


def reactivate_user(session: Session, actor: Actor | None, user_id: int, ask: ReactivateUser) -> User:
    """Let a deactivated user sign in again (admin). Their API tokens stay as they were (revoked
    ones stay revoked); sessions ended by the deactivation stay ended. 409 when already active."""
    policy.require(actor, Role.admin)
    user = get_user_by_id(session, user_id)
    if user.active:
        raise Conflict(_("%(name)s is active already.", name=repr(user.username)), field="user_id")
    user.active = True
    session.flush()
    after: dict[str, object] = {"active": True}
    if ask.reason:
        after["reason"] = ask.reason
    audit.record(session, actor, "user.reactivate", user, before={"active": False}, after=after)
    return user
