"""Every measured number a person or partner system reads of the demo is the reported one
(JCGM 100 7.2.6, EA-4/02 M §5): U with at most two significant digits, k with two decimals, and
no binary noise — no number with more than 12 significant digits, no run such as 0.0100000000001,
0.1333333 or 20.0099999, no 4.44e-16 — on the record pages, the record API, the recall list and
exports and the certificates list, in Vietnamese and in English. The full-precision values stay
under the record API's ``stored`` key (and in the database), for recomputation.
"""
from __future__ import annotations

import csv
import io
import math
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

PASSWORD = "demo-password-1"
TOKEN = re.compile(r"[-−]?\d+(?:[.,\u00a0\u202f]\d+)*(?:[eE][-+]?\d+)?")
NOISE_RUNS = re.compile(r"([1-9])\1{5,}|[1-9]0{6,}[1-9]|\d[eE][-+]?\d")


def significant_digits(digits: str) -> int:
    return len(digits.lstrip("0"))


def noise_in_token(token: str) -> str | None:
    """Why a printed number looks like binary noise, or None."""
    digits = re.sub(r"\D", "", token.split("e")[0].split("E")[0])
    if significant_digits(digits) > 12:
        return "more than 12 significant digits"
    if NOISE_RUNS.search(token):
        return "a run of noise digits or an exponent"
    return None


def noise_in_float(value: float) -> str | None:
    if value != 0 and abs(value) < 1e-12:
        return "binary noise around zero"
    mantissa = repr(value).lstrip("-").split("e")[0]
    digits = mantissa.replace(".", "")
    if significant_digits(digits.rstrip("0") or "0") > 12:
        return "more than 12 significant digits"
    if NOISE_RUNS.search(mantissa):
        return "a run of noise digits"
    return None


class VisibleText(HTMLParser):
    """The text a person reads: text outside <script>/<style>, and visible form fields' values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") not in ("hidden", "checkbox") and attributes.get("value"):
            self.parts.append(str(attributes["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def page_problems(where: str, html: str) -> list[str]:
    problems = []
    text = visible_text(html)
    for token in TOKEN.findall(text):
        why = noise_in_token(token)
        if why:
            problems.append(f"{where}: {token!r}: {why}")
    # E ± U; an MPE column or tip ("± 0.0125 kg", 0.25 e) is a limit, not an uncertainty
    limits = visible_text(re.sub(r'<td data-label="MPE"[^>]*>.*?</td>', " ", html, flags=re.S))
    for match in re.finditer(r"(?<!MPE )±\s?([-−]?\d+(?:[.,\u00a0]\d+)*)", limits):
        if significant_digits(re.sub(r"\D", "", match.group(1))) > 2:
            problems.append(f"{where}: U {match.group(1)!r} has more than two significant digits")
    for cell in re.findall(r'<td data-label="U"[^>]*>(.*?)</td>', html, re.S):  # the results table: U (k)
        numbers = TOKEN.findall(visible_text(cell))
        if numbers and significant_digits(re.sub(r"\D", "", numbers[0])) > 2:
            problems.append(f"{where}: U {numbers[0]!r} has more than two significant digits")
        if len(numbers) > 1 and len(re.split(r"[.,]", numbers[1])[-1]) != 2:
            problems.append(f"{where}: k {numbers[1]!r} is not given to two decimals")
    return problems


def _number(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("value")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def json_problems(where: str, data: Any, path: str = "") -> list[str]:
    """Every float outside 'stored': no noise; every U: two significant digits; every k: two decimals."""
    problems: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{path}.{key}"
            if key == "stored":
                continue
            number = _number(value)
            if key in ("uncertainty", "expanded_uncertainty") and number:
                digits = repr(abs(number)).split("e")[0].replace(".", "").strip("0")
                if len(digits) > 2:
                    problems.append(f"{where} {here}: U = {number!r} has more than two significant digits")
            if key in ("coverage_factor", "k") and number is not None and round(number, 2) != number:
                problems.append(f"{where} {here}: k = {number!r} is not given to two decimals")
            problems += json_problems(where, value, here)
    elif isinstance(data, list):
        for n, value in enumerate(data):
            problems += json_problems(where, value, f"{path}[{n}]")
    elif isinstance(data, float):
        why = noise_in_float(data)
        if why:
            problems.append(f"{where} {path}: {data!r}: {why}")
    return problems


@pytest.fixture
def demo(app, db):
    from lims.services import certificates as certs
    from lims.services.demo import seed_demo
    from lims.web.public_certificates import certificate_context

    with certs.use_context(certificate_context(app)):
        seed_demo(db, PASSWORD)
        db.flush()
    return db


def test_the_checks_catch_the_numbers_of_the_issue() -> None:
    """The faults the issue found are caught: U = 0,113344423838 °C, k = 2,42880908223, the
    indication 0,133333333333 °C, a repeatability error of −4.44e-16 kg, 30.01 − 30."""
    assert page_problems("x", '<td data-label="U" class="num">0,113344423838 °C (2,42880908223)</td>')
    assert page_problems("x", "<p>0,133333333333 °C</p>")
    assert page_problems("x", "<p>E = 0,012 ± 0,0113 °C</p>")
    assert not page_problems("x", "<p>E = 0,012 ± 0,011 °C (MPE ± 0,125 °C); 0.000000 kg; T26-0000002</p>")
    assert json_problems("x", {"error": -4.440892098500626e-16})
    assert json_problems("x", {"error": 30.01 - 30})
    assert json_problems("x", {"uncertainty": 0.0408248789336, "coverage_factor": 2.0000024439})
    assert not json_problems("x", {"uncertainty": 0.041, "coverage_factor": 2.0, "error": 0.01,
                                   "stored": {"uncertainty": 0.0408248789336}})


def _first_standard(session) -> int:
    """The demo's first reference standard (ids are not 1 on every database and run)."""
    from lims.models import ReferenceStandard

    first = session.scalar(select(ReferenceStandard.id).order_by(ReferenceStandard.id).limit(1))
    assert first is not None
    return int(first)


