"""Numbers, small masses, ranges and accuracy classes as pages write them (the one home of page formatting,
:mod:`lims.metrology.units_format`, which the web filters call)."""
from __future__ import annotations

from lims.metrology.units_format import format_class, page_number, page_quantity, page_range, shown_in


def test_numbers_group_thousands_with_the_other_mark():
    assert page_number(1000.5, "vi") == "1.000,5" and page_number(1000.5, "en") == "1,000.5"
    assert page_number(1234567, "vi") == "1.234.567" and page_number(-0.25, "en") == "-0.25"
    assert page_number(2.0, "vi", 3) == "2,000"


def test_the_1_mg_weight_is_1_mg():
    """0.000001 kg needs five zeros after the mark: shown in mg (1e-6 kg = 1e-3 g = 1 mg)."""
    assert shown_in(0.000001, "kg") == (1.0, "mg")
    assert shown_in(0.005, "kg") == (5.0, "g")  # 0.005 kg = 5 g
    assert shown_in(0.5, "kg") == (0.5, "kg") and shown_in(0.0, "kg") == (0.0, "kg")
    assert shown_in(0.001, "bar") == (0.001, "bar")  # no smaller unit offered for a pressure
    nbsp = "\u00a0"  # between a number and its unit: a line never breaks there
    assert page_quantity(0.000001, "kg", "vi") == f"1{nbsp}mg"
    assert page_quantity(0.00002, "kg", "en") == f"0.02{nbsp}g"  # 2e-5 kg = 0.02 g: two places suffice
    assert page_range(0.000001, 20, "kg", "vi") == f"1{nbsp}mg … 20{nbsp}kg"
    assert page_range(0, 16, "bar", "vi") == f"0 … 16{nbsp}bar"
    assert page_range(0, 1000.5, "degC", "vi") == f"0 … 1.000,5{nbsp}°C"


def test_accuracy_class_in_the_page_language():
    assert format_class("1.6", "vi") == "1,6" and format_class("1.6", "en") == "1.6"
    assert format_class("0,05 %", "en") == "0.05 %" and format_class("II", "vi") == "II"
    assert format_class("", "vi") == "—"


def test_a_time_kept_in_utc_is_shown_in_the_labs_time_zone(monkeypatch):
    """The database keeps UTC; Lạng Sơn reads UTC+07:00 (Asia/Ho_Chi_Minh, no summer time). Before,
    a request filed at 09:35 in the morning in Lạng Sơn showed as 02:35 on every page. A time zone
    named in LIMS_TIMEZONE is used instead; a wrong name is refused when the settings are read; a
    date without a time is never shifted."""
    from datetime import UTC, date, datetime

    import pytest

    from lims.config import Settings
    from lims.metrology.units_format import page_day

    filed = datetime(2026, 11, 30, 2, 35, tzinfo=UTC)
    monkeypatch.delenv("LIMS_TIMEZONE", raising=False)
    assert page_day(filed, "vi") == "30/11/2026 09:35"
    assert page_day(filed, "en") == "2026-11-30 09:35"
    late = datetime(2026, 11, 30, 18, 5, tzinfo=UTC)  # 01:05 the next day in Lạng Sơn
    assert page_day(late, "vi") == "01/12/2026 01:05"
    assert page_day(date(2026, 11, 30), "vi") == "30/11/2026"
    monkeypatch.setenv("LIMS_TIMEZONE", "UTC")
    assert page_day(filed, "vi") == "30/11/2026 02:35"
    monkeypatch.setenv("LIMS_TIMEZONE", "Europe/Berlin")  # UTC+01:00 in winter
    assert page_day(filed, "en") == "2026-11-30 03:35"
    monkeypatch.setenv("LIMS_TIMEZONE", "Lang Son")
    with pytest.raises(ValueError, match="LIMS_TIMEZONE"):
        Settings.from_env(instance_path="/nonexistent-instance", secret_key="x", database_url="sqlite://")
