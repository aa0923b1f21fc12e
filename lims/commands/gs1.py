"""``lims gs1 check CODE``: is a GTIN or a GS1 Digital Link URI valid, and if not, why.

``lims gs1 check 9506000134352`` prints ``valid GTIN-13 9506000134352 (GTIN-14 09506000134352)``;
a Digital Link URI (``https://…/01/…``) prints its parts, one a line. A refused code prints the
reason on stderr ("check digit should be 2, not 7") and exits 1. Language: ``LIMS_LANGUAGE``.
The checks are :mod:`traceability.gs1`'s (docs/traceability.md).
"""
from __future__ import annotations

from datetime import date

import click

from lims.i18n import N_, _, current_language

#: What each application identifier is, for the parts of a Digital Link.
AI_TITLES = {
    "01": N_("GTIN"), "414": N_("GLN of the location"), "00": N_("SSCC"),
    "22": N_("consumer product variant"), "10": N_("batch or lot number"), "21": N_("serial number"),
    "254": N_("GLN extension"),
    "11": N_("production date"), "13": N_("packaging date"), "15": N_("best before date"),
    "16": N_("sell by date"), "17": N_("expiration date"),
    "30": N_("variable count of items"), "37": N_("count of trade items"),
}


def _day(value: str) -> str:
    """A YYMMDD date as the language writes it; DD 00 (no day given) shows the month only."""
    from lims.metrology.units_format import page_day

    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    if day == 0:
        return f"{month:02d}/{year}" if current_language() == "vi" else f"{year}-{month:02d}"
    return page_day(date(year, month, day))


def _shown(ai: str, value: str) -> str:
    from lims.metrology.units_format import page_quantity
    from traceability.gs1 import DATE_AIS, net_weight_kg

    if ai in DATE_AIS:
        return _day(value)
    if ai.startswith("310"):
        return page_quantity(float(net_weight_kg(ai, value)), "kg", digits=int(ai[3])).replace("\u00a0", " ")
    return value


def _title(ai: str) -> str:
    if ai.startswith("310"):
        return _("net weight")
    return _(AI_TITLES[ai])


@click.group("gs1")
def command() -> None:
    """GS1 identifiers (GTIN, GLN, SSCC) and GS1 Digital Link URIs."""


@command.command("check")
@click.argument("code")
def check(code: str) -> None:
    """Say whether CODE (a GTIN-8/12/13/14 or a GS1 Digital Link URI) is valid, or why not (exit 1)."""
    from traceability.gs1 import GS1Error, gtin, parse_digital_link

    try:
        if "://" in code:
            link = parse_digital_link(code)
        else:
            found = gtin(code)
            click.echo(_("valid %(kind)s %(digits)s (GTIN-14 %(gtin14)s)", kind=found.kind, digits=found.digits,
                         gtin14=found.gtin14))
            return
    except GS1Error as exc:
        click.echo(_("invalid: %(reason)s", reason=exc.reason), err=True)
        raise click.exceptions.Exit(1) from None
    click.echo(_("valid GS1 Digital Link %(uri)s", uri=link.uri))
    click.echo(f"  {link.key} {_title(link.key)}: {link.value}")
    for ai, value in (*link.qualifiers, *link.attributes):
        click.echo(f"  {ai} {_title(ai)}: {_shown(ai, value)}")
    for name, value in link.other:
        click.echo(f"  {name}: {value}")