def test_the_demo_pages_show_reported_numbers_in_both_languages(app, demo, client, login) -> None:
    from lims.models import Record

    login("admin", PASSWORD)
    record_ids = list(demo.scalars(select(Record.id).order_by(Record.id)))
    assert record_ids
    standard = _first_standard(demo)
    paths = ["/records", "/certificates", "/recall", "/standards", f"/standards/{standard}/impact", "/dashboard"]
    paths += [f"/records/{i}" for i in record_ids]
    problems: list[str] = []
    for lang in ("vi", "en"):
        for path in paths:
            resp = client.get(f"{path}?lang={lang}")
            assert resp.status_code == 200, path
            problems += page_problems(f"{path}?lang={lang}", resp.get_data(as_text=True))
        for i in record_ids:
            resp = client.get(f"/records/{i}/chart.svg?lang={lang}")
            if resp.status_code == 200:
                problems += page_problems(f"/records/{i}/chart.svg?lang={lang}", resp.get_data(as_text=True))
    assert not problems, "\n".join(problems[:40])


def test_the_demo_api_answers_and_exports_show_reported_numbers(app, demo, client, login) -> None:
    from lims.models import Record

    login("admin", PASSWORD)
    record_ids = list(demo.scalars(select(Record.id).order_by(Record.id)))
    problems: list[str] = []
    paths = ["/api/v1/records", "/api/v1/recall", "/api/v1/certificates", "/api/v1/reference-standards",
             f"/api/v1/reference-standards/{_first_standard(demo)}/impact"]
    paths += [f"/api/v1/records/{i}" for i in record_ids]
    for lang in ("vi", "en"):
        for path in paths:
            resp = client.get(f"{path}?lang={lang}")
            assert resp.status_code == 200, path
            problems += json_problems(f"{path}?lang={lang}", resp.get_json())
        resp = client.get(f"/api/v1/recall/export?format=csv&days=3650&lang={lang}")
        assert resp.status_code == 200
        for row in csv.reader(io.StringIO(resp.get_data(as_text=True))):
            problems += page_problems(f"recall.csv ({lang})", "<p>" + " | ".join(row) + "</p>")
        resp = client.get(f"/api/v1/recall/export?format=xlsx&days=3650&lang={lang}")
        assert resp.status_code == 200
        for row in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True):
            problems += json_problems(f"recall.xlsx ({lang})", [c for c in row if isinstance(c, float)])
    assert not problems, "\n".join(problems[:40])


def test_the_record_api_keeps_the_stored_values_for_recomputation(app, demo, client, login) -> None:
    """Under 'stored', the point columns and the results exactly as kept; outside, as reported:
    U = round_uncertainty(stored U), the error at U's decimal place, k to two decimals."""
    from lims.metrology.reporting import result_places, round_to_places, round_uncertainty
    from lims.models import Record

    login("admin", PASSWORD)
    records = demo.scalars(select(Record).order_by(Record.id)).all()
    checked = 0
    for record in records:
        data = client.get(f"/api/v1/records/{record.id}").get_json()
        assert data["stored"]["results"] == client.application.json.loads(
            client.application.json.dumps(record.results))
        for point, stored, column in zip(data["points"], data["stored"]["points"],
                                         sorted(record.points, key=lambda p: p.seq), strict=True):
            assert stored["uncertainty"] == column.uncertainty and stored["error"] == column.error
            if column.uncertainty:
                assert point["uncertainty"] == float(round_uncertainty(column.uncertainty))
                places = result_places(column.uncertainty)
                assert point["decimals"] == places
                assert point["error"] == float(round_to_places(column.error, places))
                assert point["coverage_factor"] == float(round_to_places(column.coverage_factor, 2))
                assert not math.isclose(point["uncertainty"], column.uncertainty, rel_tol=1e-9) or \
                    point["uncertainty"] == column.uncertainty
                checked += 1
    assert checked > 0
