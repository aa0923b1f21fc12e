"""The city or province of a Vietnamese address, for the DCC's ``dcc:location/dcc:city``.

One function, used where a document is built (:mod:`lims.services.certificates.document` fills
``Laboratory.city`` and ``Customer.city`` with it: the organisation table has an address but no
city column) and, for a document stored before those fields existed, by the DCC writer as its
fallback (:func:`certificates.dcc_admin.city_of`). Pure: no database, no lxml.
"""
from __future__ import annotations

import re

from certificates.values import Text

__all__ = ["city_of_address"]

_CITY_PREFIX = re.compile(r"^(thành phố|tỉnh|tp\.?)\s+", re.IGNORECASE)


def city_of_address(address: Text | None) -> str | None:
    """The city or province of a Vietnamese address: its last comma-separated part (addresses
    run from the street to the province), without ``thành phố`` / ``tỉnh`` / ``TP.``; None for
    no address. ``"Số 2 Lê Lợi, phường Vĩnh Trại, thành phố Lạng Sơn"`` → ``"Lạng Sơn"``."""
    if address is None:
        return None
    written = address if isinstance(address, str) else address.vi
    last = written.split(",")[-1].strip()
    return _CITY_PREFIX.sub("", last).strip() or None
