"""The demo's issued certificates recomputed by hand: every number written out, plain arithmetic.

Two certificates of the demo (``seed_demo``, then ``write_pending`` issues their PDFs):

* **2026-KD-000001** — periodic verification of the 60 kg class III scale MT-8823911
  (e = d = 0.01 kg), procedure QTKĐ-CKTĐ-R76, change-point method (OIML R76-1 A.4.4.3):
  the point at 20 kg on the F1 set QC-F1-01 used with its corrections, and the point at Max = 60 kg,
  above the F1 set's range (1 mg – 20 kg), on the M1 set QC-M1-500 used at nominal value;
  the budget of EURAMET cg-18 v4.0 7.1 (7.1.1 indication, 7.1.2 reference mass).
* **2026-HC-000001** — calibration of the cold-store thermometer TS-104-77120 (d = 0.1 °C) in a
  bath against the reference thermometer NK-CHUAN-02, procedure QTHC-NK-SS: the points at 0 °C and
  100 °C, with the reference's certificate correction interpolated at its reading, its drift
  between its two calibrations, its readout, and the bath figures of the procedure file.

Each figure is checked against (a) what is stored (``RecordPoint`` and ``Record.results``,
12 significant digits, so to 1e-9 relative) and (b) the row printed in the issued PDF (its text
read by PDFium), rounded by JCGM 100:2008 7.2.6 and EA-4/02 M:2022 §5: U to two significant
digits, rounded up where ordinary rounding lowers it by more than 5 %; reference, indication and
error to U's decimal place; and printed indication − printed reference = printed error to one unit
of the last place. k is z(0.977 25) (JCGM 100 G.3.3, G.6.6) when every input is type B with
ν = ∞, and t_p(ν_eff) with ν_eff by Welch–Satterthwaite, truncated (JCGM 100 G.4.1, G.6.4), else.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from scipy import stats
from sqlalchemy import select

from lims.models import Certificate, Record
from lims.services import certificates as certs
from lims.services.demo import seed_demo
from tests.helpers import pdf_text

SQRT3 = math.sqrt(3)
P = 0.9545
K_NORMAL = float(stats.norm.ppf(0.5 * (1 + P)))  # 2.000 002 443 9 (JCGM 100 G.3.3, ν_eff = ∞)
REL = 1e-9


@pytest.fixture
def issued(db, ctx):
    """The demo seeded and its certificates issued (PDFs written), by the number's tail."""
    seed_demo(db, "demo-password-1")
    db.commit()
    certs.write_pending(db)
    found = {c.number.split("-", 1)[1]: c for c in db.scalars(select(Certificate).order_by(Certificate.id))}
    return found, ctx


def _record_and_text(issued, tail: str) -> tuple[Record, str]:
    found, ctx = issued
    cert = found[tail]
    return cert.record, pdf_text((ctx.instance_path / cert.pdf_path).read_bytes())


def _stored(record: Record, test: str, nominal: float) -> tuple:
    point = next(p for p in record.points if p.test == test and p.nominal == nominal)
    result = next(r for r in record.results["points"] if r["seq"] == point.seq)
    return point, result


NUMBER = re.compile(r"[+\u2212-]?\d+(?:,\d+)?")


def _printed_row(text: str, head: str, nominal: str) -> list[Decimal]:
    """The numbers of the first PDF line that starts with ``head`` and the nominal value as printed
    (decimal comma, "−" minus, "±" before the MPE), the nominal first."""
    line = next(ln for ln in text.splitlines() if ln.startswith(f"{head} {nominal} "))
    tokens = NUMBER.findall(line[len(head):])
    return [Decimal(t.replace("\u2212", "-").replace(",", ".")) for t in tokens]


