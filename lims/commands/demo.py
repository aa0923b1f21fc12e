"""``lims demo``: a working system with demo data in one command."""
from __future__ import annotations

import os
import secrets

import click


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="create the database and demo data, then stop")
def command(host: str, port: int, no_serve: bool) -> None:
    """Create the database under instance/, seed demo data once, and serve the app.

    QR codes and public links point to the port served unless LIMS_BASE_URL says otherwise."""
    from lims.config import Settings, demo_password, served_base_url
    from lims.db import make_engine, make_session_factory, session_scope
    from lims.migrate import upgrade
    from lims.services.certificates import context_from_settings, use_context
    from lims.services.demo import demo_present, seed_demo

    settings = Settings.from_env(base_url=served_base_url(host, port))
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(make_session_factory(engine)) as session:
        if demo_present(session):
            click.echo("demo data already present; reusing it (the password was printed when it was created)")
            created = None
        else:
            password = demo_password() or secrets.token_urlsafe(9)
            # Every certificate the seeders issue (approvals included) links to the served address.
            with use_context(context_from_settings(settings)):
                created = seed_demo(session, password, base_url=settings.base_url)
    engine.dispose()
    if created is not None:
        click.echo("demo data created. Sign in with any of these users:")
        for username, roles in created.users:
            click.echo(f"  {username:<12} {', '.join(roles)}")
        click.echo(f"password for all of them: {created.password}")
    click.echo(f"QR codes and public links point to {settings.base_url}")
    if no_serve:
        return
    from lims.commands.serve import run_server

    os.environ["LIMS_BASE_URL"] = settings.base_url  # the served app (gunicorn's workers) reads it there
    run_server(host, port)
