"""Fixtures of the service tests."""
from __future__ import annotations

import pytest

from tests.helpers import BASE_URL


@pytest.fixture
def english():
    """Messages checked in English (``pytestmark = pytest.mark.usefixtures("english")``)."""
    from lims.i18n import use_language

    with use_language("en"):
        yield


@pytest.fixture
def ctx(tmp_path):
    """A certificate context of the test's own (instance folder and keys under ``tmp_path``),
    in use while the test runs."""
    from certificates.keystore import KeyStore
    from lims.services import certificates as certs

    ctx = certs.CertificateContext(instance_path=tmp_path, base_url=BASE_URL,
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        yield ctx
