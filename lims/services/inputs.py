"""Typed service inputs: frozen dataclasses built from a form or a JSON body by one adapter.

A service declares what it takes as a frozen dataclass; :func:`parse` turns the raw mapping
(``request.form``, a JSON object, a CLI's options) into it, checking every field with the
same :class:`~lims.services.validation.Checker` messages, and raises one
:class:`~lims.errors.ValidationError` naming every bad field. Services then work with typed
values only; the rules that need the database (does the instrument exist, is the date in the
past) stay in the service.

Field types understood: ``str``, ``int``, ``float``, ``bool``, ``date``, their ``| None``
forms (optional), ``Literal[...]`` (a choice), ``tuple[int, ...]`` / ``tuple[str, ...]`` (a
list, or one value, or a comma-separated string), and ``Any`` / ``dict`` (passed through for a
service that checks a nested structure itself). Values that come typed — a JSON body's, while
:data:`lims.services.validation.typed_input` is on (the API's requests) — are never converted:
a number for a name, text for a number, a number for true or false, one value for a list are
refused naming the field (:class:`~lims.services.validation.Checker`'s ``strict``). No text may hold a control character
(:func:`lims.services.validation.control_character`; TAB, LF and CR only in a multi-line text).
Options go in the field's metadata::

    @dataclass(frozen=True)
    class CancelRequest:
        version_id: int
        reason: str = field(default="", metadata=opts(max_len=2000))

Every input class is registered with :func:`service_input`, so a test can walk them and
check the API's schemas against them (:data:`INPUTS`).
"""
from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from lims.i18n import _
from lims.services.validation import DB_INT_MAX, DB_INT_MIN, Checker

__all__ = ["INPUTS", "checked_later", "number_limits", "opts", "parse", "service_input", "text_limits"]

T = TypeVar("T")
INPUTS: list[type] = []
_MISSING = dataclasses.MISSING


def opts(*, max_len: int | None = None, minimum: int | None = None, positive: bool = False,
         non_negative: bool = False, blank_is_none: bool = True, multiline: bool | None = None) -> dict[str, Any]:
    """Field metadata for :func:`parse` (limits checked with the field's message).

    ``multiline``: the text may hold TAB, LF and CR (other control characters are refused in
    every text); by default a text longer than a line (``max_len`` over 255) is multi-line."""
    return {"max_len": max_len, "minimum": minimum, "positive": positive, "non_negative": non_negative,
            "blank_is_none": blank_is_none, "multiline": multiline}


def checked_later(**metadata: Any) -> Any:
    """A field the use case requires but checks itself, with the rest of its input, so that every
    bad field is named at once (the API's schema marks it required)."""
    return dataclasses.field(default=None, metadata={**metadata, "required": True})


def service_input(cls: type[T]) -> type[T]:
    """Register a frozen input dataclass (for the schema-consistency test)."""
    # typeshed does not declare __dataclass_params__, the one public-enough place that says "frozen".
    if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise TypeError(f"{cls.__name__} must be a frozen dataclass")
    if cls not in INPUTS:
        INPUTS.append(cls)
    return cls


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
    return tp, False


def _as_list(raw: Any) -> list[Any]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, (list, tuple)):
        return list(raw)
    if isinstance(raw, str):
        return [p.strip() for p in raw.split(",") if p.strip()]
    return [raw]


def _tuple_of(c: Checker, name: str, raw: Any, item: Any) -> tuple[Any, ...]:
    if c.strict and raw is not None and not isinstance(raw, (list, tuple)):
        c.wrong_type(name, raw, "list")
        return ()
    values: list[Any] = []
    for value in _as_list(raw):
        got: int | str | None
        if item is int:
            got = c.integer({name: value}, name)
        elif c.strict and not isinstance(value, str):
            c.wrong_type(name, value, "text")
            continue
        else:
            got = str(value).strip()
            c.no_control(name, got)
        if got is not None:
            values.append(got)
    return tuple(values)


