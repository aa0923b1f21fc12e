"""Device errors go through the catalogs: a Vietnamese page reads them in Vietnamese, with no
command-line hint meant for a terminal."""
from __future__ import annotations

import pytest

from instruments.errors import PortError
from instruments.link import open_port
from instruments.settings import SerialSettings
from lims.i18n import use_language


@pytest.mark.parametrize(("lang", "expected"), [
    ("vi", "không có cổng này: thiết bị đã được cắm và bật chưa?"),
    ("en", "no such port: is the device plugged in and switched on?"),
])
def test_a_missing_port_is_explained_in_the_language_of_the_page(lang, expected):
    with use_language(lang), pytest.raises(PortError) as caught:
        open_port("/dev/ttyNOSUCHPORT9", SerialSettings())
    assert expected in caught.value.message
    assert "serial.tools.list_ports" not in caught.value.message