def _round_u(u: float) -> Decimal:
    """JCGM 100 7.2.6 / EA-4/02 M §5, by hand: two significant digits, half up, and one step up
    where that lowered U by more than 5 %."""
    step = Decimal(1).scaleb(math.floor(math.log10(u)) - 1)
    exact = Decimal(repr(u))
    rounded = exact.quantize(step, rounding=ROUND_HALF_UP)
    return rounded + step if (exact - rounded) / exact > Decimal("0.05") else rounded


def _at(value: float, like: Decimal) -> Decimal:
    return Decimal(repr(value)).quantize(like, rounding=ROUND_HALF_UP)


def _check_printed(row: list[Decimal], *, nominal: str, reference: float, indication: float, error: float,
                   expanded: float, expected: tuple[str, str, str, str]) -> None:
    """The row [nominal, reference, indication, error, U, MPE] as printed, against the hand figures."""
    u_printed = _round_u(expanded)
    assert str(u_printed) == expected[3]
    assert row[0] == Decimal(nominal)
    assert row[1:5] == [_at(reference, u_printed), _at(indication, u_printed), _at(error, u_printed), u_printed]
    assert [str(v) for v in row[1:5]] == list(expected)
    exponent = u_printed.as_tuple().exponent
    assert isinstance(exponent, int)
    assert abs(row[2] - row[1] - row[3]) <= Decimal(1).scaleb(exponent)  # one unit of the last place


def test_scale_20_kg_on_f1_weights_with_corrections_r76_a443_cg18_712_jcgm100_g33_ea402_5(issued):
    """60 kg scale, weighing test at 20 kg (2000 e), change-point method (OIML R76-1 A.4.4.3).

    Indication I = 20.01 kg (one reading, offset +1 e); additional weights ΔL = 0.6 e = 0.006 kg:
    P = I + ½e − ΔL = 20.01 + 0.005 − 0.006 = 20.009 kg.
    Weights (EURAMET cg-18 7.1.2): the F1 piece "20kg" alone; conventional-mass correction
    +12 mg (a year before +8 mg), U = 30 mg (k = 2), R111 F1 MPE 100 mg.
    L_ref = 20 kg + 12 mg = 20.000 012 kg; E = P − L_ref = 0.008 988 kg.
    u(δm_c) = 30/2 = 15 mg (Σ U_i/k_i, fully correlated; one piece);
    drift D = |12 − 8| = 4 mg, u = 4/√3 = 2.309 mg; buoyancy u = 100/(4√3) = 14.434 mg;
    change-point steps of 0.1 e: half-width 0.05 e = 0.5 g at load and at zero, u = 0.5/√3 = 0.288 68 g each;
    one reading: no type A.
    u_c² = 2·(2.886 75e-4)² + (1.5e-5)² + (2.309 40e-6)² + (1.443 38e-5)² = 1.671 053e-7 kg², u_c = 4.087 85e-4 kg;
    ν_eff = ∞, k = 2.000 002 4; U = 8.175 71e-4 kg → 0.000 82 kg (five decimals).
    Printed: 20,00001 | 20,00900 | +0,00899 | 0,00082 (20.009 00 − 20.000 01 = 0.008 99).
    """
    record, text = _record_and_text(issued, "KD-000001")
    assert record.instrument.serial_number == "MT-8823911"
    point, result = _stored(record, "weighing", 20.0)

    e = 0.01
    reading, added = 20.01, 0.006
    indication = reading + e / 2 - added  # 20.009
    reference = 20.0 + 12e-6  # 20.000 012
    error = indication - reference  # 0.008 988
    u_weights = 30e-6 / 2
    u_drift = abs(12e-6 - 8e-6) / SQRT3
    u_buoyancy = 100e-6 / (4 * SQRT3)
    u_step = 0.05 * e / SQRT3
    u_c = math.sqrt(u_step**2 + u_step**2 + u_weights**2 + u_drift**2 + u_buoyancy**2)
    assert u_c == pytest.approx(4.08785e-4, rel=1e-5)
    expanded = K_NORMAL * u_c
    assert expanded == pytest.approx(8.17571e-4, rel=1e-5)

    assert point.readings == [reading] and point.added_load == pytest.approx(added, rel=REL)
    assert point.indication == pytest.approx(indication, rel=REL)
    assert result["reference_value"]["value"] == pytest.approx(reference, rel=REL)
    assert point.error == pytest.approx(error, rel=REL)
    assert point.uncertainty == pytest.approx(expanded, rel=REL)
    assert point.coverage_factor == pytest.approx(K_NORMAL, rel=REL)
    assert result["dof_effective"] is None  # ν_eff = ∞
    assert result["standard"] == "QC-F1-01"
    # R76-1 3.7.1: the weights' error left after correcting, U + D + MPE/4 = 30 + 4 + 25 = 59 mg ≤ ⅓ · 10 g
    assert result["reference_error_bound"]["value"] == pytest.approx(59e-6, rel=REL)
    assert result["mpe"]["value"] == pytest.approx(0.01, rel=REL) and result["verdict"] == "pass"

    row = _printed_row(text, "3. 2000 e", "20,00")
    _check_printed(row, nominal="20.00", reference=reference, indication=indication, error=error, expanded=expanded,
                   expected=("20.00001", "20.00900", "0.00899", "0.00082"))
    assert "3. 2000 e 20,00 20,00001 20,00900 +0,00899 0,00082 ±0,01 Đạt" in text
    assert "k = 2,00" in text


