"""Every text field of every typed input refuses control characters, and every integer field a
number the databases cannot hold (issue 11, finding 6) — in the one adapter, ``inputs.parse``,
that forms, the API and the CLI share."""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from typing import Any, get_args, get_origin, get_type_hints

import pytest

import lims.services
from lims.errors import ValidationError
from lims.services.inputs import INPUTS, parse
from lims.services.validation import Checker, control_character

for _info in pkgutil.walk_packages(lims.services.__path__, "lims.services."):
    importlib.import_module(_info.name)


def _base(tp: Any) -> Any:
    args = [a for a in get_args(tp) if a is not type(None)]
    return args[0] if get_origin(tp) is not None and len(args) == 1 and type(None) in get_args(tp) else tp


def _fields(kind: str) -> list[tuple[type, dataclasses.Field, Any]]:
    out = []
    for cls in INPUTS:
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            base = _base(hints[f.name])
            if not f.init:
                continue
            if kind == "str" and (base is str or (get_origin(base) is tuple and get_args(base)[0] is str)):
                out.append((cls, f, base))
            elif kind == "int" and (base is int or (get_origin(base) is tuple and get_args(base)[0] is int)):
                out.append((cls, f, base))
            elif kind == "any" and (base is Any or base is dict or get_origin(base) is dict):
                out.append((cls, f, base))
    return out


def _refused(cls: type, data: dict[str, Any]) -> dict[str, str]:
    try:
        parse(cls, data)
    except ValidationError as exc:
        return exc.errors
    return {}


def _multiline(f: dataclasses.Field) -> bool:
    meta = dict(f.metadata)
    if meta.get("multiline") is not None:
        return bool(meta["multiline"])
    return (meta.get("max_len") or 255) > 255


def test_every_text_field_of_every_input_refuses_control_characters() -> None:
    """Finding 6: a NUL (or another control character) in any text gave 500 on PostgreSQL; every
    text field of every registered input refuses them, naming the field — TAB, LF and CR only in
    a multi-line text (notes, reasons, remarks, addresses)."""
    fields = _fields("str")
    assert len(fields) > 40
    for cls, f, base in fields:
        for char in ("\x00", "\x01", "\x1b", "\x7f"):
            value = f"a{char}b"
            raw = [value] if get_origin(base) is tuple else value
            errors = _refused(cls, {f.name: raw})
            assert "U+00" in errors.get(f.name, ""), (cls.__name__, f.name, repr(char), errors)
        if get_origin(base) is tuple:
            continue
        for value in ("a\nb", "a\tb", "a\rb"):
            errors = _refused(cls, {f.name: value})
            assert ("U+00" in errors.get(f.name, "")) != _multiline(f), (cls.__name__, f.name, errors)


def test_every_integer_field_refuses_a_number_the_databases_cannot_hold() -> None:
    """Finding 6: 2^31 and more in a JSON body's integer (a version, an id) reached the database and
    gave 500; now 422 naming the field."""
    fields = _fields("int")
    assert len(fields) > 10
    for cls, f, base in fields:
        for value in (2**31, 2**63, 10**20, -(2**31) - 1):
            raw = [value] if get_origin(base) is tuple else value
            assert f.name in _refused(cls, {f.name: raw}), (cls.__name__, f.name, value)
        assert f.name not in _refused(cls, {f.name: [2**31 - 1] if get_origin(base) is tuple else 2**31 - 1})


def test_a_structure_passed_through_refuses_control_characters_in_any_text() -> None:
    """The nested structures a service checks itself (readings, checks) hold no NUL either."""
    fields = _fields("any")
    assert fields
    for cls, f, _base_type in fields:
        errors = _refused(cls, {f.name: {"k": [{"note": "x\x00y"}]}})
        assert "U+0000" in errors.get(f.name, ""), (cls.__name__, f.name, errors)
        assert f.name not in _refused(cls, {f.name: {"k": [{"note": "x\ny"}]}})


@pytest.mark.parametrize("value,multiline,found", [
    ("ổn", False, None), ("a\tb", False, "U+0009"), ("a\tb\r\n", True, None), ("\x00", True, "U+0000"),
    ("x\x7f", True, "U+007F"), ("\x0b", True, "U+000B"), ("🧪\u200f", False, None),
])
def test_control_character(value: str, multiline: bool, found: str | None) -> None:
    assert control_character(value, multiline=multiline) == found


def test_the_checker_bounds_integers_with_the_field_s_minimum() -> None:
    c = Checker()
    c.integer({"version_id": 2**40}, "version_id", minimum=0)
    c.integer({"n": -(2**40)}, "n")
    assert c.errors["version_id"].endswith((f" 0 đến {2**31 - 1}.", f" 0 and {2**31 - 1}."))
    assert str(-(2**31)) in c.errors["n"]


def test_the_checker_names_the_field_in_both_languages() -> None:
    from lims.i18n import use_language

    for lang, words in (("en", "control character (U+0000)"), ("vi", "ký tự điều khiển (U+0000)")):
        with use_language(lang):
            c = Checker()
            c.text({"name": "a\x00"}, "name")
            assert words in c.errors["name"]
