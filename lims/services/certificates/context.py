"""Where certificate files and keys live: :class:`CertificateContext`.

The context is built from :class:`lims.config.Settings` — once per app by the web layer
(:func:`lims.web.public_certificates.certificate_context`), once per command by the CLI
(:func:`context_from_env`) — and passed to the services explicitly.

What remains implicit, and why:

* :func:`use_context` / :func:`current_context` (a ``ContextVar``): the workflow's
  ``approve_record`` issues the certificate with ``issue_for_record(session, actor, record)``
  and passes no context, so the web layer sets the app's context for each request and the
  demo seeder for its run. Every caller that can pass ``context=`` does.
* :func:`keystore_at` keeps one :class:`KeyStore` per key file and process: it caches the
  parsed keys and re-reads the file only when another process rotated it.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from certificates import tokens
from certificates.keystore import KeyStore
from lims.config import (
    DEFAULT_CERTIFICATE_NUMBER_PATTERN,
    DEFAULT_STAMP_NUMBER_PATTERN,
    DEFAULT_VALID_UNTIL_RULE,
    Settings,
)

__all__ = ["CertificateContext", "context_from_env", "context_from_settings", "current_context",
           "keystore_at", "reset_context", "set_context", "use_context"]

GENUINE_CACHE = 20_000


@dataclass(frozen=True)
class CertificateContext:
    """Instance folder (PDFs), public base URL (QR links), signing keys, numbering patterns, and
    how a passed verification's valid-until date is counted (``valid_until_rule``:
    ``same_day`` or ``end_of_month``, ``LIMS_VALID_UNTIL_RULE``).

    ``genuine`` remembers, for this context's key store, the certificate id and scope
    (:data:`certificates.tokens.SCOPES`) of each token whose signature was found good (keys are
    only ever added, so a good signature stays good).
    """

    instance_path: Path
    base_url: str
    keystore: KeyStore
    number_pattern: str = DEFAULT_CERTIFICATE_NUMBER_PATTERN
    stamp_pattern: str = DEFAULT_STAMP_NUMBER_PATTERN
    language: str = "vi"
    valid_until_rule: str = DEFAULT_VALID_UNTIL_RULE
    genuine: dict[str, tuple[int, str]] = field(default_factory=dict, compare=False, repr=False)

    def verify_url(self, token: str) -> str:
        return tokens.verify_url(self.base_url, token)

    def remember_genuine(self, token: str, certificate_id: int, scope: str = tokens.SCOPE_FULL) -> None:
        if len(self.genuine) >= GENUINE_CACHE:
            self.genuine.clear()
        self.genuine[token] = (certificate_id, scope)


_keystores: dict[str, KeyStore] = {}


def keystore_at(path: Path | str, *, directory: bool) -> KeyStore:
    """One :class:`KeyStore` per key location and process (it re-reads the file when it changes)."""
    key = f"{'d' if directory else 'f'}:{Path(path).resolve()}"
    store = _keystores.get(key)
    if store is None:
        store = KeyStore.in_directory(path) if directory else KeyStore(path)
        _keystores[key] = store
    return store


def context_from_settings(settings: Settings) -> CertificateContext:
    """The context of an app's (or a command's) :class:`lims.config.Settings`."""
    key_path = Path(settings.signing_key_path)
    # The default is a folder (created on first use); LIMS_SIGNING_KEY_FILE may name a file or a folder.
    directory = key_path.is_dir() or key_path == Path(settings.instance_path) / "signing-keys"
    return CertificateContext(
        instance_path=Path(settings.instance_path),
        base_url=settings.base_url.rstrip("/"),
        keystore=keystore_at(key_path, directory=directory),
        number_pattern=settings.certificate_number_pattern,
        stamp_pattern=settings.stamp_number_pattern,
        language=settings.language,
        valid_until_rule=settings.valid_until_rule,
    )


def context_from_env() -> CertificateContext:
    """The context of the environment's settings (CLI, scripts); needs no database or secret key."""
    # The database URL and secret key are not needed here: given, so nothing is created for them.
    return context_from_settings(Settings.from_env(database_url="unused", secret_key="unused"))


_context: contextvars.ContextVar[CertificateContext | None] = contextvars.ContextVar("lims_cert_ctx", default=None)


def set_context(ctx: CertificateContext | None) -> contextvars.Token[CertificateContext | None]:
    return _context.set(ctx)


def reset_context(token: contextvars.Token[CertificateContext | None]) -> None:
    _context.reset(token)


@contextmanager
def use_context(ctx: CertificateContext) -> Iterator[CertificateContext]:
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_context() -> CertificateContext:
    """The context set by the caller (web request, demo run, test), else one from the environment."""
    return _context.get() or context_from_env()
