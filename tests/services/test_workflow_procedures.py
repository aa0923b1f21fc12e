"""Procedures as data files (lims.services.workflow.procedures) and ``lims procedures load``."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lims.errors import ValidationError
from lims.metrology.instrument_rules import InstrumentFacts
from lims.models import Procedure
from lims.services import catalog
from lims.services.policy import SYSTEM
from lims.services.workflow import procedures
from lims.services.workflow.procedures import PROCEDURES_DIR, check_spec, plan_points

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def types(db):
    out = {}
    for code, quantity, unit in (("CAN-KTD", "mass", "kg"), ("CAN-DHLX", "mass", "kg"), ("AP-KE", "pressure", "bar"),
                                 ("NHIET-KE", "temperature", "degC")):
        out[code] = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
            code=code, name_vi=code, quantity=quantity, unit=unit))
    db.commit()
    return out


def shipped() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in PROCEDURES_DIR.glob("*.json")}


def test_the_shipped_procedures_are_valid_and_cover_the_three_kinds_of_work():
    """OIML R76-1 Annex A tests in order (A.4.2.3 zero, A.4.4.1 up and down, A.4.7, A.4.10, A.4.8, A.4.6)."""
    files = shipped()
    assert set(files) == {"nawi_r76_verification.json", "pressure_gauge_calibration.json",
                          "thermometer_calibration.json", "spring_dial_scale_verification.json"}
    units = {"CAN-KTD": "kg", "CAN-DHLX": "kg", "AP-KE": "bar", "NHIET-KE": "degC"}
    for data in files.values():
        check_spec(data["spec"], units[data["instrument_type"]])
    r76 = files["nawi_r76_verification.json"]["spec"]
    assert [t["test"] for t in r76["tests"]] == ["zero", "weighing", "weighing_down", "eccentricity", "repeatability",
                                                 "discrimination", "tare"]
    assert r76["mpe"]["rule"] == "r76" and r76["decision"] == {"rule": "simple"} and r76["change_point"] is True
    assert not any("R76-2" in text for text in r76["references"])
    dial = files["spring_dial_scale_verification.json"]["spec"]
    assert dial["national_procedure"] == "ĐLVN 30:2019" and dial["hysteresis"] is True
    assert "change_point" not in dial
    assert files["pressure_gauge_calibration.json"]["spec"]["hysteresis"] is True
    assert files["thermometer_calibration.json"]["spec"]["decision"]["rule"] == "non_binary"


def test_loading_twice_changes_nothing_and_a_changed_file_is_a_new_version(db, types, tmp_path):
    first = procedures.load_procedures(db, SYSTEM)
    assert sorted(action for _p, action in first) == ["created"] * 4
    assert sorted(action for _p, action in procedures.load_procedures(db, SYSTEM)) == ["unchanged"] * 4
    data = shipped()["thermometer_calibration.json"]
    data["spec"]["mpe"] = {"rule": "fixed", "mpe": "0.3 delta_degC"}
    path = tmp_path / "thermometer.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    [(proc, action)] = procedures.load_procedures(db, SYSTEM, [path])
    db.commit()
    assert action == "new version" and proc.version == 2 and proc.active
    old = db.scalar(select(Procedure).where(Procedure.code == proc.code, Procedure.version == 1))
    assert not old.active and old.spec["mpe"]["mpe"] == "0.5 delta_degC"


@pytest.mark.parametrize("change,field", [
    (lambda d: d.pop("title_vi"), "title_vi"),
    (lambda d: d.update(instrument_type="NO-SUCH-TYPE"), "instrument_type"),
    (lambda d: d["spec"].update(tests=[]), "spec.tests"),
    (lambda d: d["spec"]["tests"][0].update(readings=0), "spec.tests.0.readings"),
    (lambda d: d["spec"].update(mpe={"rule": "guesswork"}), "spec.mpe"),
    (lambda d: d["spec"].update(decision={"rule": "coin_toss"}), "spec.decision"),
    (lambda d: d["spec"]["budget"].update(model="I + nonsense - m_ref"), "spec.budget"),
    (lambda d: d["spec"]["budget"]["inputs"].append(  # an input the model does not use
        {"symbol": "dz_unused", "value": "0 {delta_unit}", "standard_uncertainty": "0 {delta_unit}"}), "spec.budget"),
    (lambda d: d["spec"].update(capture={"readings": "oven"}), "spec.capture"),
])
def test_a_wrong_file_is_refused_naming_the_file_and_the_part_and_nothing_is_written(db, types, tmp_path, change,
                                                                                   field):
    data = shipped()["nawi_r76_verification.json"]
    change(data)
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    good = PROCEDURES_DIR / "pressure_gauge_calibration.json"
    with pytest.raises(ValidationError) as exc:
        procedures.load_procedures(db, SYSTEM, [good, path])
    assert exc.value.message.startswith("mine.json: ") and exc.value.field == field
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Procedure)) == 0


def test_points_follow_the_instrument(db):
    spec = shipped()["pressure_gauge_calibration.json"]["spec"]
    facts = InstrumentFacts(range_min=-1, range_max=9, unit="bar", resolution=0.05, accuracy_class="1.0")
    planned = plan_points(spec, facts)
    assert [(p.test, p.nominal) for p in planned[:5]] == [("rising", -1.0), ("rising", 1.5), ("rising", 4.0),
                                                         ("rising", 6.5), ("rising", 9.0)]
    spec_t = shipped()["thermometer_calibration.json"]["spec"]
    cold = InstrumentFacts(range_min=-40, range_max=60, unit="degC", resolution=0.1, accuracy_class="")
    assert [p.nominal for p in plan_points(spec_t, cold)] == [0.0, 37.0]  # 100 °C is outside the range
    assert all(p.reference_required and p.readings == 3 for p in plan_points(spec_t, cold))
    with pytest.raises(ValidationError) as exc:
        plan_points(spec, InstrumentFacts(0, 16, "bar", 0.1, "best quality"))
    assert exc.value.field == "instrument_id"


@pytest.mark.committed  # the command opens an engine of its own
def test_lims_procedures_load_command(db, database_url, monkeypatch):
    from lims.cli import main

    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    runner = CliRunner()
    # No instrument types yet: the shipped procedures wait for their types, each one named.
    result = runner.invoke(main, ["procedures", "load"])
    assert result.exit_code == 0, result.output
    assert "QTKĐ-CKTĐ-R76: skipped, no instrument type CAN-KTD" in result.output
    assert not any(": created" in line for line in result.output.splitlines())
    # A file named on the command line is loaded or refused: its type must exist; nothing is written.
    result = runner.invoke(main, ["procedures", "load", str(PROCEDURES_DIR)])
    assert result.exit_code == 1 and "No instrument type with code" in result.output
    assert ".json: " in result.output and "Traceback" not in result.output
    for code, quantity, unit in (("CAN-KTD", "mass", "kg"), ("CAN-DHLX", "mass", "kg"), ("AP-KE", "pressure", "bar"),
                                 ("NHIET-KE", "temperature", "degC")):
        catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(code=code, name_vi=code, quantity=quantity,
                                                                             unit=unit))
    db.commit()
    result = runner.invoke(main, ["procedures", "load", str(PROCEDURES_DIR)])
    assert result.exit_code == 0, result.output
    assert sorted(result.output.splitlines()) == ["QTHC-AK-837 v1: created", "QTHC-NK-SS v1: created",
                                                  "QTKĐ-CKTĐ-R76 v1: created", "QTKĐ-CĐHLX v1: created"]
    result = runner.invoke(main, ["procedures", "list"])
    assert result.exit_code == 0 and "QTKĐ-CKTĐ-R76 v1 [verification]" in result.output
