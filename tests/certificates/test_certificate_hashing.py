"""SHA-256 of issued PDFs (FIPS 180-4)."""
from __future__ import annotations

import io
from pathlib import Path

from certificates.hashing import matches, sha256_file, sha256_hex, sha256_stream


def test_fips_180_2_appendix_b_examples() -> None:
    """FIPS 180-2 appendix B.1 ("abc") and the SHA-256 of the empty message."""
    assert sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_file_and_stream_agree_with_bytes(tmp_path: Path, verification_pdf_vi: bytes) -> None:
    path = tmp_path / "c.pdf"
    path.write_bytes(verification_pdf_vi)
    expected = sha256_hex(verification_pdf_vi)
    assert sha256_file(path) == expected == sha256_stream(io.BytesIO(verification_pdf_vi))
    assert len(expected) == 64


def test_matches_detects_any_change(verification_pdf_vi: bytes) -> None:
    digest = sha256_hex(verification_pdf_vi)
    assert matches(verification_pdf_vi, digest.upper())
    altered = bytearray(verification_pdf_vi)
    altered[len(altered) // 2] ^= 1
    assert not matches(bytes(altered), digest)
    assert not matches(verification_pdf_vi, None)  # type: ignore[arg-type]
