"""The query parameters of the API's searchable lists, for the OpenAPI document.

Every list takes ``q`` (words found in its search text, diacritics and case ignored), ``sort`` (one
of its keys, ``-`` in front for descending; the id breaks ties), ``limit`` and ``offset``, and
answers the total in the ``X-Total-Count`` header (:data:`lims.web.listing.TOTAL_HEADERS_DOC`).
"""
from __future__ import annotations

from typing import Any

from lims.services.search import SORTS
from lims.web.api.common import int_param
from lims.web.listing import API_LIMIT, API_MAX_LIMIT, MAX_Q, TOTAL_HEADERS_DOC

__all__ = ["TOTAL_HEADERS_DOC", "date_param", "enum_param", "int_param", "list_params"]


def enum_param(name: str, choices: list[str] | tuple[str, ...], description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "enum": list(choices)}}


def date_param(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", "format": "date"}}


def list_params(which: str, searched: str, *filters: dict[str, Any],
                default_limit: int = API_LIMIT) -> list[dict[str, Any]]:
    """``q``, ``sort``, the list's ``filters``, ``limit`` and ``offset`` of the list ``which``."""
    keys, default = SORTS[which]
    sorts = sorted(keys) + sorted(f"-{k}" for k in keys)
    return [
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string", "maxLength": MAX_Q},
         "description": f"words to find in {searched}; every word must be found, diacritics and case ignored "
                        "(\"huu nghi\" finds \"Hữu Nghị\")"},
        enum_param("sort", sorts, f"sort key, \"-\" in front for descending (default {default}); ties by id"),
        *filters,
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0,
                                                                        "maximum": API_MAX_LIMIT},
         "description": f"at most this many (default {default_limit}, max {API_MAX_LIMIT})"},
        int_param("offset", "skip this many"),
    ]
