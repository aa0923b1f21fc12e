"""Certificate PDF: :func:`render_pdf` turns a :class:`~certificates.model.CertificateDocument` into bytes.

A4, Vietnamese by default or English, in the bundled DejaVu Sans (every Vietnamese diacritic,
no system font assumed), with the results tables, the error-versus-±MPE chart, the QR code of
the verification URL, and the number plus "Trang x/y" on every page. The output is
deterministic (reportlab ``invariant`` mode: no creation timestamp or random id), so the
same document renders to the same bytes and the same SHA-256.
"""
from __future__ import annotations

import io

from certificates.errors import DocumentError, RenderError
from certificates.fonts import register_fonts
from certificates.model import LANGUAGES, CertificateDocument, text_for


def render_pdf(doc: CertificateDocument, *, verify_url: str, lang: str | None = None) -> bytes:
    """Render ``doc`` as PDF bytes.

    ``verify_url`` is printed as the QR code (``<base_url>/v/<token>``, see
    :mod:`certificates.tokens`); ``lang`` is ``"vi"`` or ``"en"`` and defaults to the
    document's own ``language``.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

    from certificates.pdf import layout, page

    if not isinstance(doc, CertificateDocument):
        raise DocumentError("doc", "render_pdf needs a CertificateDocument")
    lang = lang or doc.language
    if lang not in LANGUAGES:
        raise DocumentError("lang", f"{lang!r} is not one of {', '.join(LANGUAGES)}")
    if not isinstance(verify_url, str) or not verify_url.strip():
        raise RenderError("the verification URL for the QR code is missing")
    regular, bold = register_fonts()
    info = page.page_info(doc, lang, regular, bold)

    out = io.BytesIO()
    template = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=page.MARGIN_X,
        rightMargin=page.MARGIN_X,
        topMargin=18 * mm,
        bottomMargin=16 * mm,
        title=f"{doc.number}",
        author=text_for(doc.laboratory.name, lang),
        subject=text_for(doc.instrument.name, lang),
        creator="metrology-lims",
        lang=lang,
        invariant=1,
    )
    frame = Frame(template.leftMargin, template.bottomMargin, template.width, template.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    template.addPageTemplates([PageTemplate(id="page", frames=[frame],
                                            onPage=lambda canvas, _doc: page.draw_page(canvas, info))])
    story: list[Flowable] = layout.story(doc, lang, verify_url, template.width)
    template.build(story, canvasmaker=page.numbered_canvas(info))
    return out.getvalue()


__all__ = ["render_pdf"]
