"""Benchmark for issue 6, "Speed": certificate rendering (and, later, the public verification page).

Rendering half, measured side by side in one run (same process, same fonts, cases interleaved
round by round so machine noise hits all alike):

* certificate: ``certificates.pdf.render_pdf`` — page header, number and "Trang x/y" on every
  page, all tables, the QR code (made afresh each round: a new URL every time) and the
  error-versus-±MPE chart;
* bare document, same tables: a plain ``SimpleDocTemplate`` holding the very same tables and
  paragraphs (identification, standards, results, conformity, signatures), without QR code,
  chart or page furniture. The issue's target: certificate ≤ 2 × this;
* bare document, results table only: printed for information (a one-table page is a much
  smaller document than a two-page certificate).

Web half: :func:`bench_verification_endpoint`, to be filled in with the public page.

Run from the project root::

    python bench/certificates.py [--rounds 200]
"""
from __future__ import annotations

import argparse
import io
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and the file itself would shadow
# the `certificates` package: take the folder off and put the project root in its place.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle  # noqa: E402

from certificates.examples import example_verification  # noqa: E402
from certificates.fonts import register_fonts  # noqa: E402
from certificates.formatting import format_measure, format_number  # noqa: E402
from certificates.model import CertificateDocument  # noqa: E402
from certificates.pdf import render_pdf, sections  # noqa: E402

BASE_URL = "https://lims.tdc.gov.vn"


def bare_results_table_pdf(doc: CertificateDocument, font: str) -> bytes:
    """A plain reportlab document with a title and the first results table, plain strings."""
    rows = [["TT", "Giá trị chuẩn", "Số chỉ", "Sai số", "U", "MPE", "Đánh giá"]]
    for i, r in enumerate(doc.results[0].rows, start=1):
        rows.append([
            str(i),
            format_measure(r.nominal.value, r.nominal.unit),
            format_measure(r.indication.value, r.indication.unit) if r.indication else "",
            format_measure(r.error.value, r.error.unit) if r.error else "",
            format_measure(r.uncertainty.expanded.value, r.uncertainty.expanded.unit) if r.uncertainty else "",
            "±" + format_number(r.mpe.value) if r.mpe else "",
            "Đạt",
        ])
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=A4, invariant=1)
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.4, "grey")]))
    template.build([Paragraph(doc.number, ParagraphStyle("t", fontName=font, fontSize=14)), table])
    return out.getvalue()


def bare_same_tables_pdf(doc: CertificateDocument, lang: str = "vi") -> bytes:
    """The certificate's own tables and paragraphs in a plain document: no QR, chart or furniture."""
    regular, bold = register_fonts()
    styles = sections.make_styles(regular, bold)
    out = io.BytesIO()
    template = SimpleDocTemplate(out, pagesize=A4, invariant=1)
    width = template.width
    story = [Paragraph(doc.number, styles.title)]
    story += sections.identification(doc, lang, styles, width)
    story += sections.standards(doc, lang, styles, width)
    for section in doc.results:
        story.append(sections.results_table(section, lang, styles, width))
    story += sections.conformity(doc, lang, styles, width)
    story += sections.closing(doc, lang, styles, width)
    template.build(story)
    return out.getvalue()


def _time(fn: Callable[[], bytes]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


CERTIFICATE = "certificate (QR + chart + page furniture)"
SAME_TABLES = "bare document, same tables"
ONE_TABLE = "bare document, results table only"


def bench_rendering(rounds: int) -> dict[str, float]:
    """Median milliseconds per document of each case."""
    regular, _ = register_fonts()
    doc = example_verification()
    urls = (f"{BASE_URL}/v/{secrets.token_urlsafe(71)}" for _ in iter(int, 1))  # 95 characters, as a real token
    cases: dict[str, Callable[[], bytes]] = {
        CERTIFICATE: lambda: render_pdf(doc, verify_url=next(urls)),
        SAME_TABLES: lambda: bare_same_tables_pdf(doc),
        ONE_TABLE: lambda: bare_results_table_pdf(doc, regular),
    }
    for fn in cases.values():  # warm-up: imports, font parsing, caches
        for _ in range(5):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            samples[name].append(_time(fn))
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def bench_verification_endpoint() -> None:
    """Web half of the Speed section (public ``GET /v/<token>`` vs a trivial JSON route under
    gunicorn, 1,000,000 certificates): added with the public verification page."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="measurements per case (default 200)")
    args = parser.parse_args()

    print(f"== Certificate rendering: median of {args.rounds} interleaved rounds ==")
    result = bench_rendering(args.rounds)
    for name, ms in result.items():
        print(f"  {name:<44} {ms:8.2f} ms")
    ratio = result[CERTIFICATE] / result[SAME_TABLES]
    print(f"  ratio certificate / bare document with the same tables: {ratio:.2f}x "
          f"(target <= 2.00x: {'met' if ratio <= 2 else 'NOT met'})")
    print(f"  ratio certificate / bare one-table document: {result[CERTIFICATE] / result[ONE_TABLE]:.2f}x "
          "(information only)")
    bench_verification_endpoint()


if __name__ == "__main__":
    main()
