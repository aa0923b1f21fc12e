"""Offline validation against the PTB Digital Calibration Certificate schema 3.3.0.

The official schema files are shipped in ``certificates/schemas/dcc/`` (see ``NOTICE.txt``
there for sources and licences): ``dcc.xsd`` 3.3.0, D-SI ``SI_Format.xsd`` 2.2.1 and the W3C
XML-Signature schema, plus a local stand-in for one QUDT file and the OASIS XML catalog
``catalog.xml`` that maps PTB's remote schema URLs to the local copies. The catalog is read
here and applied through an lxml resolver, so no schema is ever fetched from the network.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from threading import Lock
from typing import Any

from lxml import etree

from certificates.errors import DccError, DccValidationError

CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
_lock = Lock()
_schema: etree.XMLSchema | None = None


def schema_dir() -> Path:
    """Folder of the bundled DCC 3.3.0 schema files."""
    return Path(str(resources.files("certificates").joinpath("schemas", "dcc")))


def read_catalog(catalog: Path) -> dict[str, Path]:
    """``system``/``uri`` entries of an OASIS XML catalog: remote URL -> local file."""
    tree = etree.parse(str(catalog), etree.XMLParser(no_network=True, resolve_entities=False))
    mapping: dict[str, Path] = {}
    for entry in tree.getroot():
        if entry.tag == CATALOG_NS + "system":
            mapping[_attribute(entry, "systemId")] = catalog.parent / _attribute(entry, "uri")
        elif entry.tag == CATALOG_NS + "uri":
            mapping[_attribute(entry, "name")] = catalog.parent / _attribute(entry, "uri")
    return mapping


def _attribute(entry: etree._Element, name: str) -> str:
    value = entry.get(name)
    if value is None:
        raise DccError(f"XML catalog entry on line {entry.sourceline} has no {name!r} attribute")
    return value


class _CatalogResolver(etree.Resolver):
    def __init__(self, mapping: dict[str, Path]) -> None:
        super().__init__()
        self.mapping = mapping

    def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
        local = self.mapping.get(url) if url is not None else None
        return self.resolve_filename(str(local), context) if local is not None else None


def dcc_schema() -> etree.XMLSchema:
    """The compiled DCC 3.3.0 schema (compiled once per process, about 10 ms)."""
    global _schema
    with _lock:
        if _schema is None:
            folder = schema_dir()
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            parser.resolvers.add(_CatalogResolver(read_catalog(folder / "catalog.xml")))
            _schema = etree.XMLSchema(etree.parse(str(folder / "dcc.xsd"), parser))
        return _schema


def validate_dcc(xml: bytes | str | Any) -> None:
    """Check a DCC document against the DCC 3.3.0 schema; return None when it is valid.

    ``xml`` is the document's bytes or text, or an lxml element/tree. Raises
    :class:`~certificates.errors.DccValidationError` carrying every schema message
    (``line N: message``) when the document is not well-formed or not valid.
    """
    if isinstance(xml, (bytes, str)):
        data = xml.encode("utf-8") if isinstance(xml, str) else xml
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
        try:
            tree = etree.fromstring(data, parser).getroottree()
        except etree.XMLSyntaxError as exc:
            raise DccValidationError([f"not well-formed XML: {exc}"]) from None
    else:
        tree = xml.getroottree() if hasattr(xml, "getroottree") else xml
    schema = dcc_schema()
    if not schema.validate(tree):
        raise DccValidationError([f"line {e.line}: {e.message}" for e in schema.error_log])
