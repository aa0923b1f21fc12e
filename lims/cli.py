"""The ``lims`` command line.

Every sub-command lives in its own module under :mod:`lims.commands` and exposes
``command``. Domain errors end with a clear message on stderr and a non-zero exit
code, never a traceback.
"""
from __future__ import annotations

import importlib
import pkgutil

import click

from lims import __version__


class LimsGroup(click.Group):
    """Turns domain errors into a clear message and a non-zero exit code (never a traceback)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence for users
            raise click.ClickException(_describe(exc)) from exc

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """A command on the lab's data first checks that it found the project (:mod:`lims.commands._project`)."""
        name, cmd, rest = super().resolve_command(ctx, args)
        if name and not ctx.resilient_parsing:
            from lims.commands._project import check_project

            check_project(name, rest)
        return name, cmd, rest


def _describe(exc: Exception) -> str:
    from lims.errors import LimsError

    if isinstance(exc, LimsError):
        return exc.message
    name = type(exc).__module__
    if name.startswith("sqlalchemy"):
        orig = getattr(exc, "orig", None)
        return f"database error: {orig or exc}".splitlines()[0]
    return f"{type(exc).__name__}: {exc}"


@click.group(cls=LimsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lims")
def main() -> None:
    """Metrology LIMS: verification, calibration, certificates, instrument readings, uncertainty."""


def _register_commands() -> None:
    import lims.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        cmd = getattr(module, "command", None)
        if isinstance(cmd, click.Command):
            main.add_command(cmd)


_register_commands()
if __name__ == "__main__":  # python -m lims.cli
    main()
