"""Fixtures for the certificates package: example documents, a key store, rendered PDFs."""
from __future__ import annotations

import sys
from pathlib import Path

# With pytest's default "prepend" import mode, tests/ is put on sys.path (it holds a conftest.py
# and no __init__.py); there this folder would be taken for the `certificates` package as an
# empty namespace package. Putting the project root on the path first lets the real package win.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import pytest  # noqa: E402
from cert_helpers import VERIFY_URL  # noqa: E402

from certificates.examples import example_calibration, example_verification  # noqa: E402
from certificates.keystore import KeyStore  # noqa: E402
from certificates.model import CertificateDocument  # noqa: E402
from certificates.pdf import render_pdf  # noqa: E402


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
