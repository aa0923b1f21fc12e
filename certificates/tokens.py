"""Signed verification tokens: ``<base_url>/v/<token>`` on every certificate and stamp.

A token names one certificate and the key that signed it, and carries an Ed25519 signature
(RFC 8032) over both, so a copied QR code cannot be edited to point at another certificate
and nobody without the laboratory's private key can make one.

Binary layout, then base64url without padding (RFC 4648 section 5)::

    byte 0        format: 0x01 = certificate id is an integer, 0x02 = a short ASCII uid;
                  0x03 and 0x04 = the same, scope "status" (the QR of a stamp sticker)
    bytes 1-3     key id: first 3 bytes of SHA-256 of the raw 32-byte public key
    bytes 4..n-65 certificate id: unsigned LEB128 integer, or the uid's ASCII bytes (1-32)
    last 64 bytes Ed25519 signature of DOMAIN + bytes 0..n-65

A certificate id below 2 097 152 takes 3 bytes, so the whole token is 71 bytes, 95
characters (96 up to id 268 435 455). With a base URL of up to 23 characters, such as
``https://lims.tdc.gov.vn``, the URL ``<base_url>/v/<token>`` (at most 122 characters)
encodes as QR version 7 at error correction M: 45 × 45 modules, 0.44 mm each on a 20 mm
sticker. Base URLs up to 53 characters give version 8 (49 × 49 modules, 0.41 mm).

The scope is part of the signed bytes: a **full** token (``0x01``/``0x02``, the QR on the
certificate itself) is proof of holding the certificate and opens its PDF; a **status** token
(``0x03``/``0x04``, the QR on a stamp sticker anyone can scan) shows validity only. Changing the
format byte breaks the signature, so a status token can never be turned into a full one.

The signature is checked with the key named in the token; the key id itself is never
trusted: an unknown key id, like any malformed or altered token, raises :class:`InvalidToken`.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from certificates.errors import InvalidToken, KeyStoreError

#: Domain separation: a signature made for a token is useless for any other message.
DOMAIN = b"metrology-lims certificate token v1\x00"
FORMAT_INT = 0x01
FORMAT_UID = 0x02
FORMAT_INT_STATUS = 0x03
FORMAT_UID_STATUS = 0x04
#: A token's scope: ``full`` (the certificate's own QR: status and PDF) or ``status`` (a stamp's QR).
SCOPE_FULL = "full"
SCOPE_STATUS = "status"
SCOPES = (SCOPE_FULL, SCOPE_STATUS)
_STATUS_OFFSET = FORMAT_INT_STATUS - FORMAT_INT
KEY_ID_BYTES = 3
SIGNATURE_BYTES = 64
MAX_UID_BYTES = 32
MAX_TOKEN_CHARS = 200
_UID_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True)
class TokenPayload:
    """What a valid token says: which certificate, signed by which key, and its scope."""

    certificate_id: int | str
    key_id: str
    scope: str = SCOPE_FULL


def b64url_encode(data: bytes) -> str:
    """Base64url without ``=`` padding (RFC 4648 section 5, RFC 7515 appendix C)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict inverse of :func:`b64url_encode`: only the canonical spelling is accepted."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url text")
    if len(text) % 4 == 1:
        raise ValueError("impossible base64url length")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64url text") from None
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def key_id_for(public_key: Ed25519PublicKey) -> str:
    """Key id: base64url of the first 3 bytes of SHA-256 of the raw public key (4 characters)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return b64url_encode(hashlib.sha256(raw).digest()[:KEY_ID_BYTES])


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_leb128(data: bytes) -> int:
    """Decode a canonical unsigned LEB128 integer filling all of ``data``."""
    if not data or len(data) > 10:
        raise ValueError("bad certificate id")
    value = 0
    for i, byte in enumerate(data):
        value |= (byte & 0x7F) << (7 * i)
        last = i == len(data) - 1
        if bool(byte & 0x80) == last:
            raise ValueError("bad certificate id")
    if _leb128(value) != data:
        raise ValueError("non-canonical certificate id")
    return value


def _encode_id(certificate_id: int | str) -> tuple[int, bytes]:
    if isinstance(certificate_id, bool):
        raise ValueError("a certificate id is an integer or a short text, not yes/no")
    if isinstance(certificate_id, int):
        if not 0 <= certificate_id < 2**63:
            raise ValueError(f"certificate id {certificate_id} is out of range")
        return FORMAT_INT, _leb128(certificate_id)
    if isinstance(certificate_id, str):
        raw = certificate_id.encode("ascii", "replace")
        if not 1 <= len(raw) <= MAX_UID_BYTES or not set(raw) <= _UID_CHARS:
            raise ValueError(
                f"certificate uid {certificate_id!r} must be 1-{MAX_UID_BYTES} characters of A-Z a-z 0-9 - _ ."
            )
        return FORMAT_UID, raw
    raise ValueError(f"a certificate id is an integer or a short text, not {type(certificate_id).__name__}")


def sign_token(certificate_id: int | str, keystore: Any, *, scope: str = SCOPE_FULL) -> str:
    """Make the token for ``certificate_id`` with the keystore's current key.

    ``keystore`` is a :class:`certificates.keystore.KeyStore` (anything with
    ``current_signing_key() -> (key_id, Ed25519PrivateKey)``). ``scope`` is ``"full"`` (the
    certificate's own QR) or ``"status"`` (a stamp sticker's QR: validity only). Ed25519 is
    deterministic: the same id, scope and key always give the same token.
    """
    if scope not in SCOPES:
        raise ValueError(f"a token's scope is one of {', '.join(SCOPES)}, not {scope!r}")
    fmt, id_bytes = _encode_id(certificate_id)
    if scope == SCOPE_STATUS:
        fmt += _STATUS_OFFSET
    key_id, private_key = keystore.current_signing_key()
    body = bytes([fmt]) + b64url_decode(key_id) + id_bytes
    return b64url_encode(body + private_key.sign(DOMAIN + body))


def verify_url(base_url: str, token: str) -> str:
    """``<base_url>/v/<token>``: the address printed as QR on certificates and stamps."""
    return f"{base_url.rstrip('/')}/v/{token}"


#: What :func:`verify` accepts as keys: a KeyStore, a PublicKeySet, a JWK Set (dict or JSON
#: text) or a mapping key id -> Ed25519PublicKey.
PublicKeys = Any


class PublicKeySet:
    """Public keys by key id, e.g. read back from the JSON published at ``/v/keys``."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._keys = dict(keys)

    def get(self, key_id: str) -> Ed25519PublicKey | None:
        """The public key with ``key_id``, or None."""
        return self._keys.get(key_id)

    def key_ids(self) -> list[str]:
        """All key ids in this set."""
        return list(self._keys)

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any] | str | bytes) -> PublicKeySet:
        """Read a JWK Set (RFC 7517 section 5) of Ed25519 ``OKP`` keys (RFC 8037 section 2).

        Raises :class:`KeyStoreError` when the set is malformed or a key id does not match
        its key (a published set must never be trusted blindly).
        """
        try:
            data = json.loads(jwks) if isinstance(jwks, (str, bytes)) else jwks
            entries = data["keys"]
            keys: dict[str, Ed25519PublicKey] = {}
            for entry in entries:
                if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
                    continue
                public_key = Ed25519PublicKey.from_public_bytes(b64url_decode(entry["x"]))
                key_id = key_id_for(public_key)
                if entry.get("kid", key_id) != key_id:
                    raise KeyStoreError(f"public key {entry.get('kid')!r} does not match its key id")
                keys[key_id] = public_key
        except KeyStoreError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyStoreError(f"the public key set is not a valid JWK Set: {exc}") from None
        return cls(keys)


