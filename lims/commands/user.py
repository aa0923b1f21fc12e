"""``lims user add``, ``token``, ``revoke-token``, ``deactivate`` and ``reactivate``."""
from __future__ import annotations

import click

from lims.commands._context import unit_of_work

ROLES = ["admin", "technician", "reviewer", "inspector", "business"]  # lims.models.Role, kept import-free


@click.group("user")
def command() -> None:
    """Users and API tokens."""


@command.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="repeat for several")
@click.option("--full-name", default="")
@click.option("--email", default="")
@click.option("--organisation-id", type=int, default=None, help="for business users")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="LIMS_NEW_USER_PASSWORD", help="asked for when not given")
def add(username: str, roles: tuple[str, ...], full_name: str, email: str, organisation_id: int | None,
        password: str) -> None:
    """Create a user."""
    from lims.services.inputs import parse
    from lims.services.policy import SYSTEM
    from lims.services.users import NewUser, create_user

    new = parse(NewUser, {"username": username, "password": password, "roles": roles, "full_name": full_name,
                          "email": email, "organisation_id": organisation_id})
    with unit_of_work() as session:
        user = create_user(session, SYSTEM, new)
        click.echo(f"user {user.username} created with roles: {', '.join(sorted(user.roles))}")


@command.command("token")
@click.argument("username")
@click.option("--label", default="cli", show_default=True)
def token(username: str, label: str) -> None:
    """Print a new API token for USERNAME (shown once; only its hash is kept)."""
    from lims.services.policy import SYSTEM
    from lims.services.users import create_api_token, get_user

    with unit_of_work() as session:
        user = get_user(session, username)
        click.echo(create_api_token(session, SYSTEM, user, label=label))


@command.command("revoke-token")
@click.argument("username")
@click.option("--label", default="", help="revoke the tokens with this label")
@click.option("--all", "every", is_flag=True, help="revoke every token of USERNAME")
def revoke_token(username: str, label: str, every: bool) -> None:
    """Revoke USERNAME's API tokens (by --label, or --all): bearer requests with them are refused."""
    from lims.i18n import _
    from lims.services.policy import SYSTEM
    from lims.services.users import RevokeTokens, get_user, revoke_api_tokens

    with unit_of_work() as session:
        user = get_user(session, username)
        rows = revoke_api_tokens(session, SYSTEM, user.id, RevokeTokens(label=label, all=every))
        click.echo(_("%(n)s API token(s) of %(name)s revoked.", n=len(rows), name=username))


@command.command("deactivate")
@click.argument("username")
@click.option("--reason", default="", help="kept in the audit trail")
def deactivate(username: str, reason: str) -> None:
    """Deactivate USERNAME: their sessions end at the next request, they cannot sign in."""
    from lims.i18n import _
    from lims.services.inputs import parse
    from lims.services.policy import SYSTEM
    from lims.services.users import DeactivateUser, deactivate_user, get_user

    ask = parse(DeactivateUser, {"reason": reason})
    with unit_of_work() as session:
        deactivate_user(session, SYSTEM, get_user(session, username).id, ask)
        click.echo(_("User %(name)s deactivated.", name=username))


@command.command("reactivate")
@click.argument("username")
@click.option("--reason", default="", help="kept in the audit trail")
def reactivate(username: str, reason: str) -> None:
    """Let the deactivated USERNAME sign in again; their API tokens answer again unless revoked."""
    from lims.i18n import _
    from lims.services.inputs import parse
    from lims.services.policy import SYSTEM
    from lims.services.user_edits import ReactivateUser, reactivate_user
    from lims.services.users import get_user

    ask = parse(ReactivateUser, {"reason": reason})
    with unit_of_work() as session:
        reactivate_user(session, SYSTEM, get_user(session, username).id, ask)
        click.echo(_("User %(name)s reactivated: they can sign in again.", name=username))
