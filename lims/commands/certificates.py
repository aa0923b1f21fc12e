"""``lims certificates``: list, export, re-render missing PDFs and DCCs, signing keys.

The services are imported inside each command on purpose: every command module is loaded
when ``lims`` starts, and the certificate services bring SQLAlchemy, reportlab and lxml.
The commands act as the lab itself (:data:`lims.services.policy.SYSTEM`).
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from lims.commands._context import session_factory, unit_of_work


@click.group("certificates")
def command() -> None:
    """Issued certificates: list, export (PDF, JSON, DCC XML), re-render, signing keys."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="print a JSON array instead of a table")
@click.option("--status", type=click.Choice(["valid", "expired", "revoked", "superseded"]), default=None)
@click.option("--kind", type=click.Choice(["verification", "calibration"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
def list_(as_json: bool, status: str | None, kind: str | None, limit: int) -> None:
    """List certificates, newest first."""
    from lims.services import certificates as certs  # lazy: see the module's docstring
    from lims.services.policy import SYSTEM

    ctx = certs.context_from_env()
    with unit_of_work() as session:
        rows, total = certs.list_certificates(session, SYSTEM, status=status, kind=kind, limit=limit)
        items = [{
            "number": c.number, "kind": c.kind, "document": certs.document_kind(c), "status": _status(certs, c),
            "issue_date": c.issue_date.isoformat(), "valid_until": c.valid_until.isoformat() if c.valid_until else None,
            "verify_url": certs.verify_url(c, ctx), "stamp_number": c.stamp_number,
            "customer": c.customer.name, "serial_number": c.instrument.serial_number, "pdf_sha256": c.pdf_sha256,
        } for c in rows]
    if as_json:
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("no certificates")
        return
    for it in items:
        shown = certs.status_label(str(it["status"]))
        click.echo(f"{it['number']:<20} {it['kind']:<13} {shown:<11} {it['issue_date']}  "
                   f"{it['valid_until'] or '—':<10}  {it['serial_number']:<16} {it['customer']}")
    if total > len(items):
        click.echo(f"… {total - len(items)} more (use --limit)")


def _status(certs: Any, cert: Any) -> str:
    """The status as the web list shows it: a notice of non-conformity (a failed verification)
    in force is ``non_conformity_notice``, never ``valid``; else the effective status."""
    status = str(certs.effective_status(cert))
    if status == "valid" and certs.document_kind(cert) == certs.NOTICE:
        return str(certs.NOTICE)
    return status


@command.command("export")
@click.argument("number")
@click.option("--format", "fmt", type=click.Choice(["pdf", "json", "dcc"]), default="pdf", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="file to write (default: standard output for json/dcc, NUMBER.pdf for pdf)")
@click.option("--language", type=click.Choice(["vi", "en"]), default=None, help="PDF language (default: as issued)")
def export(number: str, fmt: str, output: Path | None, language: str | None) -> None:
    """Write certificate NUMBER as PDF (as issued), JSON or DCC 3.3.0 XML (schema-validated)."""
    from lims.services import certificates as certs  # lazy: see the module's docstring
    from lims.services.policy import SYSTEM

    ctx = certs.context_from_env()
    with unit_of_work() as session:
        cert = certs.get_by_number(session, SYSTEM, number)
        if fmt == "pdf":
            data = certs.pdf_bytes(cert, lang=language, context=ctx)
        elif fmt == "json":
            data = (json.dumps(certs.json_export(cert), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        else:
            data = certs.dcc_export(cert, ctx)
        stem = certs.file_name_of(cert.number)
    if output is None and fmt == "pdf" and sys.stdout.isatty():
        output = Path(f"{stem}.pdf")
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    output.write_bytes(data)
    click.echo(f"{output} ({len(data):,} bytes)", err=True)


def _render_one(job: tuple[int, dict, str, str]) -> tuple[int, bytes]:
    from lims.services.certificates import (
        render_stored,  # lazy: runs in a fresh worker process
    )

    cert_id, document, url, lang = job
    return cert_id, render_stored(document, url, lang)


def _write_dcc_one(job: tuple[int, dict, str, str]) -> tuple[int, bytes]:
    from lims.services.certificates import (
        render_stored_dcc,  # lazy: runs in a fresh worker process
    )

    cert_id, document, url, _lang = job
    return cert_id, render_stored_dcc(document, url)


def _jobs(certs: Any, missing: list, ctx: Any) -> list[tuple[int, dict, str, str]]:
    """What a worker process needs to draw each file: plain data, read before any drawing starts."""
    return [(c.id, c.document["certificate"], certs.verify_url(c, ctx), c.language) for c in missing]


def _redraw(factory: Any, jobs: list, what: str, produce: Callable, store: Callable, ctx: Any,
            workers: int) -> None:
    """Produce the files of ``jobs`` in worker processes, outside any transaction, and store each
    in a short transaction of its own (file, row, audit event; committed at once, so an
    interrupted run keeps what it stored and the audit chain's lock is never held while drawing);
    report those whose SHA-256 differs from the one recorded at issue."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    from lims.models import Certificate

    differing: list[str] = []
    spawn = multiprocessing.get_context("spawn")  # no fork of a process holding DB connections
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=spawn) as pool, \
            tqdm(total=len(jobs), unit=what, desc=f"writing {what}", file=sys.stderr) as bar:
        for cert_id, data in pool.map(produce, jobs, chunksize=4):
            with factory.begin() as session:
                cert = session.get_one(Certificate, cert_id)
                if not store(session, cert, data, ctx):
                    differing.append(cert.number)
            bar.update(1)
    verb = "rendered" if what == "PDF" else "wrote"
    click.echo(f"{verb} {len(jobs)} {what}(s) with {min(workers, len(jobs))} process(es)")
    if differing:
        click.echo(f"warning: {len(differing)} {what}(s) differ from the issued file (SHA-256 kept as issued): "
                   + ", ".join(differing[:20]), err=True)


@command.command("render")
@click.option("--all-missing", is_flag=True, required=True,
              help="write every certificate's PDF and DCC that is missing under the instance folder")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="processes drawing PDFs (default: one per CPU core)")
def render(all_missing: bool, workers: int | None) -> None:
    """Draw again, from the stored documents, the PDFs and DCCs missing from the instance folder.

    Numbers are never recomputed. A file whose SHA-256 differs from the one recorded at issue
    (another reportlab, font or writer version) is written but reported; the recorded hash is
    kept. A certificate issued before DCCs were kept gets its DCC written, and that file's hash
    recorded: from then on it is served byte for byte. Each file is stored and audited
    (``certificate.rerender``) in a transaction of its own, so the run can go on beside the app.
    """
    from lims.services import certificates as certs  # lazy: see the module's docstring

    ctx = certs.context_from_env()
    workers = workers or os.cpu_count() or 2
    with session_factory() as factory:
        for what, find, produce, store in (
                ("PDF", certs.missing_pdfs, _render_one, certs.store_rendered),
                ("DCC", certs.missing_dccs, _write_dcc_one, certs.store_rendered_dcc)):
            with factory() as session:  # reading only: nothing is locked
                jobs = _jobs(certs, find(session, ctx), ctx)
            if jobs:
                _redraw(factory, jobs, what, produce, store, ctx, workers)
            else:
                click.echo(f"every certificate has its {what}")


@command.command("keys")
@click.option("--rotate", is_flag=True, help="add a new signing key; older certificates keep verifying")
def keys(rotate: bool) -> None:
    """Show the signing keys (public part), or rotate to a new key."""
    from lims.services import certificates as certs  # lazy: see the module's docstring

    store = certs.context_from_env().keystore
    if rotate:
        click.echo(f"new signing key {store.rotate()}")
    for jwk in store.public_jwks()["keys"]:
        click.echo(f"{jwk['kid']}  {jwk['status']:<8} {jwk['x']}")
    click.echo(f"key file: {store.path}")
