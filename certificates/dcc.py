"""The certificate as a PTB Digital Calibration Certificate, DCC XML schema 3.3.0.

Written as PTB's good-practice DCCs say things, so that PTB's own readers (``dsiunits``,
``dccquantities``, ``dcc-json-toolkit``) find what a person reads on the PDF:

* :mod:`certificates.dcc_admin` — ``dcc:administrativeData``: core data, the instrument, the
  laboratory, the persons, the customer and the statements (kind of document, conformity, next
  due date, measuring range …);
* :mod:`certificates.dcc_results` — ``dcc:measurementResults``: the methods (procedure, GUM,
  decision rule), the reference standards with their own certificates, the environmental
  conditions;
* :mod:`certificates.dcc_tables` — each results table as one ``dcc:result`` holding a
  one-index table (``basic_1IndexTable``) whose columns are ``si:realListXMLList`` values;
* :mod:`certificates.dcc_xml` — elements, texts, D-SI values and our declared ``lims_``
  refTypes (never an invented ``basic_`` one).

Numbers are written digit for digit as the document holds them (the document is rounded when
it is built). The only change is an exact power-of-ten shift when a value is written in another
prefix of its column's unit (U = 0.3 mg on an error in g is written 0.0003), because D-SI
requires the uncertainty in the unit of its value, and a percentage written also as a
fraction of one.

The DCC is a record: the certificate service writes it once, at issue, beside the PDF, and
serves those bytes ever after (:mod:`lims.services.certificates.files`).
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from certificates.dcc_admin import write_administrative
from certificates.dcc_results import write_results
from certificates.dcc_schema import validate_dcc
from certificates.dcc_xml import DCC, NSMAP, XSI
from certificates.errors import DccError
from certificates.model import CertificateDocument

SCHEMA_VERSION = "3.3.0"
SCHEMA_LOCATION = "https://ptb.de/dcc https://ptb.de/dcc/v3.3.0/dcc.xsd"

__all__ = ["SCHEMA_VERSION", "dcc_tree", "to_dcc_xml", "validate_dcc"]


def _release() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("metrology-lims")
    except (ImportError, PackageNotFoundError):
        return "development"


def dcc_tree(doc: CertificateDocument, *, verify_url: str | None = None, software_release: str | None = None) -> Any:
    """The DCC as an lxml element tree (see :func:`to_dcc_xml`)."""
    if not isinstance(doc, CertificateDocument):
        raise DccError("to_dcc_xml needs a CertificateDocument")
    root = etree.Element(f"{{{DCC}}}digitalCalibrationCertificate", nsmap=NSMAP)
    root.set("schemaVersion", SCHEMA_VERSION)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    write_administrative(root, doc, software_release or _release(), verify_url)
    write_results(root, doc)
    return etree.ElementTree(root)


def to_dcc_xml(doc: CertificateDocument, *, verify_url: str | None = None, software_release: str | None = None,
               validate: bool = True) -> bytes:
    """The certificate as DCC 3.3.0 XML (UTF-8 bytes), validated against the bundled schema.

    ``verify_url`` (optional) is added as a statement link, so a machine reading the DCC can
    check it like a person scanning the QR code. With ``validate=True`` (default) an invalid
    result raises :class:`~certificates.errors.DccValidationError` instead of being returned.
    """
    tree = dcc_tree(doc, verify_url=verify_url, software_release=software_release)
    if validate:
        validate_dcc(tree)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))

