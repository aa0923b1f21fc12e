"""Passing a mapping where a service now takes a typed input (a transition aid).

The catalog's and users' services take frozen input dataclasses built by
:func:`lims.services.inputs.parse`. Seeders and test factories of other aggregates still pass
plain mappings; :func:`typed` parses those the same way, so they keep working until they
build the dataclass themselves. New code passes the dataclass.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from lims.services.inputs import parse

__all__ = ["typed"]

T = TypeVar("T")


def typed(cls: type[T], data: T | Mapping[str, Any]) -> T:
    """``data`` itself when it is a ``cls``, else ``parse(cls, data)`` (same checks, same messages)."""
    if isinstance(data, cls):
        return data
    if isinstance(data, Mapping):
        return parse(cls, data)
    raise TypeError(f"expected {cls.__name__} or a mapping, got {type(data).__name__}")
