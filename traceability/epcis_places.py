"""Places in EPCIS events: what a ``readPoint`` or ``bizLocation`` id names (a GLN, a place of a
business without one, or an outside place), and the time-zone offsets events are written with."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Final
from urllib.parse import unquote, urlsplit

from traceability.gs1 import GS1Error, check_digit, gln, parse_digital_link

#: The path segment of a place without a GLN: ``{LIMS_BASE_URL}/loc/{owner}/{local id}``.
LOCAL_PLACE: Final = "loc"
_SGLN = re.compile(r"urn:epc:id:sgln:(\d{6,12})\.(\d{0,6})\.(.*)")


@dataclass(frozen=True)
class LocationRef:
    """What a location id names: a GLN, or a place without one (owner key and local id), or neither."""

    uri: str
    gln: str | None = None
    owner_key: str | None = None
    local_id: str | None = None


def parse_location(uri: str) -> LocationRef:
    """What a ``readPoint``/``bizLocation`` id names: a GLN (Digital Link ``…/414/{gln}`` or SGLN URN
    ``urn:epc:id:sgln:CompanyPrefix.LocationRef.Extension``), a place written by
    :func:`traceability.epcis_events.location_id` without a GLN, or nothing this repository knows (an outside place)."""
    sgln = _SGLN.fullmatch(uri)
    if sgln:
        data = sgln.group(1) + sgln.group(2)
        if len(data) == 12:
            return LocationRef(uri, gln=data + str(check_digit(data)))
        return LocationRef(uri)
    if "://" not in uri:
        return LocationRef(uri)
    try:
        link = parse_digital_link(uri)
    except GS1Error:
        link = None
    if link is not None and link.key == "414":
        try:
            return LocationRef(uri, gln=gln(link.value))
        except GS1Error:
            return LocationRef(uri)
    segments = urlsplit(uri).path.rstrip("/").split("/")
    if len(segments) >= 3 and segments[-3] == LOCAL_PLACE:
        return LocationRef(uri, owner_key=unquote(segments[-2]), local_id=unquote(segments[-1]))
    return LocationRef(uri)


def utc_offset(text: str) -> timezone:
    """The :class:`datetime.timezone` of an offset such as ``+07:00``."""
    sign = -1 if text.startswith("-") else 1
    hours, minutes = int(text[1:3]), int(text[4:6])
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
