"""Instrument errors belong to the one error hierarchy (lims.errors.LimsError) and keep their
built-in bases, fields and texts, so the web layer's one handler answers them with their status."""
from __future__ import annotations

import pytest

import instruments
from instruments import errors as ie
from instruments.drivers.sbi import NoValue, parse_line
from instruments.mock import MockUrlError, build
from lims.errors import LimsError
from tests.helpers import exception_classes

#: class -> (built-in it inherited before it was a LimsError, HTTP status the handler answers)
EXPECTED: dict[type[Exception], tuple[type[Exception], int]] = {
    ie.InstrumentError: (Exception, 503),
    ie.PortError: (OSError, 503),
    ie.DeviceTimeout: (TimeoutError, 504),
    ie.Disconnected: (ConnectionError, 503),
    ie.GarbledResponse: (ValueError, 502),
    ie.IncompleteLine: (ValueError, 502),
    ie.DeviceError: (Exception, 502),
    ie.OutOfRange: (Exception, 422),
    ie.Overload: (Exception, 422),
    ie.Underload: (Exception, 422),
    ie.NotStable: (Exception, 422),
    ie.NotSupported: (Exception, 422),
    ie.WrongDevice: (Exception, 409),
    ie.UnknownDriver: (LookupError, 422),
    ie.InvalidOption: (ValueError, 422),
    MockUrlError: (ValueError, 422),
    NoValue: (Exception, 503),
}


def test_every_exception_class_of_the_package_is_a_lims_error() -> None:
    found = exception_classes(instruments)
    assert set(found) == set(EXPECTED)
    assert all(issubclass(cls, LimsError) for cls in found)


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda cls: cls.__name__)
def test_built_in_base_and_status(cls: type[LimsError]) -> None:
    builtin, status = EXPECTED[cls]
    assert issubclass(cls, builtin)
    assert cls.status == status


@pytest.mark.parametrize("cls", [c for c in EXPECTED if issubclass(c, ie.InstrumentError)], ids=lambda c: c.__name__)
def test_port_and_cause_make_the_text(cls: type[ie.InstrumentError]) -> None:
    exc = cls("/dev/ttyUSB0", "no answer from the device")
    assert str(exc) == exc.message == "/dev/ttyUSB0: no answer from the device"
    assert exc.args == ("/dev/ttyUSB0: no answer from the device",)
    assert (exc.port, exc.cause) == ("/dev/ttyUSB0", "no answer from the device")
    assert exc.to_problem() == {"error": str(exc), "detail": {"port": "/dev/ttyUSB0"}}
    without_port = cls("", "no driver named 'xyz'")
    assert str(without_port) == without_port.message == "no driver named 'xyz'"
    assert without_port.detail == {}


def test_os_error_subclasses_still_work_as_os_errors() -> None:
    exc = ie.PortError("COM3", "the port is in use by another program")
    assert isinstance(exc, OSError) and exc.errno is None
    assert str(exc) == "COM3: the port is in use by another program"
    with pytest.raises(TimeoutError):
        raise ie.DeviceTimeout("mock://hmt330", "no answer")


def test_real_errors_keep_their_texts() -> None:
    with pytest.raises(MockUrlError) as bad_url:
        build("mock://no-such-device")
    assert str(bad_url.value).startswith("no simulated device 'no-such-device'; known: ")
    assert bad_url.value.message == str(bad_url.value)
    with pytest.raises(NoValue) as busy:
        parse_line("      --      ")
    assert str(busy.value) == "      --      "
    with pytest.raises(ie.Overload) as high:
        parse_line("    High      ", "COM4")
    assert str(high.value).startswith("COM4: weight above the balance's capacity")
