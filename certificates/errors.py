"""Errors raised by the certificates package.

Every error is a :class:`CertificateError` whose message a technician can act on, and so a
:class:`lims.errors.LimsError` (a module that imports nothing): the web layer's one handler
answers it with the class's ``status``. Where a built-in fits, the class also inherits it
(``ValueError``), so callers that catch the built-in keep working.
"""
from __future__ import annotations

from lims.errors import LimsError


class CertificateError(LimsError):
    """Base class of every error raised by :mod:`certificates`."""

    status = 500
    code = "certificate_error"


class DocumentError(CertificateError, ValueError):
    """The certificate document is incomplete or inconsistent.

    ``field`` names the offending field (dotted path, e.g. ``results[0].rows[2].mpe``) and
    ``reason`` says what is wrong with it.
    """

    status = 422
    code = "invalid"
    field: str

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"certificate field {field!r}: {reason}", field=field, detail={"reason": reason})
        self.reason = reason


class UnitError(DocumentError):
    """A unit string cannot be read, or two units cannot be compared."""


class InvalidToken(CertificateError, ValueError):
    """A verification token is not a genuine token of this laboratory.

    Raised for tampered, truncated, garbage and unknown-key tokens alike; the message says
    why, but callers should show the holder only "not a genuine certificate of this lab".
    """

    status = 404
    code = "not_found"


class KeyStoreError(CertificateError):
    """The signing-key store cannot be read, created or written (a fault of the server)."""

    status = 500
    code = "key_store"


class DccError(CertificateError, ValueError):
    """The document cannot be expressed as a Digital Calibration Certificate."""

    status = 422
    code = "invalid"


class DccValidationError(DccError):
    """A DCC XML document does not validate against the DCC 3.3.0 schema.

    ``errors`` holds every schema message (``line N: message``); the exception message
    shows the first one.
    """

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors) or ["unknown schema error"]
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"DCC XML is not valid against DCC 3.3.0: {self.errors[0]}{more}",
                         detail={"errors": self.errors})


class RenderError(CertificateError):
    """The certificate could not be drawn (e.g. the bundled font is missing): a fault of the server."""

    status = 500
    code = "render"
