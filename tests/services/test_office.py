"""The office dashboard's figures against the small lab of office_data.py, computed by hand."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lims.errors import PermissionDenied, ValidationError
from lims.i18n import use_language
from lims.models import AuditEvent
from lims.services import office
from lims.services.office import Filters, quantile
from tests.services.office_data import make_office_data

MARCH = Filters(date(2026, 2, 1), date(2026, 3, 15))


@pytest.fixture(autouse=True)
def _english():
    with use_language("en"):  # headers and units as the English page shows them
        yield


@pytest.fixture
def data(db, make_user):
    return make_office_data(db, make_user)


@pytest.fixture
def reviewer(make_user):
    return make_user("soat", "reviewer")


def test_records_opened_and_approved_per_week(db, data, reviewer):
    t = office.table(db, reviewer, "weekly", MARCH)
    assert [c[0] for c in t.columns] == ["Week starting", "Opened", "Approved"]
    assert t.rows == [(date(2026, 1, 26), 0, 0), (date(2026, 2, 2), 1, 1), (date(2026, 2, 9), 0, 0),
                      (date(2026, 2, 16), 0, 0), (date(2026, 2, 23), 0, 0), (date(2026, 3, 2), 2, 1),
                      (date(2026, 3, 9), 2, 2)]


def test_weeks_are_the_last_twelve_of_the_period(db, data, reviewer):
    t = office.table(db, reviewer, "weekly", Filters(date(2025, 1, 1), date(2026, 3, 15)))
    assert len(t.rows) == 12
    assert t.rows[0][0] == date(2025, 12, 22) and t.rows[-1] == (date(2026, 3, 9), 2, 2)


def test_one_instrument_type(db, data, reviewer):
    f = Filters(MARCH.date_from, MARCH.date_to, data["can"].id)
    weekly = office.table(db, reviewer, "weekly", f)
    assert weekly.rows[-2:] == [(date(2026, 3, 2), 2, 1), (date(2026, 3, 9), 1, 1)]
    assert office.table(db, reviewer, "pass_rate", f).rows == [("Cân", 2, 2, 100.0)]
    assert office.table(db, reviewer, "technicians", f).rows == [("Lan", 2)]
    assert office.table(db, reviewer, "turnaround", f).rows == [("2026-03", 2, 5.0, 7.4)]


def test_turnaround_median_and_90th_percentile_per_month(db, data, reviewer):
    t = office.table(db, reviewer, "turnaround", MARCH)
    # February: 4 days; March: 2, 8 and 14 days (the amendment c1b is not a turnaround).
    # 90th percentile of 2, 8, 14: rank 0.9 × 2 = 1.8 → 8 + 0.8 × (14 − 8) = 12.8.
    assert t.rows == [("2026-02", 1, 4.0, 4.0), ("2026-03", 3, 8.0, 12.8)]
    assert [c[1] for c in t.columns] == ["", "certificates", "days", "days"]


def test_quantiles_interpolate_between_ranks():
    assert quantile([(1, 1), (2, 1), (3, 1), (4, 1)], 0.5) == 2.5
    assert quantile([(1, 1), (2, 1), (3, 1), (4, 1)], 0.9) == pytest.approx(3.7)
    assert quantile([(2, 3), (5, 1)], 0.5) == 2.0
    assert quantile([(2, 3), (5, 1)], 0.9) == pytest.approx(4.1)
    assert quantile([], 0.5) is None


def test_pass_rate_by_instrument_type(db, data, reviewer):
    t = office.table(db, reviewer, "pass_rate", MARCH)
    # AP: r5 passed, r3 failed → 50 %; CAN: r1 and r2 passed → 100 %.
    assert t.rows == [("Áp kế", 2, 1, 50.0), ("Cân", 2, 2, 100.0)]
    assert office.table(db, reviewer, "pass_rate", MARCH, "en").rows[0][0] == "Pressure gauge"


def test_overdue_instruments_at_each_month_end(db, data, reviewer):
    f = Filters(date(2025, 10, 1), date(2026, 3, 31))
    t = office.table(db, reviewer, "overdue", f)
    assert t.rows == [(date(2025, 10, 31), 0), (date(2025, 11, 30), 1), (date(2025, 12, 31), 2),
                      (date(2026, 1, 31), 2), (date(2026, 2, 28), 1), (date(2026, 3, 31), 1)]
    can = office.table(db, reviewer, "overdue", Filters(f.date_from, f.date_to, data["can"].id))
    assert [n for _d, n in can.rows] == [0, 0, 1, 1, 1, 0]


def test_month_ends_of_a_period():
    assert office.month_ends(Filters(date(2026, 2, 1), date(2026, 3, 15))) == [date(2026, 2, 28)]
    ends = office.month_ends(Filters(date(2020, 1, 1), date(2026, 3, 31)))
    assert len(ends) == 12 and ends[0] == date(2025, 4, 30) and ends[-1] == date(2026, 3, 31)


def test_work_per_technician(db, data, reviewer):
    assert office.table(db, reviewer, "technicians", MARCH).rows == [("Lan", 3), ("Minh", 1)]


def test_only_the_office_sees_it(db, data, make_user):
    for user in (data["lan"], make_user("dnbiz", "business"), None):
        with pytest.raises(PermissionDenied):
            office.dashboard(db, user, MARCH)
    admin = make_user("boss", "admin")
    assert set(office.dashboard(db, admin, MARCH)) == set(office.TABLES)


@pytest.mark.parametrize("args, field", [
    ({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"), ({"from": "2000-01-01", "to": "2026-01-01"}, "from"),
    ({"type_id": "abc"}, "type_id"), ({"type_id": "999999"}, "type_id"), ({"type_id": "-1"}, "type_id"),
])
def test_bad_filters_are_refused_and_change_nothing(db, data, args, field):
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(ValidationError) as err:
        office.parse_filters(db, args)
    assert field in err.value.errors
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_default_period_is_the_last_twelve_months(db):
    f = office.parse_filters(db, {}, today=date(2026, 3, 15))
    assert f == Filters(date(2025, 4, 1), date(2026, 3, 15))


def test_csv_export_escapes_formulas(db, data, reviewer):
    data["lan"].full_name = "=HYPERLINK(\"http://x\")"
    db.flush()
    text = office.export_csv(office.table(db, reviewer, "technicians", MARCH))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "Technician,Approved (records)"
    assert lines[1] == '"\'=HYPERLINK(""http://x"")",3'
