"""Fixtures for the certificates package: example documents, a key store, rendered PDFs."""
from __future__ import annotations

from pathlib import Path

import pytest

from certificates.examples import example_calibration, example_verification
from certificates.keystore import KeyStore
from certificates.model import CertificateDocument
from certificates.pdf import render_pdf
from tests.helpers import VERIFY_URL


@pytest.fixture(scope="session")
def verification() -> CertificateDocument:
    return example_verification()


@pytest.fixture(scope="session")
def calibration() -> CertificateDocument:
    return example_calibration()


@pytest.fixture
def keystore(tmp_path: Path) -> KeyStore:
    return KeyStore.in_directory(tmp_path / "instance")


@pytest.fixture(scope="session")
def verification_pdf_vi(verification: CertificateDocument) -> bytes:
    return render_pdf(verification, verify_url=VERIFY_URL)


@pytest.fixture(scope="session")
def verification_pdf_en(verification: CertificateDocument) -> bytes:
    return render_pdf(verification, verify_url=VERIFY_URL, lang="en")


@pytest.fixture(scope="session")
def calibration_pdf_vi(calibration: CertificateDocument) -> bytes:
    return render_pdf(calibration, verify_url=VERIFY_URL)
