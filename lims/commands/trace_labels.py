"""``lims trace list [--json]`` and ``lims trace label GTIN LOT -o FILE.png|FILE.pdf``.

``list`` prints every product and batch with its GS1 Digital Link (``--json``: an array of objects
with ``gtin``, ``lot``, ``digital_link``, ``product``, ``product_en``, ``owner``,
``production_date``, ``expiry_date``). ``label`` writes the package label of a batch: its Digital
Link as a QR code beside the product name, lot, expiry and net quantity, 50 × 30 mm (PDF to print
at 100 %, or PNG at 300 dpi). A malformed GTIN or an unknown batch exits 2 with the reason. The
base of the links is ``LIMS_BASE_URL``; the label's language ``--lang`` or ``LIMS_LANGUAGE``.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from lims.config import base_url
from lims.i18n import _, current_language


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="An array of JSON objects.")
def trace_list(as_json: bool) -> None:
    """List the products and their batches with their GS1 Digital Links."""
    from lims.commands._context import unit_of_work
    from lims.services.trace_labels import catalogue

    with unit_of_work() as session:
        entries = catalogue(session, base_url())
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo(_("No product is registered."))
    for e in entries:
        name = e["product_en"] if current_language() == "en" and e["product_en"] else e["product"]
        click.echo(f"{e['gtin']}  {e['lot'] or '(' + _('no batch') + ')'}  {name} · {e['owner']}  {e['digital_link']}")


@click.command("label")
@click.argument("gtin_code", metavar="GTIN")
@click.argument("lot")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="FILE.png (300 dpi) or FILE.pdf")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, help="Language of the label.")
def trace_label(gtin_code: str, lot: str, output: Path, lang: str | None) -> None:
    """Make the package label of a batch: its GS1 Digital Link QR code, product name, lot, expiry and net quantity."""
    from lims.commands._context import unit_of_work
    from lims.metrology.units_format import page_number
    from lims.services.trace_labels import package_label
    from traceability.gs1 import GS1Error, gtin
    from traceability.label import label_layout, label_pdf, label_png

    suffix = output.suffix.lower()
    if suffix not in (".png", ".pdf"):
        click.echo(_("The label file must end in .png or .pdf: %(name)s", name=output.name), err=True)
        raise click.exceptions.Exit(2)
    try:
        gtin14 = gtin(gtin_code).gtin14
    except GS1Error as exc:
        click.echo(f"GTIN {gtin_code}: {exc.reason}", err=True)
        raise click.exceptions.Exit(2) from None
    with unit_of_work() as session:
        label = package_label(session, base_url(), gtin14, lot, lang or current_language())
    if label is None:
        click.echo(_("Lot %(lot)s of GTIN %(gtin)s is not registered.", lot=lot, gtin=gtin14), err=True)
        raise click.exceptions.Exit(2)
    output.write_bytes(label_png(label) if suffix == ".png" else label_pdf(label))
    layout = label_layout(label)
    click.echo(_("Label of lot %(lot)s written to %(path)s (%(width)s × %(height)s mm, QR module %(module)s mm).",
                 lot=lot, path=str(output), width=page_number(label.width_mm), height=page_number(label.height_mm),
                 module=page_number(layout.module_mm, digits=2)))