def test_scale_max_60_kg_on_m1_weights_at_nominal_r76_a443_cg18_712_jcgm100_g33_ea402_5(issued):
    """Same scale at Max = 60 kg, above the F1 set's 20 kg: the M1 set, used at nominal value.

    I = 60.01 kg, ΔL = 0.006 kg: P = 60.01 + 0.005 − 0.006 = 60.009 kg.
    Pieces (largest first): 20kg-01, 20kg-02, 20kg-03, R111 M1 MPE 1 000 mg each, Σ MPE = 3 000 mg.
    At nominal: L_ref = 60 kg, E = 0.009 kg; u(δm_c) = Σ MPE/√3 = 3 000/√3 = 1 732.05 mg.
    Drift from the certificates' corrections: now 120 + 40 − 40 = 120 mg, a year before
    90 + 10 − 70 = 30 mg, D = 90 mg, u = 90/√3 = 51.962 mg; buoyancy u = 3 000/(4√3) = 433.013 mg;
    change-point steps u = 0.5/√3 g at load and at zero.
    u_c² = (1.732 05e-3)² + (5.196 15e-5)² + (4.330 13e-4)² + 2·(2.886 75e-4)² = 3.356 867e-6 kg²,
    u_c = 1.832 18e-3 kg; k = 2.000 002 4; U = 3.664 36e-3 kg → 0.003 7 kg (four decimals).
    Printed: 60,0000 | 60,0090 | +0,0090 | 0,0037.
    """
    record, text = _record_and_text(issued, "KD-000001")
    point, result = _stored(record, "weighing", 60.0)

    e = 0.01
    reading, added = 60.01, 0.006
    indication = reading + e / 2 - added
    reference = 60.0
    error = indication - reference
    mpe_sum = 3 * 1000e-6
    corrections_now = [40e-6 * ((n * 7) % 9 - 4) for n in (1, 2, 3)]  # 120, 40, −40 mg
    assert corrections_now == pytest.approx([120e-6, 40e-6, -40e-6])
    drift = abs(sum(corrections_now) - sum(c - 30e-6 for c in corrections_now))  # 90 mg
    u_weights = mpe_sum / SQRT3
    u_drift = drift / SQRT3
    u_buoyancy = mpe_sum / (4 * SQRT3)
    u_step = 0.05 * e / SQRT3
    u_c = math.sqrt(u_weights**2 + u_drift**2 + u_buoyancy**2 + 2 * u_step**2)
    assert u_c == pytest.approx(1.83218e-3, rel=1e-5)
    expanded = K_NORMAL * u_c
    assert expanded == pytest.approx(3.66436e-3, rel=1e-5)

    assert point.indication == pytest.approx(indication, rel=REL)
    assert result["reference_value"]["value"] == pytest.approx(reference, rel=REL)
    assert point.error == pytest.approx(error, rel=REL)
    assert point.uncertainty == pytest.approx(expanded, rel=REL)
    assert point.coverage_factor == pytest.approx(K_NORMAL, rel=REL)
    assert result["standard"] == "QC-M1-500"
    assert result["reference_error_bound"]["value"] == pytest.approx(mpe_sum, rel=REL)  # Σ MPE at nominal
    # MPE at 6 000 e (class III, 2 000 e < m ≤ 10 000 e): 1.5 e; OIML G 19: U ≤ ⅓ MPE
    assert result["mpe"]["value"] == pytest.approx(0.015, rel=REL) and expanded <= 0.015 / 3

    row = _printed_row(text, "5. Max", "60,00")
    _check_printed(row, nominal="60.00", reference=reference, indication=indication, error=error, expanded=expanded,
                   expected=("60.0000", "60.0090", "0.0090", "0.0037"))
    assert "5. Max 60,00 60,0000 60,0090 +0,0090 0,0037 ±0,015 Đạt" in text


