"""The CLI and the functions give the same answers; bad input exits 2 with one message."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lims.cli import main
from lims.metrology.decision import decide
from lims.metrology.mpe import percent_of_reading, percent_of_span, r76_mpe
from lims.metrology.mpe_spec import mpe_from_spec
from lims.metrology.uncertainty import evaluate_budget_file
from lims.metrology.units import quantity_to_dict

DATA = Path(__file__).parent / "data"
BUDGET = str(DATA / "pressure_gauge.json")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_uncertainty_json_equals_the_function() -> None:
    code, out, err = run("uncertainty", "evaluate", BUDGET, "--json")
    assert code == 0, err
    assert json.loads(out) == json.loads(json.dumps(evaluate_budget_file(BUDGET).to_dict()))


def test_uncertainty_json_with_monte_carlo_equals_the_function() -> None:
    code, out, err = run("uncertainty", "evaluate", BUDGET, "--monte-carlo", "20000", "--seed", "7", "--json")
    assert code == 0, err
    expected = evaluate_budget_file(BUDGET, monte_carlo=20000, seed=7).to_dict()
    assert json.loads(out) == json.loads(json.dumps(expected))
    assert set(expected["monte_carlo"]) >= {"trials", "mean", "standard_uncertainty", "coverage_interval",
                                            "interval_kind", "gum_validated"}


def test_uncertainty_options_reach_the_function() -> None:
    code, out, _ = run("uncertainty", "evaluate", BUDGET, "--fractional-dof", "--monte-carlo", "10000",
                       "--seed", "1", "--interval", "symmetric", "--json")
    expected = evaluate_budget_file(BUDGET, fractional_dof=True, monte_carlo=10000, seed=1,
                                    interval="symmetric").to_dict()
    assert code == 0 and json.loads(out) == json.loads(json.dumps(expected))


def test_uncertainty_text_output() -> None:
    code, out, _ = run("uncertainty", "evaluate", BUDGET, "--monte-carlo", "10000", "--seed", "2")
    assert code == 0
    assert "E = (0.028 ± 0.015) bar; k = 2.32; p = 95.45 %" in out
    assert "dp_hyst" in out and "arcsine" in out and "Monte Carlo" in out
    code, out, _ = run("uncertainty", "evaluate", BUDGET, "--lang", "vi")
    assert "E = (0,028 ± 0,015) bar; k = 2,32; p = 95,45 %" in out


@pytest.mark.parametrize(
    ("change", "text"),
    [
        (lambda b: b["inputs"][1].update(standard_uncertainty="1 mbar"), "input 'p_s': two uncertainty statements"),
        (lambda b: b.update(model=b["model"] + " + dp_x"), "'dp_x', which is not one of the inputs"),
        (lambda b: b["inputs"][3].update(half_width="-5 mbar"), "input 'dp_res'"),
        (lambda b: b["inputs"][5].update(value="0 g", half_width="1 g"), "'dp_head' (g, a mass)"),
    ],
)
def test_bad_budget_exits_2_with_one_line(tmp_path: Path, change: object, text: str) -> None:
    budget = json.loads(Path(BUDGET).read_text(encoding="utf-8"))
    change(budget)  # type: ignore[operator]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(budget), encoding="utf-8")
    code, out, err = run("uncertainty", "evaluate", str(path), "--json")
    assert code == 2
    assert out == ""
    assert text in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(path) in err


def test_unreadable_budget_files_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"measurand": {"symbol": "E", "unit": "bar"},\n "model": }', encoding="utf-8")
    code, _, err = run("uncertainty", "evaluate", str(broken))
    assert code == 2 and "not valid JSON" in err and "line 2" in err
    code, _, err = run("uncertainty", "evaluate", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read the budget file" in err
    code, _, err = run("uncertainty", "evaluate", BUDGET, "--monte-carlo", "5")
    assert code == 2 and "Monte Carlo trials" in err


def test_mpe_r76_json_exactly_as_the_issue_says() -> None:
    code, out, _ = run("mpe", "r76", "--accuracy-class", "III", "--e", "5 g", "--load", "2 kg", "--json")
    assert code == 0
    assert json.loads(out) == {"mpe": {"value": 2.5, "unit": "g"}}
    assert json.loads(out)["mpe"] == quantity_to_dict(r76_mpe("III", "5 g", "2 kg"))
    code, out, _ = run("mpe", "r76", "--accuracy-class", "III", "--e", "5 g", "--load", "2 kg",
                       "--in-service", "--json")
    assert json.loads(out) == {"mpe": {"value": 5.0, "unit": "g"}}
    code, out, _ = run("mpe", "r76", "--accuracy-class", "III", "--e", "5 g", "--load", "12 kg", "--lang", "en")
    assert code == 0 and out.startswith("MPE = ±7.5 g") and "OIML R76-1" in out


def test_mpe_other_rules_equal_the_functions() -> None:
    code, out, _ = run("mpe", "reading", "--percent", "0.2", "--reading", "100 degC",
                       "--fixed", "0.15 delta_degC", "--json")
    expected = percent_of_reading(0.2, "100 degC", "0.15 delta_degC")
    assert code == 0 and json.loads(out)["mpe"] == quantity_to_dict(expected)
    code, out, _ = run("mpe", "span", "--accuracy-class", "1.6", "--full-scale", "16 bar", "--json")
    assert code == 0 and json.loads(out)["mpe"] == quantity_to_dict(percent_of_span(1.6, "16 bar"))
    code, out, _ = run("mpe", "span", "--percent", "1", "--span", "-50 degC", "150 degC", "--json")
    assert code == 0 and json.loads(out) == {"mpe": {"value": 2.0, "unit": "delta_degC"}}
    code, out, _ = run("mpe", "fixed", "--mpe", "0.5 degC", "--json")
    assert code == 0 and json.loads(out) == {"mpe": {"value": 0.5, "unit": "delta_degC"}}
    spec = {"rule": "r76", "accuracy_class": "II", "e": "0.1 g"}
    code, out, _ = run("mpe", "spec", json.dumps(spec), "--at", "1 kg", "--json")
    assert code == 0 and json.loads(out)["mpe"] == quantity_to_dict(mpe_from_spec(spec, "1 kg"))


def test_mpe_decide_equals_the_function() -> None:
    code, out, _ = run("mpe", "decide", "--error", "0.4 g", "-U", "0.2 g", "--mpe", "0.5 g",
                       "--rule", "non_binary", "--json")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(decide("0.4 g", "0.2 g", "0.5 g", "non_binary").to_dict()))
    code, out, _ = run("mpe", "decide", "--error", "0.4 g", "-U", "0.2 g", "--mpe", "0.5 g", "--rule", "guard_band")
    assert code == 0 and "Không đạt" in out and "4.2.2" in out


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["mpe", "r76", "--accuracy-class", "III", "--e", "5 g", "--load", "2 bar"],
         "'2 bar' is a pressure (bar), but a mass (g)"),
        (["mpe", "r76", "--accuracy-class", "V", "--e", "5 g", "--load", "2 kg"], "accuracy class 'V'"),
        (["mpe", "r76", "--accuracy-class", "III", "--e", "5 g", "--load", "60 kg"], "beyond the class III table"),
        (["mpe", "spec", "{\"rule\": \"nope\"}", "--at", "1 g"], "unknown MPE rule 'nope'"),
        (["mpe", "spec", "{rule", "--at", "1 g"], "not valid JSON"),
        (["mpe", "span", "--percent", "1.6"], "--span LOW HIGH or --full-scale"),
        (["mpe", "decide", "--error", "0.4 g", "--mpe", "0.5 g", "--rule", "guard_band"],
         "needs the expanded uncertainty"),
    ],
)
def test_mpe_bad_input_exits_2(args: list[str], text: str) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert text in err and "Traceback" not in err and err.count("\n") == 1


def test_installed_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    """The real ``lims`` program (not the test runner): exit code 2 and one line on stderr."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"measurand": {"symbol": "E", "unit": "bar"}, "model": "a - b",
                               "inputs": [{"symbol": "a", "value": "1 bar", "standard_uncertainty": "1 g"}]}),
                   encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from lims.cli import main; main()", "uncertainty",
                           "evaluate", str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    # The program speaks Vietnamese unless LIMS_LANGUAGE says otherwise: the whole message, input included.
    assert "đầu vào 'a': standard_uncertainty '1 g' là khối lượng (g), nhưng a là áp suất (bar)" in proc.stderr
    assert "Traceback" not in proc.stderr