def _field_value(c: Checker, data: dict[str, Any], f: dataclasses.Field[Any], tp: Any) -> Any:
    meta = {**opts(), **dict(f.metadata)}
    base, optional = _unwrap_optional(tp)
    has_default = f.default is not _MISSING or f.default_factory is not _MISSING
    required = not optional and not has_default
    name = f.name
    if name not in data and has_default:
        return _MISSING
    raw = data.get(name)
    if base is str:
        max_len = meta["max_len"] or 255
        multiline = max_len > 255 if meta["multiline"] is None else meta["multiline"]
        text = c.text(data, name, required=required, max_len=max_len, multiline=multiline)
        return None if optional and not text and meta["blank_is_none"] else text
    if base is bool:
        return c.boolean(data, name, default=f.default if isinstance(f.default, bool) else False)
    if base is int:
        return c.integer(data, name, required=required, minimum=meta["minimum"])
    if base is float:
        return c.number(data, name, required=required, positive=meta["positive"],
                        non_negative=meta["non_negative"])
    if base is date:
        return c.day(data, name, required=required)
    if get_origin(base) is Literal:
        if optional and raw in (None, ""):  # ``Literal[...] | None``: nothing chosen
            return None
        choices = [str(a) for a in get_args(base)]
        default = f.default if isinstance(f.default, str) else None
        return c.choice(data, name, choices, default=default)
    if get_origin(base) is tuple:
        if required and not _as_list(raw):
            c.fail(name, _("This field is required."))
        return _tuple_of(c, name, raw, get_args(base)[0])
    _nested_texts(c, name, raw)
    return raw


def _nested_texts(c: Checker, name: str, raw: Any) -> None:
    """A structure passed through (``Any``, ``dict``): no control character in any of its texts
    (TAB, LF and CR allowed, as its service decides what is multi-line)."""
    if isinstance(raw, str):
        c.no_control(name, raw, multiline=True)
    elif isinstance(raw, Mapping):
        for key, value in raw.items():
            _nested_texts(c, name, key)
            _nested_texts(c, name, value)
    elif isinstance(raw, (list, tuple)):
        for value in raw:
            _nested_texts(c, name, value)


def text_limits(cls: object) -> dict[str, tuple[int, int]]:
    """(fewest, most) characters of each text field of the input ``cls`` as :func:`parse` checks
    them: at most ``max_len`` (255 by default); at least 1 when the field is required (a blank
    text is missing). For the API's document (:func:`lims.web.openapi.document_input_limits`)."""
    hints = get_type_hints(cls)
    limits: dict[str, tuple[int, int]] = {}
    for f in _input_fields(cls):
        base, optional = _unwrap_optional(hints[f.name])
        if not f.init or base is not str:
            continue
        meta = {**opts(), **dict(f.metadata)}
        has_default = f.default is not _MISSING or f.default_factory is not _MISSING
        required = bool(meta.get("required")) or (not optional and not has_default)
        limits[f.name] = (1 if required else 0, meta["max_len"] or 255)
    return limits


def number_limits(cls: object) -> dict[str, tuple[float | None, float | None, bool]]:
    """(lowest, highest, lowest allowed) of each number field of the input ``cls`` as :func:`parse`
    checks them: whole numbers within the database's range and from ``minimum``; ``positive``
    (above 0, not 0) and ``non_negative`` numbers. For the API's document."""
    hints = get_type_hints(cls)
    limits: dict[str, tuple[float | None, float | None, bool]] = {}
    for f in _input_fields(cls):
        base, _optional = _unwrap_optional(hints[f.name])
        meta = {**opts(), **dict(f.metadata)}
        if not f.init:
            continue
        if base is int:
            low = DB_INT_MIN if meta["minimum"] is None else max(meta["minimum"], DB_INT_MIN)
            limits[f.name] = (low, DB_INT_MAX, True)
        elif base is float and (meta["positive"] or meta["non_negative"]):
            limits[f.name] = (0, None, not meta["positive"])
    return limits


def _input_fields(cls: object) -> tuple[dataclasses.Field[Any], ...]:
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not an input dataclass")
    return dataclasses.fields(cls)


def parse(cls: Callable[..., T], data: Mapping[str, Any] | None, **fixed: Any) -> T:
    """Build the input ``cls`` from ``data``; ``fixed`` values (from the URL) win over the body."""
    fields = _input_fields(cls)
    raw: dict[str, Any] = dict(data or {})
    raw.update(fixed)
    hints = get_type_hints(cls)
    c = Checker()
    values: dict[str, Any] = {}
    for f in fields:
        if not f.init:
            continue
        value = _field_value(c, raw, f, hints[f.name])
        if value is not _MISSING:
            values[f.name] = value
    c.done()
    return cls(**values)
