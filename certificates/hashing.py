"""SHA-256 fingerprints of issued PDFs (FIPS 180-4).

The hash of the stored PDF is recorded at issue and shown on the public verification page,
so a holder can check that a PDF they were sent is byte-for-byte the one the lab issued.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from typing import BinaryIO

CHUNK = 1 << 20


def sha256_hex(data: bytes) -> str:
    """Lower-case hexadecimal SHA-256 of ``data`` (64 characters)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("sha256_hex needs the PDF bytes")
    return hashlib.sha256(data).hexdigest()


def sha256_stream(stream: BinaryIO) -> str:
    """SHA-256 of everything read from a binary stream, in 1 MiB chunks."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, read in chunks (PDFs are never loaded whole for hashing)."""
    with open(path, "rb") as handle:
        return sha256_stream(handle)


def matches(data: bytes, expected_hex: str) -> bool:
    """True when ``data`` hashes to ``expected_hex`` (case-insensitive, constant-time compare)."""
    if not isinstance(expected_hex, str):
        return False
    return hmac.compare_digest(sha256_hex(data), expected_hex.strip().lower())
