"""Readings captured from devices into a record (lims.services.workflow.capture, .devices), on mock:// ports.

The simulated MT-SICS balance answers ``S S     20.01 kg`` once it has settled; a fault in the
URL makes it time out, overload or speak the wrong protocol. A capture that fails changes
nothing in the record.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lims.errors import Conflict, ValidationError
from lims.models import AuditEvent, Record
from lims.services import workflow
from lims.services.inputs import parse
from lims.services.workflow import capture as cap
from lims.services.workflow import devices
from tests.services.workflow_factory import open_scale_record

pytestmark = pytest.mark.usefixtures("english")

BALANCE = "mock://mt-sics?weight={nominal}{unit}&capacity={max}{unit}&settle=2"


def test_a_point_is_read_from_the_balance_with_every_reading_shown_as_it_arrives(db, lab):
    rec = open_scale_record(db, lab)
    seen = []
    got = cap.capture_point(db, lab.tech, rec.id, 16, target="readings", port=BALANCE, driver="mt-sics",
                            on_reading=seen.append)
    assert got["values"] == [30.0, 30.0, 30.0] and got["unit"] == "kg"  # repeatability: 3 stable readings
    assert got["source"]["port"] == "mock://mt-sics?weight=30.00kg&capacity=120.00kg&settle=2"
    assert got["source"]["raw"][0] == "S S      30.00 kg" and got["source"]["driver"] == "mt-sics"
    assert [r.stable for r in seen][:2] == [False, False] and seen[-1].stable  # settling, then stable
    assert db.get(Record, rec.id).points[15].readings == []  # nothing saved by a capture


def test_capture_into_point_saves_the_readings_and_their_source(db, lab):
    rec = open_scale_record(db, lab)
    rec = cap.capture_into_point(db, lab.tech, rec.id, 6, parse(workflow.CaptureIntoPoint, {
        "version_id": rec.version_id, "port": "mock://mt-sics?weight=60.01kg&capacity=100kg", "driver": "mt-sics"}))
    db.commit()
    point = rec.points[5]
    assert point.readings == [60.01] and point.error == pytest.approx(0.01)
    assert point.source["port"].startswith("mock://mt-sics") and point.source["raw"] == ["S S      60.01 kg"]
    # Typing over the captured readings drops the source.
    rec = workflow.save_record(db, lab.tech, rec.id, parse(workflow.SaveRecord, {"version_id": rec.version_id,
                                                      "points": [{"seq": 6, "readings": "60.02"}]}))
    assert rec.points[5].source is None


def test_a_device_that_times_out_mid_capture_changes_nothing(db, lab):
    rec = open_scale_record(db, lab)
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    port = "mock://mt-sics?weight=30.00kg&capacity=100kg&settle=0&fault=timeout&after=2"
    with pytest.raises(devices.CaptureError) as exc:
        cap.capture_into_point(db, lab.tech, rec.id, 16, workflow.CaptureIntoPoint(
            version_id=rec.version_id, port=port, driver="mt-sics", timeout=1))
    assert exc.value.status == 502 and "mock://mt-sics" in exc.value.message
    db.rollback()
    rec = db.get(Record, rec.id)
    assert rec.points[15].readings == [] and rec.version_id == 1
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_overload_wrong_device_and_bad_ports_get_clear_messages(db, lab):
    rec = open_scale_record(db, lab)
    with pytest.raises(devices.CaptureError) as exc:
        cap.capture_point(db, lab.tech, rec.id, 6, target="readings", driver="mt-sics",
                          port="mock://mt-sics?weight=60.00kg&capacity=100kg&fault=overload")
    assert "overload" in exc.value.message.lower() or "range" in exc.value.message.lower()
    # A thermo-hygrometer on the balance's port: its readings are not masses.
    with pytest.raises(ValidationError) as exc:
        cap.capture_point(db, lab.tech, rec.id, 6, target="readings", driver="hmt330",
                          port="mock://hmt330?temperature=23.0C&rh=50")
    assert "kg" in exc.value.message and exc.value.field == "readings"
    # A balance that shows far more than this 60 kg scale can (beyond Max + 10 % of the span).
    with pytest.raises(ValidationError) as exc:
        cap.capture_point(db, lab.tech, rec.id, 6, target="readings", driver="mt-sics",
                          port="mock://mt-sics?weight=90.00kg&capacity=200kg")
    assert exc.value.field == "points.6.readings"
    for port, field in (("http://example.com/", "port"), ("", "port")):
        with pytest.raises(ValidationError) as exc:
            cap.capture_point(db, lab.tech, rec.id, 6, target="readings", port=port, driver="mt-sics")
        assert exc.value.field == field
    with pytest.raises(ValidationError) as exc:
        cap.capture_point(db, lab.tech, rec.id, 6, target="readings", port=BALANCE, driver="no-such-driver")
    assert exc.value.field == "driver"
    with pytest.raises(ValidationError) as exc:  # a scale procedure reads no reference value from a device
        cap.capture_point(db, lab.tech, rec.id, 6, target="reference", port=BALANCE, driver="mt-sics")
    assert exc.value.field == "target"


def test_a_stale_capture_is_refused_before_the_device_is_read(db, lab):
    rec = open_scale_record(db, lab)
    with pytest.raises(Conflict):
        cap.capture_into_point(db, lab.tech, rec.id, 6, workflow.CaptureIntoPoint(
            version_id=rec.version_id + 1, port=BALANCE, driver="mt-sics"))


def test_reference_values_and_environment_from_devices(db, lab):
    therm = workflow.open_record(db, lab.tech, workflow.OpenRecord(instrument_id=lab.instruments["thermometer"].id,
                                                                   kind="calibration"))
    db.commit()
    got = cap.capture_point(db, lab.tech, therm.id, 2, target="reference", driver="hart-152x",
                            port="mock://hart-152x?temperature=37.013C")
    assert got["values"] == [37.013] * 3 and got["unit"] == "degC"
    assert cap.point_update(got) == {"seq": 2, "source": got["source"], "reference_value": 37.013}
    env = devices.read_environment("mock://hmt330?temperature=22.4C&rh=48.5", "hmt330", therm.procedure.spec)
    assert {k: (v["value"], v["unit"]) for k, v in env.items()} == {
        "temperature": (22.4, "degC"), "humidity": (48.5, "percent_RH")}
    rec = workflow.save_record(db, lab.tech, therm.id, workflow.SaveRecord(
        version_id=therm.version_id, environment=env, points=[cap.point_update(got)]))
    assert rec.environment["temperature"]["device"].startswith("mock://hmt330")
    assert rec.points[1].reference_value == 37.013


def test_mock_port_placeholders_are_filled_with_the_point(db):
    assert devices.fill_port(BALANCE, nominal=20.0, unit="kg", maximum=120, decimals=2) == \
        "mock://mt-sics?weight=20.00kg&capacity=120.00kg&settle=2"
    assert devices.fill_port("mock://hart-152x?temperature={nominal}{unit}", nominal=37, unit="degC", maximum=None,
                         decimals=3) == "mock://hart-152x?temperature=37.000C"
    assert devices.fill_port("/dev/ttyUSB0", nominal=1, unit="kg", maximum=1, decimals=0) == "/dev/ttyUSB0"
