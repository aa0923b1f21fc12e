"""Certificate and stamp numbers: the patterns of :class:`lims.config.Settings` filled in."""
from __future__ import annotations

from lims.errors import ValidationError
from lims.i18n import _
from lims.services.certificates.context import CertificateContext
from lims.services.numbering import format_number

__all__ = ["certificate_number", "stamp_number"]


def _check_pattern(pattern: str, needed: tuple[str, ...], setting: str) -> None:
    missing = [n for n in needed if "{" + n not in pattern]
    try:
        pattern.format(year=2026, yy="26", seq=1, kind="KD", prefix="")
    except (KeyError, ValueError, IndexError):
        missing = missing or ["?"]
    if missing:
        raise ValidationError(
            _("The number pattern %(pattern)s must contain %(fields)s.", pattern=repr(pattern),
              fields=", ".join("{" + n + "}" for n in needed)), field=setting)


def certificate_number(ctx: CertificateContext, *, kind: str, year: int, seq: int) -> str:
    """``{year}-{kind}-{seq:06d}`` → ``2026-KD-000001`` (kind codes KD, HC, TN)."""
    _check_pattern(ctx.number_pattern, ("year", "kind", "seq"), "LIMS_CERTIFICATE_NUMBER_PATTERN")
    return format_number(ctx.number_pattern, year=year, seq=seq, kind=kind)


def stamp_number(ctx: CertificateContext, *, year: int, seq: int) -> str:
    """Số tem: ``T{yy}-{seq:07d}`` → ``T26-0000001``, one register per year."""
    _check_pattern(ctx.stamp_pattern, ("seq",), "LIMS_STAMP_NUMBER_PATTERN")
    return ctx.stamp_pattern.format(year=year, yy=f"{year % 100:02d}", seq=seq, kind="KD", prefix="")
