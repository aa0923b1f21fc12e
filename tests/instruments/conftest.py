"""The instruments package's messages go through the catalogs (Vietnamese by default); these
tests read them in English, their message ids."""
from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _messages_in_english() -> Iterator[None]:
    from lims.i18n import use_language

    with use_language("en"):
        yield
