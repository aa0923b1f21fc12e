"""Signed verification tokens (Ed25519, RFC 8032) and the key store."""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certificates.errors import InvalidToken, KeyStoreError
from certificates.keystore import DEFAULT_FILENAME, KeyStore
from certificates.qr import qr_version
from certificates.tokens import (
    PublicKeySet,
    TokenPayload,
    b64url_decode,
    b64url_encode,
    key_id_for,
    public_jwk,
    sign_token,
    verify,
    verify_url,
)
from tests.helpers import BASE_URL


def test_base64url_matches_rfc4648_section_10_vectors() -> None:
    """RFC 4648 section 10 test vectors, padding removed (section 5 alphabet, RFC 7515 appendix C)."""
    for raw, encoded in ((b"", ""), (b"f", "Zg"), (b"fo", "Zm8"), (b"foo", "Zm9v"), (b"foob", "Zm9vYg"),
                         (b"fooba", "Zm9vYmE"), (b"foobar", "Zm9vYmFy")):
        assert b64url_encode(raw) == encoded
        assert b64url_decode(encoded) == raw
    assert b64url_encode(b"\xfb\xff") == "-_8"  # the two URL-safe characters of section 5


def test_public_jwk_matches_rfc8037_appendix_a() -> None:
    """RFC 8037 A.1/A.2: the Ed25519 key with d = nWGxne_9... has public x = 11qYAYKx...."""
    private = Ed25519PrivateKey.from_private_bytes(b64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"))
    jwk = public_jwk(private.public_key(), current=True)
    assert jwk["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["status"]) == ("OKP", "Ed25519", "EdDSA", "current")
    assert jwk["kid"] == key_id_for(private.public_key()) and len(jwk["kid"]) == 4
    assert "d" not in jwk


def test_sign_and_verify_integer_and_uid(keystore: KeyStore) -> None:
    for certificate_id in (0, 1, 123456, 2**40, "a1B2-c3_d4.e5"):
        token = sign_token(certificate_id, keystore)
        assert verify(token, keystore) == TokenPayload(certificate_id, keystore.current_key_id)


def test_a_status_token_keeps_its_scope_and_length_and_cannot_become_a_full_one(keystore: KeyStore) -> None:
    for certificate_id in (7, "a1B2-c3"):
        full, status = sign_token(certificate_id, keystore), sign_token(certificate_id, keystore, scope="status")
        assert verify(full, keystore).scope == "full"
        assert verify(status, keystore) == TokenPayload(certificate_id, keystore.current_key_id, "status")
        assert len(status) == len(full) and status != full
        assert sign_token(certificate_id, keystore, scope="status") == status  # deterministic: one QR per stamp
        raw = bytearray(b64url_decode(status))
        raw[0] -= 2  # the scope byte of a full token, under the status token's signature
        with pytest.raises(InvalidToken):
            verify(b64url_encode(bytes(raw)), keystore)
    with pytest.raises(ValueError):
        sign_token(7, keystore, scope="owner")


def test_token_length_and_qr_version_for_a_2_cm_sticker(keystore: KeyStore) -> None:
    """Layout in certificates.tokens: 1 + 3 + 3 + 64 = 71 bytes -> ceil(71 × 4 / 3) = 95 characters
    for ids below 2^21. https://lims.tdc.gov.vn/v/<token> is 23 + 3 + 95 = 121 characters, which
    fits QR version 7 at level M (ISO/IEC 18004 table 7: 122 bytes), i.e. 17 + 4 × 7 = 45 modules."""
    token = sign_token(999_999, keystore)
    assert len(token) == 95
    url = verify_url(BASE_URL, token)
    assert len(url) == 121
    assert qr_version(url) == 7


def test_tampered_tokens_are_refused(keystore: KeyStore) -> None:
    """Changing any one character (id, key id or signature) breaks the Ed25519 signature."""
    token = sign_token(4242, keystore)
    for position in range(len(token)):
        replacement = "A" if token[position] != "A" else "B"
        forged = token[:position] + replacement + token[position + 1:]
        with pytest.raises(InvalidToken):
            verify(forged, keystore)


def test_token_for_another_certificate_cannot_be_made_from_a_copy(keystore: KeyStore) -> None:
    """Swapping the certificate id of a genuine token (keeping its signature) is refused."""
    genuine = b64url_decode(sign_token(1000, keystore))
    other = b64url_decode(sign_token(1001, keystore))
    forged = b64url_encode(other[:-64] + genuine[-64:])
    with pytest.raises(InvalidToken, match="signature"):
        verify(forged, keystore)


def test_token_from_another_lab_is_unknown(keystore: KeyStore, tmp_path: Path) -> None:
    foreign = KeyStore(tmp_path / "other.pem")
    with pytest.raises(InvalidToken, match="unknown key"):
        verify(sign_token(7, foreign), keystore)


@pytest.mark.parametrize("garbage", [
    "", "x", "v", "====", "A" * 95, "A" * 5000, "not a token!", "\x00\x01", "é" * 95, "AQ", None, 12345, b"bytes",
    ["list"], "Zm9vYmFy=",
])
def test_garbage_raises_only_invalid_token(keystore: KeyStore, garbage: object) -> None:
    with pytest.raises(InvalidToken):
        verify(garbage, keystore)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=140), st.binary(max_size=110).map(b64url_encode)))
