"""The laboratory's token-signing keys, kept in a file outside any database.

One key file holds every Ed25519 private key the laboratory has used, as PKCS#8 PEM blocks
(RFC 5208, RFC 8410); the last block is the current key. Rotation appends a new key: new
tokens are signed with it, and tokens signed with older keys keep verifying because the old
keys stay in the file. The file is created on first use with mode 0600 (owner only), in a
directory created with mode 0700; writes go through a temporary file and an atomic rename,
so a reader never sees half a file, and two processes creating the store at the same time
end up with the same single key.

Give :class:`KeyStore` a file path (e.g. the value of ``LIMS_SIGNING_KEY_FILE``) or an
existing directory, in which the file is :data:`DEFAULT_FILENAME` (e.g. the app's
``instance/`` folder).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from threading import Lock
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from certificates.errors import KeyStoreError
from certificates.tokens import key_id_for, new_private_key, public_jwk

DEFAULT_FILENAME = "certificate-signing-keys.pem"
HEADER = (
    "# Ed25519 keys that sign certificate verification tokens. The LAST key is the current one;\n"
    "# older keys stay so that tokens they signed keep verifying. Keep this file secret\n"
    "# (mode 0600), back it up, and never store it in the database.\n"
)
_PEM_BLOCK = re.compile(rb"-----BEGIN PRIVATE KEY-----\r?\n.+?-----END PRIVATE KEY-----", re.S)

try:  # POSIX advisory lock around rotation; elsewhere rotation relies on the atomic rename alone.
    import fcntl
except ImportError:  # pragma: no cover - non-POSIX platforms
    fcntl = None  # type: ignore[assignment]


class KeyStore:
    """Private signing keys in a file; public keys for ``/v/keys``.

    ``create=False`` refuses to make a new key file (use it where a missing file is a
    deployment error, e.g. a verification-only process).
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        target = Path(path)
        self.path = target / DEFAULT_FILENAME if target.is_dir() else target
        self.create = create
        self._lock = Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._keys: list[tuple[str, Ed25519PrivateKey]] = []

    @classmethod
    def in_directory(cls, directory: str | os.PathLike[str], *, create: bool = True) -> KeyStore:
        """The store in ``directory`` (created with mode 0700 when missing)."""
        folder = Path(directory)
        if create:
            try:
                folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as exc:
                raise KeyStoreError(f"cannot create the key folder {folder}: {exc.strerror}") from None
        return cls(folder / DEFAULT_FILENAME, create=create)

    # -- reading -------------------------------------------------------------------------

    def _load(self) -> list[tuple[str, Ed25519PrivateKey]]:
        """Keys in file order, re-read whenever the file changed (another process rotated)."""
        with self._lock:
            try:
                st = self.path.stat()
            except FileNotFoundError:
                if not self.create:
                    raise KeyStoreError(f"the signing key file {self.path} does not exist") from None
                self._create()
                st = self.path.stat()
            except OSError as exc:
                raise KeyStoreError(f"cannot read the signing key file {self.path}: {exc.strerror}") from None
            stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
            if stamp != self._stamp:
                self._keys = self._parse(self._read())
                self._stamp = stamp
            return self._keys

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise KeyStoreError(f"cannot read the signing key file {self.path}: {exc.strerror}") from None

    def _parse(self, data: bytes) -> list[tuple[str, Ed25519PrivateKey]]:
        keys: list[tuple[str, Ed25519PrivateKey]] = []
        for block in _PEM_BLOCK.findall(data):
            try:
                key = load_pem_private_key(block, password=None)
            except (ValueError, TypeError) as exc:
                raise KeyStoreError(f"the signing key file {self.path} holds a damaged key: {exc}") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise KeyStoreError(f"the signing key file {self.path} holds a key that is not Ed25519")
            keys.append((key_id_for(key.public_key()), key))
        if not keys:
            raise KeyStoreError(f"the signing key file {self.path} holds no key")
        return keys

    # -- writing -------------------------------------------------------------------------

    @staticmethod
    def _serialise(keys: list[Ed25519PrivateKey]) -> bytes:
        blocks = [k.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()) for k in keys]
        return HEADER.encode("ascii") + b"".join(blocks)

    def _write_temp(self, data: bytes) -> str:
        """Write ``data`` to a new 0600 file beside the key file; return its path."""
        folder = self.path.parent
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".signing-keys-", dir=folder)  # mkstemp: mode 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
        except OSError as exc:
            raise KeyStoreError(f"cannot write the signing key file in {folder}: {exc.strerror}") from None
        return tmp

    def _create(self) -> None:
        """First use: publish a one-key file atomically; if another process won, keep its file."""
        tmp = self._write_temp(self._serialise([new_private_key()]))
        try:
            os.link(tmp, self.path)
        except FileExistsError:
            pass
        except OSError as exc:
            raise KeyStoreError(f"cannot create the signing key file {self.path}: {exc.strerror}") from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        lock_path = self.path.with_name(self.path.name + ".lock")
        if fcntl is None:  # pragma: no cover
            yield
            return
        try:
            fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise KeyStoreError(f"cannot lock the signing key file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def rotate(self) -> str:
        """Add a new key and make it current; return its key id. Old keys keep verifying."""
        self._load()
        with self._exclusive():
            existing = [key for _, key in self._parse(self._read())]
            fresh = new_private_key()
            tmp = self._write_temp(self._serialise(existing + [fresh]))
            try:
                os.replace(tmp, self.path)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise KeyStoreError(f"cannot replace the signing key file {self.path}: {exc.strerror}") from None
        return key_id_for(fresh.public_key())

    # -- use -----------------------------------------------------------------------------

    def current_signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """(key id, private key) of the current key, creating the store on first use."""
        return self._load()[-1]

    @property
    def current_key_id(self) -> str:
        """Key id of the key new tokens are signed with."""
        return self.current_signing_key()[0]

    def key_ids(self) -> list[str]:
        """Every key id, oldest first; the last is current."""
        return [kid for kid, _ in self._load()]

    def public_key(self, key_id: str) -> Ed25519PublicKey | None:
        """The public key with ``key_id``, or None when this store never had it."""
        for kid, key in self._load():
            if kid == key_id:
                return key.public_key()
        return None

    def public_jwks(self) -> dict[str, Any]:
        """The JWK Set (RFC 7517 section 5) to publish at ``/v/keys``: public keys only, current first."""
        keys = self._load()
        current = keys[-1][0]
        ordered = [keys[-1]] + keys[:-1][::-1]
        return {"keys": [public_jwk(key.public_key(), current=kid == current) for kid, key in ordered]}

    def public_jwks_json(self) -> str:
        """:meth:`public_jwks` as compact, stable JSON text."""
        return json.dumps(self.public_jwks(), sort_keys=True, separators=(",", ":"))