def _prt_correction(t: float, low: tuple[float, float], high: tuple[float, float]) -> float:
    """Linear interpolation between two (at, correction) points of the certificate (JCGM 100 4.1.4)."""
    return low[1] + (high[1] - low[1]) * (t - low[0]) / (high[0] - low[0])


def _thermometer_u(u_a: float, u_ref: float, drift: float) -> float:
    """u_c (°C) of QTHC-NK-SS: type A, resolution 0.1 °C (±0.05), the reference, its drift (±D),
    readout 0.001 °C (±0.0005), bath uniformity ±0.01, stability ±0.005, immersion ±0.01 (rectangular)."""
    return math.sqrt(u_a**2 + (0.05 / SQRT3) ** 2 + u_ref**2 + (drift / SQRT3) ** 2 + (0.0005 / SQRT3) ** 2
                     + (0.01 / SQRT3) ** 2 + (0.005 / SQRT3) ** 2 + (0.01 / SQRT3) ** 2)


def _mean_and_type_a(readings: list[float]) -> tuple[float, float]:
    mean = sum(readings) / len(readings)
    s = math.sqrt(sum((r - mean) ** 2 for r in readings) / (len(readings) - 1))
    return mean, s / math.sqrt(len(readings))


@pytest.mark.parametrize(
    ("nominal", "readings", "low", "high", "low_then", "high_then", "u_ref", "printed"),
    [
        # 0 °C: between the certificate's 0 °C (−0.004, a year before −0.007, U 0.020) and 50 °C
        # (−0.009, −0.011, U 0.020): u(t_s) = 0.020/2.
        (0.0, [0.1, 0.1, 0.2], (0.0, -0.004), (50.0, -0.009), (0.0, -0.007), (50.0, -0.011), 0.010,
         ("1", "0,0", ("0.01", "0.13", "0.12", "0.11"), "1 0,0 0,01 0,13 +0,12 0,11 ±0,5 Đạt")),
        # 100 °C: the reading 100.013 °C lies between 100 °C (−0.013, −0.016, U 0.020) and 200 °C
        # (−0.020, −0.024, U 0.025): u(t_s) = the larger neighbour's, 0.025/2 (docs/metrology.md).
        (100.0, [100.4, 100.5, 100.5], (100.0, -0.013), (200.0, -0.020), (100.0, -0.016), (200.0, -0.024),
         0.0125, ("3", "100,0", ("100.00", "100.47", "0.47", "0.11"), "3 100,0 100,00 100,47 +0,47 0,11 ±0,5 Đạt")),
    ],
    ids=["0degC", "100degC"],
)
def test_thermometer_hc_000001_by_hand_jcgm100_g41_g64_ea402_5(issued, nominal, readings, low, high, low_then,
                                                               high_then, u_ref, printed):
    """HC-000001 at 0 °C and 100 °C; the reference reads nominal + 0.013 °C.

    0 °C: t_x = 0.133 333 °C, s = 0.057 735, u_A = 0.033 333 (ν = 2, JCGM 100 4.2);
    correction −0.004 − 0.005·0.013/50 = −0.004 001 3 °C, t_s = 0.008 998 7 °C, E = 0.124 334 6 °C;
    drift: a year before −0.007 − 0.004·0.013/50 = −0.007 001 04, D = 0.002 999 74 °C;
    u_c² = 0.033 333² + 0.028 868² + 0.010² + 0.001 732² + 0.000 289² + 0.005 774² + 0.002 887²
    + 0.005 774² = 0.002 122 6 °C², u_c = 0.046 072 °C; ν_eff = u_c⁴/(u_A⁴/2) = 7.30 → 7 (G.4.1, G.6.4);
    k = t₀.₉₅₄₅(7) = 2.428 8 (GUM Table G.2: 2.43); U = 0.111 90 °C → 0.11 (lowered 1.7 % < 5 %).
    Printed 0,01 | 0,13 | +0,12 | 0,11.
    100 °C: t_x = 100.466 667 °C, u_A = 0.033 333; correction −0.013 − 0.007·0.013/100 = −0.013 000 91,
    t_s = 99.999 999 09 °C, E = 0.466 667 58 °C; a year before −0.016 − 0.008·0.000 13 = −0.016 001 04,
    D = 0.003 000 13 °C; u(t_s) = 0.012 5; u_c² = 0.002 178 78 °C², u_c = 0.046 677 °C;
    ν_eff = 7.69 → 7, k = 2.428 8; U = 0.113 37 °C → 0.11 (lowered 3.0 % < 5 %).
    Printed 100,00 | 100,47 | +0,47 | 0,11; "k = 2,43".
    """
    record, text = _record_and_text(issued, "HC-000001")
    assert record.procedure.code == "QTHC-NK-SS"
    point, result = _stored(record, "calibration", nominal)

    reference_reading = nominal + 0.013
    correction = _prt_correction(reference_reading, low, high)
    drift = abs(correction - _prt_correction(reference_reading, low_then, high_then))
    reference = reference_reading + correction
    t_x, u_a = _mean_and_type_a(readings)
    error = t_x - reference
    u_c = _thermometer_u(u_a, u_ref, drift)
    dof = u_c**4 / (u_a**4 / (len(readings) - 1))
    assert math.floor(dof) == 7
    k = float(stats.t.ppf(0.5 * (1 + P), math.floor(dof)))
    assert k == pytest.approx(2.4288, abs=1e-4)  # GUM Table G.2, ν = 7, p = 95.45 %: 2.43
    expanded = k * u_c

    assert point.reference_value == pytest.approx(reference_reading, rel=REL)  # what the reference read
    assert result["reference_value"]["value"] == pytest.approx(reference, rel=REL)
    assert point.indication == pytest.approx(t_x, rel=REL)
    assert point.error == pytest.approx(error, rel=REL)
    assert result["dof_effective"] == pytest.approx(dof, rel=REL)
    assert point.coverage_factor == pytest.approx(k, rel=REL)
    assert point.uncertainty == pytest.approx(expanded, rel=REL)
    assert result["reference_error_bound"]["value"] == pytest.approx(2 * u_ref + drift, rel=REL)  # U + D

    head, nominal_printed, expected, line = printed
    _check_printed(_printed_row(text, head, nominal_printed), nominal=nominal_printed.replace(",", "."),
                   reference=reference, indication=t_x, error=error, expanded=expanded, expected=expected)
    assert line in text
    assert "k = 2,43" in text
