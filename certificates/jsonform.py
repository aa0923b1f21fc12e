"""The certificate as JSON: the same data as the PDF, with stable keys, and back.

:func:`to_json_dict` gives a plain ``dict`` (JSON-ready: strings, lists, dicts, None);
:func:`from_json_dict` rebuilds the identical :class:`CertificateDocument`, so the dict can
be stored with the issued record and re-rendered later without recomputing anything.

Rules, so that consumers can rely on the shape:

* every field of the model is always present, in model order (``None`` when empty), plus
  ``"format": "metrology-lims/certificate"`` and ``"format_version": 1`` first;
* numbers are JSON *strings* holding the stored decimal digits (``"0.10"`` stays ``"0.10"``)
  and always sit beside their unit: ``{"value": "100.0002", "unit": "g"}``;
* dates are ISO 8601 ``YYYY-MM-DD``; enumerations are their lower-case values
  (``"verification"``, ``"pass"``, ``"before_adjustment"``);
* a text is a string, or ``{"vi": ..., "en": ...}`` when it has a translation;
* a field added later (``ResultRow.spread``, ``Conformity.clause``/``guard_band_factor``,
  ``Instrument.range_min``/``range_max``, ``Customer.city``/``country_code``,
  ``ReferenceStandard.serial_number``/``asset_code``, ``amendment_reason``) is optional with a
  default and comes last in its object, so a document stored before it existed still loads
  (with the field empty) and ``format_version`` stays 1.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Union

from certificates.errors import DocumentError
from certificates.model import CertificateDocument, LocalText, to_decimal

FORMAT = "metrology-lims/certificate"
FORMAT_VERSION = 1


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, LocalText):
        return {"vi": value.vi, "en": value.en}
    if dataclasses.is_dataclass(value):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__} as certificate JSON")


def to_json_dict(doc: CertificateDocument) -> dict[str, Any]:
    """The document as a JSON-ready dict with stable keys (see the module docstring)."""
    if not isinstance(doc, CertificateDocument):
        raise DocumentError("doc", "to_json_dict needs a CertificateDocument")
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **_encode(doc)}


def to_json(doc: CertificateDocument, *, indent: int | None = 2) -> str:
    """:func:`to_json_dict` as JSON text (UTF-8, Vietnamese letters unescaped)."""
    return json.dumps(to_json_dict(doc), ensure_ascii=False, indent=indent)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)  # each part's annotations read in its own module


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None:
            if type(None) in args:
                return None
            raise DocumentError(where, "is required")
        if str in args and LocalText in args:  # Text
            return _decode(LocalText, value, where) if isinstance(value, dict) else _decode(str, value, where)
        if int in args and str in args:
            return value
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, value, where)
    if value is None:
        raise DocumentError(where, "is required")
    if origin is tuple:
        if not isinstance(value, list):
            raise DocumentError(where, "must be a list")
        inner = typing.get_args(tp)[0]
        return tuple(_decode(inner, v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            raise DocumentError(where, f"{value!r} is not one of {', '.join(m.value for m in tp)}") from None
    if tp is Decimal:
        return to_decimal(value if isinstance(value, str) else str(value), where)
    if tp is date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise DocumentError(where, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if tp is bool:
        if not isinstance(value, bool):
            raise DocumentError(where, "must be true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DocumentError(where, "must be a whole number")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise DocumentError(where, "must be a text")
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise DocumentError(where, "must be an object")
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp)}
        unknown = set(value) - names
        if unknown:
            raise DocumentError(where or "document", f"unknown keys: {', '.join(sorted(unknown))}")
        kwargs = {name: _decode(hints[name], value[name], f"{where}.{name}".lstrip("."))
                  for name in names if name in value}
        return tp(**kwargs)
    raise DocumentError(where, f"cannot read a {tp}")


def from_json_dict(data: dict[str, Any]) -> CertificateDocument:
    """Rebuild the document from :func:`to_json_dict` output.

    Raises :class:`~certificates.errors.DocumentError` naming the field for unknown keys,
    wrong types, or content the model refuses.
    """
    if not isinstance(data, dict):
        raise DocumentError("document", "must be a JSON object")
    if data.get("format", FORMAT) != FORMAT:
        raise DocumentError("format", f"expected {FORMAT!r}, got {data.get('format')!r}")
    version = data.get("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise DocumentError("format_version", f"version {version!r} is not supported (expected {FORMAT_VERSION})")
    body = {k: v for k, v in data.items() if k not in ("format", "format_version")}
    try:
        return typing.cast(CertificateDocument, _decode(CertificateDocument, body, ""))
    except TypeError as exc:  # a required key is missing
        raise DocumentError("document", f"incomplete certificate: {exc}") from None


def from_json(text: str | bytes) -> CertificateDocument:
    """:func:`from_json_dict` from JSON text."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DocumentError("document", f"not valid JSON: {exc}") from None
    return from_json_dict(data)
