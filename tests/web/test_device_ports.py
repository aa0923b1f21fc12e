"""Issue 11, finding 4 (SSRF through device capture): a port from a user reaches pyserial only when
it is a local serial port, ``mock://`` (when LIMS_MOCK_DEVICES is on) or a device server listed in
LIMS_DEVICE_SERVERS; anything else is refused (422 naming ``port``) before any connection."""
from __future__ import annotations

import json
import re
import socket
import threading

import pytest

from lims.errors import ValidationError
from lims.i18n import use_language
from lims.services.workflow import devices
from tests.services.workflow_factory import open_scale_record


@pytest.fixture
def auth(lab, token_for):
    return {name: {**token_for(lab.users[name]), "Accept-Language": "en"} for name in lab.users}


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it is offered (and sends a banner)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            try:
                conn.sendall(b"SECRET-BANNER\r\n")
            finally:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def capture(client, auth, rec, port: str):
    return client.post(f"/api/v1/records/{rec.id}/points/6/capture", headers=auth["tech"], json={
        "version_id": rec.version_id, "port": port, "driver": "mt-sics", "timeout": 1})


def test_an_unlisted_device_server_is_refused_before_any_connection(db, lab, client, auth, listener, monkeypatch):
    """Finding 4: socket:// to a host:port nobody listed was connected to; now 422 naming `port`."""
    monkeypatch.delenv("LIMS_DEVICE_SERVERS", raising=False)
    rec = open_scale_record(db, lab)
    for port in (f"socket://127.0.0.1:{listener.port}", f"rfc2217://127.0.0.1:{listener.port}",
                 f"SOCKET://127.0.0.1:{listener.port}", f"spy://socket://127.0.0.1:{listener.port}",
                 f"alt://socket://127.0.0.1:{listener.port}?class=Serial"):
        resp = capture(client, auth, rec, port)
        assert resp.status_code == 422, port
        body = resp.get_json()
        assert "port" in body["detail"]["fields"] and "SECRET" not in json.dumps(body)
    resp = capture(client, auth, rec, f"socket://127.0.0.1:{listener.port}")
    assert "not a device server listed by the administrator" in resp.get_json()["error"]
    resp = client.post(f"/api/v1/records/{rec.id}/points/6/capture", json={
        "version_id": rec.version_id, "port": f"socket://127.0.0.1:{listener.port}", "driver": "mt-sics"},
        headers={**auth["tech"], "Accept-Language": "vi"})
    assert "không phải máy chủ thiết bị" in resp.get_json()["error"]
    listener.close()
    assert listener.connections == 0


def test_a_listed_device_server_is_accepted(db, lab, client, auth, listener, monkeypatch):
    """Finding 4: a host:port an admin listed in LIMS_DEVICE_SERVERS is read (the listener sees it)."""
    monkeypatch.setenv("LIMS_DEVICE_SERVERS", f"10.0.0.9:4001, 127.0.0.1:{listener.port}")
    rec = open_scale_record(db, lab)
    resp = capture(client, auth, rec, f"socket://127.0.0.1:{listener.port}")
    assert resp.status_code == 502  # reached, and the banner is no MT-SICS answer
    assert listener.connections >= 1
    assert capture(client, auth, rec, f"socket://127.0.0.1:{listener.port + 1 if listener.port < 65535 else 1}"
                   ).status_code == 422  # another port of the same host is not listed


@pytest.mark.parametrize("port", [
    "loop://", "spy:///dev/ttyUSB0", "hwgrep://USB", "alt:///dev/ttyUSB0?class=PosixPollSerial", "cp2110://1:2:3",
    "http://127.0.0.1/", "/dev/serial/../../etc/passwd", "/etc/passwd", "/dev/ttyUSB0 x", "/dev/tty\x00",
    "socket://user@127.0.0.1:4001", "socket://127.0.0.1", "socket://127.0.0.1:4001/path",
])
def test_other_urls_and_paths_are_refused(port, monkeypatch):
    """Finding 4: pyserial's other URL schemes and anything that is not a serial device are refused."""
    monkeypatch.setenv("LIMS_DEVICE_SERVERS", "127.0.0.1:4001")
    with pytest.raises(ValidationError) as exc:
        devices.check_port(port)
    assert exc.value.status == 422 and "port" in exc.value.errors


def test_local_ports_and_mock_pass_and_mock_can_be_turned_off(monkeypatch):
    """Finding 4: local serial ports always pass; mock:// only while LIMS_MOCK_DEVICES is on."""
    monkeypatch.delenv("LIMS_DEVICE_SERVERS", raising=False)
    for port in ("/dev/ttyUSB0", "/dev/pts/3", "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", "COM3",
                 "mock://mt-sics?weight=1g"):
        assert devices.check_port(port) == port
    monkeypatch.setenv("LIMS_MOCK_DEVICES", "off")
    with pytest.raises(ValidationError) as exc, use_language("en"):
        devices.check_port("mock://mt-sics")
    assert "turned off" in exc.value.message
    with pytest.raises(ValidationError):  # the reading itself checks as well, whoever calls it
        devices.read_device("mock://mt-sics", "mt-sics")
    assert devices.check_port("/dev/ttyUSB0") == "/dev/ttyUSB0"


def test_the_workstation_and_live_capture_refuse_an_unlisted_server(db, lab, client, login, listener, monkeypatch):
    """Finding 4: /workstation refuses the port; a port kept in a session from before is refused by
    live capture and the thermo-hygrometer reading, with no connection."""
    monkeypatch.delenv("LIMS_DEVICE_SERVERS", raising=False)
    rec = open_scale_record(db, lab)
    login("tech")
    server = f"socket://127.0.0.1:{listener.port}"
    resp = client.post("/workstation?lang=en", data={
        "balance-port": server, "balance-driver": "mt-sics",
        "pressure_reference-port": "mock://pace", "pressure_reference-driver": "pace",
        "temperature_reference-port": "mock://hart-152x", "temperature_reference-driver": "hart-152x",
        "thermo_hygrometer-port": server, "thermo_hygrometer-driver": "hmt330"})
    assert resp.status_code == 422 and "not a device server listed" in resp.get_data(as_text=True)
    with client.session_transaction() as sess:
        sess["workstation"] = {"balance": {"port": server, "driver": "mt-sics"},
                               "thermo_hygrometer": {"port": server, "driver": "hmt330"}}
    body = client.get(f"/records/{rec.id}/capture?seq=6&target=readings&lang=en").get_data(as_text=True)
    events = re.findall(r"event: (\w+)\ndata: (.*)\n", body)
    assert events[-1][0] == "failed" and json.loads(events[-1][1])["field"] == "port"
    resp = client.post(f"/records/{rec.id}/environment/read")
    assert resp.status_code == 422 and "port" in resp.get_json()["detail"]["fields"]
    listener.close()
    assert listener.connections == 0
