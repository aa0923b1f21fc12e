"""Certificate errors belong to the one error hierarchy (lims.errors.LimsError) and keep their
built-in bases, fields and texts, so the web layer's one handler answers them with their status."""
from __future__ import annotations

from typing import Any

import pytest

import certificates
from certificates.errors import (
    CertificateError,
    DccError,
    DccValidationError,
    DocumentError,
    InvalidToken,
    KeyStoreError,
    RenderError,
    UnitError,
)
from lims.errors import LimsError
from tests.helpers import exception_classes

#: class -> (built-in it inherited before it was a LimsError, HTTP status the handler answers)
EXPECTED: dict[type[Exception], tuple[type[Exception], int]] = {
    CertificateError: (Exception, 500),
    DocumentError: (ValueError, 422),
    UnitError: (ValueError, 422),
    InvalidToken: (ValueError, 404),
    KeyStoreError: (Exception, 500),
    DccError: (ValueError, 422),
    DccValidationError: (ValueError, 422),
    RenderError: (Exception, 500),
}


def test_every_exception_class_of_the_package_is_a_lims_error() -> None:
    found = exception_classes(certificates)
    assert set(found) == set(EXPECTED)
    assert all(issubclass(cls, LimsError) for cls in found)


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_built_in_base_and_status(cls: type[LimsError]) -> None:
    builtin, status = EXPECTED[cls]
    assert issubclass(cls, CertificateError) and issubclass(cls, builtin)
    assert cls.status == status


def test_document_error_keeps_its_fields_and_text() -> None:
    exc = DocumentError("results[0].rows[2].mpe", "give the MPE as a positive magnitude")
    assert str(exc) == "certificate field 'results[0].rows[2].mpe': give the MPE as a positive magnitude"
    assert exc.args == (str(exc),)
    assert (exc.field, exc.reason, exc.message) == ("results[0].rows[2].mpe", "give the MPE as a positive magnitude",
                                                    str(exc))
    assert exc.to_problem() == {"error": str(exc), "detail": {"field": "results[0].rows[2].mpe",
                                                              "reason": "give the MPE as a positive magnitude"}}
    with pytest.raises(ValueError):
        raise UnitError("unit", "unknown unit 'gramm' in 'gramm'")


def test_dcc_validation_error_text_and_errors() -> None:
    exc = DccValidationError(["line 3: element x not expected", "line 9: missing y"])
    assert str(exc) == "DCC XML is not valid against DCC 3.3.0: line 3: element x not expected (and 1 more)"
    assert exc.errors == ["line 3: element x not expected", "line 9: missing y"]
    assert str(DccValidationError([])) == "DCC XML is not valid against DCC 3.3.0: unknown schema error"


@pytest.mark.parametrize("cls", [InvalidToken, KeyStoreError, DccError, RenderError], ids=lambda c: c.__name__)
def test_one_message_errors_read_as_before(cls: type[CertificateError]) -> None:
    exc = cls("the token is truncated")
    assert str(exc) == exc.message == "the token is truncated"
    assert exc.args == ("the token is truncated",)


def test_real_errors_keep_their_texts() -> None:
    from certificates import tokens
    from certificates.units import dsi_unit

    with pytest.raises(InvalidToken) as invalid:
        tokens.verify("garbage", {})
    assert str(invalid.value) == invalid.value.message
    with pytest.raises(UnitError, match=r"^certificate field 'unit': "):
        dsi_unit("psi")


def test_the_web_handler_answers_with_the_class_status(make_app: Any) -> None:
    """Before, these reached the generic 500 handler; now the LimsError handler answers them."""
    app = make_app()  # an app of its own: the shared one takes no new routes once it has served
    raised = {"token": InvalidToken("the signature does not match"),
              "document": DocumentError("number", "is required and must be a non-empty text"),
              "render": RenderError("the certificate font could not be loaded")}

    from lims.web.auth import public

    @public
    def fail(name: str) -> str:
        raise raised[name]

    app.add_url_rule("/test-errors/<name>", "test_errors", fail)
    client = app.test_client()
    for name, exc in raised.items():
        resp = client.get(f"/test-errors/{name}", headers={"Accept": "application/json"})
        assert resp.status_code == exc.status
        assert resp.get_json() == {"error": exc.message, "detail": exc.detail}
