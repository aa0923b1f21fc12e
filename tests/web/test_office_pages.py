"""The office dashboard page, its exports and its API, on the small lab of tests/services/office_data.py."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from tests.services.office_data import make_office_data

PERIOD = "from=2026-02-01&to=2026-03-15"


@pytest.fixture
def data(db, make_user):
    make_user("soat", "reviewer")
    return make_office_data(db, make_user)


def test_the_page_shows_each_chart_with_its_table(data, client, login):
    login("soat")
    html = client.get(f"/office?{PERIOD}&lang=en").get_data(as_text=True)
    for key in ("weekly", "turnaround", "pass_rate", "overdue", "technicians"):
        assert f'id="panel-{key}"' in html and f'id="export-{key}-csv"' in html and f'id="export-{key}-xlsx"' in html
    assert html.count('class="office-chart"') == 5  # overdue: 2026-02-28 is the period's one month end
    assert "Median (days)" in html and "Pass rate (%)" in html
    turnaround = html[html.index('id="table-turnaround"'):]
    assert re.search(r">2026-03</td>\s*<td[^>]*>3</td>\s*<td[^>]*>8</td>\s*<td[^>]*>12.8</td>", turnaround)
    assert '<title>Áp kế' not in html  # English page: the type's English name
    assert "Pressure gauge" in html


def test_the_vietnamese_page(data, client, login):
    login("soat")
    html = client.get(f"/office?{PERIOD}&lang=vi").get_data(as_text=True)
    assert "Tỷ lệ đạt (%)" in html and "Trung vị (ngày)" in html
    turnaround = html[html.index('id="table-turnaround"'):]
    assert re.search(r">03/2026</td>\s*<td[^>]*>3</td>\s*<td[^>]*>8</td>\s*<td[^>]*>12,8</td>", turnaround)
    assert "Week starting" not in html and "Turnaround" not in html


def test_only_reviewers_and_admins_see_it(data, client, login, make_user):
    make_user("dnbiz", "business")
    for name in ("lan", "dnbiz"):
        login(name)
        assert client.get("/office").status_code == 403
        assert client.get("/office/export/weekly/csv").status_code == 403
        client.post("/logout")
    make_user("boss", "admin")
    login("boss")
    assert client.get("/office").status_code == 200


def test_the_nav_links_the_page_for_the_office_only(data, client, login):
    login("soat")
    assert 'href="/office"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/logout")
    login("lan")
    assert 'href="/office"' not in client.get("/dashboard").get_data(as_text=True)


def test_exports(data, client, login):
    login("soat")
    resp = client.get(f"/office/export/pass_rate/csv?{PERIOD}&lang=en")
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["Instrument type", "Verifications (records)", "Passed (records)", "Pass rate (%)"],
                    ["Pressure gauge", "2", "1", "50.0"], ["Balance", "2", "2", "100.0"]]
    resp = client.get(f"/office/export/weekly/xlsx?{PERIOD}&lang=en")
    ws = load_workbook(io.BytesIO(resp.data)).active
    values = list(ws.values)
    assert values[0] == ("Week starting", "Opened (records)", "Approved (records)")
    assert values[-1][1:] == (2, 2) and values[-1][0].date().isoformat() == "2026-03-09"


def test_bad_input_is_refused(data, client, login):
    login("soat")
    assert client.get("/office?from=2026-03-02&to=2026-03-01").status_code == 422
    assert client.get("/office/export/weekly/pdf").status_code == 422
    assert client.get("/office/export/nothing/csv").status_code == 422


def test_the_api(data, client, token_for, db):
    from sqlalchemy import select

    from lims.models import User

    auth = token_for(db.scalar(select(User).where(User.username == "soat")))
    body = client.get(f"/api/v1/office?{PERIOD}", headers=auth).get_json()
    assert [t["key"] for t in body["tables"]] == ["weekly", "turnaround", "pass_rate", "overdue", "technicians"]
    one = client.get(f"/api/v1/office/technicians?{PERIOD}", headers=auth).get_json()
    assert one["rows"] == [["Lan", 3], ["Minh", 1]]
    assert one["columns"][1]["unit"]
    weekly = client.get(f"/api/v1/office/weekly?{PERIOD}", headers=auth).get_json()
    assert weekly["rows"][-1] == ["2026-03-09", 2, 2]
    bad = client.get("/api/v1/office/weekly?type_id=abc", headers=auth)
    assert bad.status_code == 422 and bad.get_json()["detail"]["field"] == "type_id"
    csv_resp = client.get("/api/v1/office/overdue/export?format=csv&from=2025-10-01&to=2026-03-31", headers=auth)
    lines = csv_resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == ["0", "1", "2", "2", "1", "1"]
    tech = token_for(db.scalar(select(User).where(User.username == "lan")))
    assert client.get("/api/v1/office", headers=tech).status_code == 403