def public_jwk(public_key: Ed25519PublicKey, *, current: bool = False) -> dict[str, Any]:
    """One public key as a JWK (RFC 8037 section 2), with its key id and ``status``."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
        "kid": key_id_for(public_key),
        "use": "sig",
        "alg": "EdDSA",
        "status": "current" if current else "retired",
    }


def _lookup_key(keys: Any, key_id: str) -> Ed25519PublicKey | None:
    if isinstance(keys, PublicKeySet):
        return keys.get(key_id)
    if hasattr(keys, "public_key"):  # a KeyStore
        key: Ed25519PublicKey | None = keys.public_key(key_id)
        return key
    if isinstance(keys, (str, bytes)) or (isinstance(keys, Mapping) and "keys" in keys):
        return PublicKeySet.from_jwks(keys).get(key_id)
    if isinstance(keys, Mapping):
        found = keys.get(key_id)
        return found if isinstance(found, Ed25519PublicKey) else None
    raise KeyStoreError(f"cannot verify tokens with a {type(keys).__name__}: give a KeyStore or public keys")


def verify(token: Any, keys: PublicKeys) -> TokenPayload:
    """Check ``token`` and return what it says.

    ``keys`` is a :class:`~certificates.keystore.KeyStore`, a :class:`PublicKeySet`, a JWK Set
    (dict or JSON text, as published at ``/v/keys``) or a mapping key id -> public key.

    Raises :class:`InvalidToken` — and no other exception — for anything that is not a token
    signed by one of ``keys``: garbage, truncated, altered, re-encoded or unknown-key tokens.
    A broken ``keys`` argument (not a token problem) raises :class:`KeyStoreError`.
    """
    try:
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
            raise InvalidToken("the token is missing or has an impossible length")
        try:
            raw = b64url_decode(token)
        except ValueError:
            raise InvalidToken("the token is not base64url text") from None
        if len(raw) < 1 + KEY_ID_BYTES + 1 + SIGNATURE_BYTES:
            raise InvalidToken("the token is too short")
        body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
        fmt, key_id, id_bytes = body[0], b64url_encode(body[1:1 + KEY_ID_BYTES]), body[1 + KEY_ID_BYTES:]
        if fmt not in (FORMAT_INT, FORMAT_UID, FORMAT_INT_STATUS, FORMAT_UID_STATUS):
            raise InvalidToken("the token has an unknown format")
        public_key = _lookup_key(keys, key_id)
        if public_key is None:
            raise InvalidToken(f"the token was signed by an unknown key {key_id!r}")
        try:
            public_key.verify(signature, DOMAIN + body)
        except InvalidSignature:
            raise InvalidToken("the token's signature does not match: it was altered or forged") from None
        scope = SCOPE_FULL
        if fmt in (FORMAT_INT_STATUS, FORMAT_UID_STATUS):
            fmt, scope = fmt - _STATUS_OFFSET, SCOPE_STATUS
        try:
            if fmt == FORMAT_INT:
                certificate_id: int | str = _read_leb128(id_bytes)
            else:
                if not 1 <= len(id_bytes) <= MAX_UID_BYTES or not set(id_bytes) <= _UID_CHARS:
                    raise ValueError("bad uid")
                certificate_id = id_bytes.decode("ascii")
        except ValueError:
            raise InvalidToken("the token's certificate id is malformed") from None
        return TokenPayload(certificate_id=certificate_id, key_id=key_id, scope=scope)
    except (InvalidToken, KeyStoreError):
        raise
    except Exception as exc:  # noqa: BLE001 - the contract is: a bad token only ever raises InvalidToken
        raise InvalidToken(f"the token could not be read ({type(exc).__name__})") from None


def new_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 signing key from the operating system's random source."""
    return Ed25519PrivateKey.generate()