def test_any_string_raises_invalid_token_and_nothing_else(keystore: KeyStore, garbage: str) -> None:
    """Property: verify() never leaks another exception type, whatever it is given."""
    with contextlib.suppress(InvalidToken):
        verify(garbage, keystore)


def test_non_canonical_base64_is_refused(keystore: KeyStore) -> None:
    """Two spellings of the same bytes must not both verify (the last character's spare bits)."""
    token = sign_token(999_999, keystore)
    raw = b64url_decode(token)
    assert len(raw) % 3 == 2  # 71 bytes: the last character carries 2 spare bits
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(InvalidToken):
        verify(token[:-1] + sibling, keystore)


def test_rotation_keeps_old_tokens_valid(keystore: KeyStore) -> None:
    old_token = sign_token(1, keystore)
    old_kid = keystore.current_key_id
    new_kid = keystore.rotate()
    assert new_kid != old_kid and keystore.key_ids() == [old_kid, new_kid]
    new_token = sign_token(2, keystore)
    assert verify(old_token, keystore).key_id == old_kid
    assert verify(new_token, keystore).key_id == new_kid


def test_rotation_in_another_process_is_seen(keystore: KeyStore) -> None:
    """A second KeyStore on the same file (another worker) picks up the rotated key."""
    other = KeyStore(keystore.path)
    first = other.current_key_id
    keystore.rotate()
    assert other.current_key_id == keystore.current_key_id != first


def test_public_keys_json_verifies_offline(keystore: KeyStore) -> None:
    """The JWK Set published at /v/keys is enough to verify: no private material in it."""
    token_old = sign_token(11, keystore)
    keystore.rotate()
    token_new = sign_token(12, keystore)
    published = keystore.public_jwks_json()
    data = json.loads(published)
    assert [k["status"] for k in data["keys"]] == ["current", "retired"]
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg", "status"} for k in data["keys"])
    assert "PRIVATE" not in published
    for keys in (published, data, PublicKeySet.from_jwks(data)):
        assert verify(token_old, keys).certificate_id == 11
        assert verify(token_new, keys).certificate_id == 12


def test_published_key_with_wrong_kid_is_rejected(keystore: KeyStore) -> None:
    data = keystore.public_jwks()
    data["keys"][0]["kid"] = "AAAA"
    with pytest.raises(KeyStoreError, match="does not match"):
        PublicKeySet.from_jwks(data)
    with pytest.raises(KeyStoreError):
        PublicKeySet.from_jwks("{not json")


def test_key_file_created_on_first_use_with_owner_only_modes(tmp_path: Path) -> None:
    folder = tmp_path / "instance"
    store = KeyStore.in_directory(folder)
    assert not (folder / DEFAULT_FILENAME).exists()  # nothing until first use
    assert store.current_key_id
    assert stat.S_IMODE(os.stat(folder / DEFAULT_FILENAME).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    store.rotate()
    assert stat.S_IMODE(os.stat(folder / DEFAULT_FILENAME).st_mode) == 0o600
    assert KeyStore(folder).path == folder / DEFAULT_FILENAME  # an existing folder means its default file


def test_explicit_file_path_and_create_false(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError, match="does not exist"):
        _ = KeyStore(tmp_path / "missing.pem", create=False).current_key_id
    path = tmp_path / "keys" / "signing.pem"
    kid = KeyStore(path).current_key_id
    assert KeyStore(path, create=False).current_key_id == kid


def test_damaged_key_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    with pytest.raises(KeyStoreError, match="damaged"):
        _ = KeyStore(path).current_key_id
    path.write_text("nothing here")
    with pytest.raises(KeyStoreError, match="no key"):
        _ = KeyStore(path).current_key_id


def test_verify_with_unusable_keys_argument_is_a_keystore_error(keystore: KeyStore) -> None:
    with pytest.raises(KeyStoreError):
        verify(sign_token(1, keystore), 42)


def _first_use(path: str) -> str:
    return KeyStore(path).current_key_id


def test_concurrent_first_use_creates_one_key(tmp_path: Path) -> None:
    """Several workers starting at once all end up with the same single key."""
    path = str(tmp_path / "shared.pem")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        kids = pool.map(_first_use, [path] * 8)
    assert len(set(kids)) == 1
    assert KeyStore(path).key_ids() == [kids[0]]
