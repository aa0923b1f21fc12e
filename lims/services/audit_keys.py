"""The audit chain's key: 32 random bytes in a file of their own, outside the database.

The key (``LIMS_AUDIT_KEY_FILE``, default ``<instance>/audit.key``) is made on first use with
mode 0600, written as 64 hexadecimal digits. It is the HMAC-SHA256 key of the audit chain's
events and of its checkpoint files; it is not the certificate signing key, and it must not be
kept in the database or its backups (docs/reliability.md, "Audit chain").

A key is read once per process and path, then served from memory: :func:`load_key` is on the
path of every :func:`lims.services.audit.record`.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from lims.errors import LimsError
from lims.i18n import _

KEY_BYTES = 32
_cache: dict[Path, bytes] = {}
_lock = threading.Lock()


class AuditKeyError(LimsError):
    """The audit key cannot be read or made: the chain can be neither extended nor checked."""

    status = 500
    code = "audit_key"


def load_key(path: Path, *, create: bool = True) -> bytes:
    """The key in ``path``; made (0600, 32 random bytes) when missing and ``create`` is true."""
    path = Path(path)
    key = _cache.get(path)
    if key is not None:
        return key
    with _lock:
        key = _cache.get(path) or _read_or_make(path, create)
        _cache[path] = key
    return key


def _read_or_make(path: Path, create: bool) -> bytes:
    if not path.exists():
        if not create:
            raise AuditKeyError(_("The audit key file %(path)s does not exist: the audit chain cannot be "
                                  "checked without the key it was written with (LIMS_AUDIT_KEY_FILE).",
                                  path=str(path)))
        _make(path)
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise AuditKeyError(_("The audit key file %(path)s cannot be read as a key (%(reason)s).",
                              path=str(path), reason=str(exc) or type(exc).__name__)) from exc
    if len(key) != KEY_BYTES:
        raise AuditKeyError(_("The audit key file %(path)s must hold %(n)s bytes as hexadecimal digits.",
                              path=str(path), n=KEY_BYTES))
    return key


def _make(path: Path) -> None:
    """Write a new key atomically: a private temporary file linked into place, so two processes
    starting at once end up with the same key (the second one's link fails, it reads the first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES).hex() + "\n")
        os.chmod(tmp, 0o600)  # whatever the umask
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def key_id(key: bytes) -> str:
    """A short public name of a key (so a report can say "written with another key")."""
    return hashlib.sha256(b"lims-audit-key-id\n" + key).hexdigest()[:16]


def mac(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, in hexadecimal (the one-shot C implementation)."""
    return hmac.digest(key, message, "sha256").hex()


def forget_keys() -> None:
    """Drop the keys read so far (tests that replace a key file)."""
    with _lock:
        _cache.clear()
