"""Which registered place (:class:`lims.models.TraceLocation`) an event's ``readPoint`` or
``bizLocation`` URI names.

A place with a GLN is named by it, as an SGLN URN (``urn:epc:id:sgln:8934567.00001.0``: company
prefix and location reference make the GLN without its check digit) or as a GS1 Digital Link
(``…/414/8934567000016``); a place without one by a URI ending in its local identifier. When two
businesses use the same local identifier, the place of the business that recorded the event wins.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from traceability.gs1 import check_digit

__all__ = ["Place", "PlaceIndex", "gln_of_uri"]


@dataclass(frozen=True)
class Place:
    """A registered place and who owns it (``owner_kind``: ``lab`` or ``business``)."""

    id: int
    owner_id: int
    owner_name: str
    owner_kind: str
    name: str
    address: str
    gln: str | None
    local_id: str | None


def gln_of_uri(uri: str) -> str | None:
    """The GLN an SGLN URN or a Digital Link ``/414/`` URI names, else None."""
    if uri.startswith("urn:epc:id:sgln:"):
        parts = uri[len("urn:epc:id:sgln:"):].split(".")
        digits = "".join(parts[:2])
        if len(parts) == 3 and len(digits) == 12 and digits.isdigit():
            return digits + str(check_digit(digits))
        return None
    if "/414/" in uri:
        value = uri.split("/414/", 1)[1].split("/", 1)[0].split("?", 1)[0]
        return value if len(value) == 13 and value.isdigit() else None
    return None


def _last_segment(uri: str) -> str:
    cut = max(uri.rfind("/"), uri.rfind(":"))
    return unquote(uri[cut + 1:]) if cut >= 0 else uri


class PlaceIndex:
    """The places of a set of businesses, looked up by URI (answers remembered)."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.by_gln: dict[str, Place] = {}
        self.by_local: dict[str, list[Place]] = {}
        self.by_id: dict[int, Place] = {}
        for place in places:
            self.by_id[place.id] = place
            if place.gln:
                self.by_gln[place.gln] = place
            if place.local_id:
                self.by_local.setdefault(place.local_id, []).append(place)
        self._found: dict[tuple[str, int | None], Place | None] = {}

    def find(self, uri: str | None, recorded_by: int | None = None) -> Place | None:
        """The place ``uri`` names, preferring one of the business ``recorded_by``."""
        if not uri:
            return None
        key = (uri, recorded_by)
        if key not in self._found:
            self._found[key] = self._lookup(uri, recorded_by)
        return self._found[key]

    def _lookup(self, uri: str, recorded_by: int | None) -> Place | None:
        gln = gln_of_uri(uri)
        if gln is not None:
            return self.by_gln.get(gln)
        candidates = self.by_local.get(_last_segment(uri), [])
        own = [p for p in candidates if p.owner_id == recorded_by]
        if own:
            return own[0]
        return candidates[0] if len(candidates) == 1 else None
