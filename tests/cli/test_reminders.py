"""``lims reminders send`` against a real SMTP server (aiosmtpd in this process): exactly one mail
per business with instruments newly due, to the right people, in their language, listing the
right instruments; nothing on a second run; again when a due date moves or passes; nothing
marked when the server is down or refuses."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from lims.cli import main
from lims.commands import reminders as reminders_command
from lims.models import AuditEvent, Instrument, ReminderSent, User
from lims.services import catalog
from lims.services import reminders as reminders_service
from lims.services.policy import SYSTEM
from lims.services.users import NewUser, Password, create_user
from tests.helpers import PASSWORD
from tests.mail_server import free_port, smtp_server  # noqa: F401 - the fixture

TODAY = date.today()
BASE = "https://lims.example.vn"


@pytest.fixture
def cli(committed_db, database_url, monkeypatch, smtp_server) -> CliRunner:  # noqa: F811
    monkeypatch.setenv("LIMS_DATABASE_URL", database_url)
    monkeypatch.setenv("LIMS_LANGUAGE", "en")
    monkeypatch.setenv("LIMS_BASE_URL", BASE)
    monkeypatch.setenv("LIMS_REMINDER_DAYS", "30")
    return CliRunner()


def _user(db, name, org_id, email, language, active=True):
    user = create_user(db, SYSTEM, NewUser(username=name, password=Password(PASSWORD), roles=("business",),
                                           email=email, organisation_id=org_id))
    user.language, user.active = language, active
    return user


@pytest.fixture
def world(db, cli):
    """Three businesses: one writing Vietnamese (own address and a user's), one English (a user's
    address only), one with no address at all."""
    scale = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="NAWI", name_vi="Cân phân tích", name_en="Analytical balance", quantity="mass", unit="g",
        requires_verification=True, verification_interval_months=12))
    meter = catalog.create_instrument_type(db, SYSTEM, catalog.NewInstrumentType(
        code="PG", name_vi="Áp kế", name_en="Pressure gauge", quantity="pressure", unit="bar"))
    a = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Công ty Hữu Nghị",
                                                                          email="office@huunghi.example"))
    b = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Dong Dang Trading"))
    c = catalog.create_organisation(db, SYSTEM, catalog.NewOrganisation(name="Nowhere Ltd"))
    _user(db, "huunghi", a.id, "lan@huunghi.example", "vi")
    _user(db, "huunghi_old", a.id, "old@huunghi.example", "vi", active=False)
    _user(db, "dongdang", b.id, "minh@dongdang.example", "en")
    _user(db, "nowhere", c.id, "", None)

    def inst(owner, type_, serial, due, status="in_service", **kw):
        unit = "g" if type_ is scale else "bar"
        return catalog.create_instrument(db, SYSTEM, catalog.NewInstrument(
            owner_id=owner.id, type_id=type_.id, serial_number=serial, range_max=200, range_unit=unit,
            next_due=due, status=status, **kw)).id

    ids = {
        "A1": inst(a, scale, "A1-OVERDUE", TODAY - timedelta(days=5), manufacturer="Mettler", model="XS205"),
        "A2": inst(a, meter, "A2-SOON", TODAY + timedelta(days=10)),
        "A3": inst(a, meter, "A3-LATER", TODAY + timedelta(days=31)),
        "A4": inst(a, meter, "A4-SCRAPPED", TODAY - timedelta(days=5), status="scrapped"),
        "B1": inst(b, scale, "B1-EDGE", TODAY + timedelta(days=30)),
        "C1": inst(c, scale, "C1-NOBODY", TODAY - timedelta(days=1)),
    }
    db.commit()
    return ids


def _sent_rows(db):
    db.rollback()
    return sorted((r.instrument_id, r.due_date, r.kind) for r in db.scalars(select(ReminderSent)))


def _reminder_events(db):
    db.rollback()
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "reminder.sent"))


def test_one_mail_per_business_to_its_people_in_its_language_and_nothing_the_second_time(cli, db, world,
                                                                                         smtp_server):  # noqa: F811
    result = cli.invoke(main, ["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 2
    by_to = {tuple(m.rcpt_tos): m for m in smtp_server.messages}
    huunghi = by_to[("office@huunghi.example", "lan@huunghi.example")]  # not the deactivated user
    dongdang = by_to[("minh@dongdang.example",)]
    assert huunghi.mail_from == dongdang.mail_from == "lims@lab.example"

    # Vietnamese, overdue first, then due soon; the instrument due in 31 days and the scrapped one are not named.
    assert huunghi.subject == "Quá hạn kiểm định: 2 phương tiện đo của Công ty Hữu Nghị"
    body = huunghi.body
    overdue_due = (TODAY - timedelta(days=5)).strftime("%d/%m/%Y")
    soon_due = (TODAY + timedelta(days=10)).strftime("%d/%m/%Y")
    assert f"1. Cân phân tích (Mettler XS205), số sản xuất A1-OVERDUE, hạn {overdue_due}" in body
    assert f"2. Áp kế, số sản xuất A2-SOON, hạn {soon_due}" in body
    assert body.index("A1-OVERDUE") < body.index("A2-SOON")
    assert "A3-LATER" not in body and "A4-SCRAPPED" not in body
    assert f"{BASE}/recall" in body and "Kính gửi Công ty Hữu Nghị," in body

    assert dongdang.subject == "Verification due soon: 1 instrument(s) of Dong Dang Trading"
    edge = (TODAY + timedelta(days=30)).isoformat()  # English pages and mails write dates as 2026-10-25
    assert f"1. Analytical balance, serial number B1-EDGE, due {edge}" in dongdang.body
    assert "within 30 days" in dongdang.body and f"{BASE}/recall" in dongdang.body

    assert "skipped: Nowhere Ltd has no e-mail address (1 instrument(s) due)" in result.output
    assert "reminders: 2 mail(s) sent, 1 business(es) without an address, 0 failed" in result.output
    assert _sent_rows(db) == sorted([
        (world["A1"], TODAY - timedelta(days=5), "overdue"), (world["A2"], TODAY + timedelta(days=10), "before_due"),
        (world["B1"], TODAY + timedelta(days=30), "before_due")])
    assert _reminder_events(db) == 2

    again = cli.invoke(main, ["reminders", "send"])
    assert again.exit_code == 0, again.output
    assert len(smtp_server.messages) == 2  # nothing new
    assert "reminders: 0 mail(s) sent, 1 business(es) without an address, 0 failed" in again.output
    assert _reminder_events(db) == 2


def test_a_new_due_date_and_a_passed_one_are_mailed_again_once(cli, db, world, smtp_server):  # noqa: F811
    assert cli.invoke(main, ["reminders", "send"]).exit_code == 0
    assert len(smtp_server.messages) == 2
    # A new verification of A1 moves its due date into the window again.
    instrument = db.get(Instrument, world["A1"])
    new_due = TODAY + timedelta(days=20)
    instrument.next_due = new_due
    db.commit()
    result = cli.invoke(main, ["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 3
    mail = smtp_server.messages[-1]
    assert mail.rcpt_tos == ["office@huunghi.example", "lan@huunghi.example"]
    assert mail.subject == "Sắp đến hạn kiểm định: 1 phương tiện đo của Công ty Hữu Nghị"
    assert "A1-OVERDUE" in mail.body and new_due.strftime("%d/%m/%Y") in mail.body and "A2-SOON" not in mail.body

    # Eleven days on, A2's due date has passed and A3's has come within 30 days: one mail naming
    # both (A1 and B1 were already reminded of for their due dates).
    later = TODAY + timedelta(days=11)
    assert reminders_command.run(today=later, echo=lambda *a, **k: None)
    assert len(smtp_server.messages) == 4
    mail = smtp_server.messages[-1]
    assert mail.subject == "Quá hạn kiểm định: 2 phương tiện đo của Công ty Hữu Nghị"
    assert mail.body.index("A2-SOON") < mail.body.index("A3-LATER")
    assert "A1-OVERDUE" not in mail.body and "B1-EDGE" not in mail.body
    assert reminders_command.run(today=later, echo=lambda *a, **k: None)
    assert len(smtp_server.messages) == 4


def test_dry_run_lists_and_sends_and_marks_nothing(cli, db, world, smtp_server):  # noqa: F811
    result = cli.invoke(main, ["reminders", "send", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would send: Công ty Hữu Nghị -> office@huunghi.example, lan@huunghi.example (vi): 2 instrument(s), " \
           "1 overdue" in result.output
    assert "would send: Dong Dang Trading -> minh@dongdang.example (en): 1 instrument(s), 0 overdue" in result.output
    assert "A1-OVERDUE" in result.output and "B1-EDGE" in result.output
    assert smtp_server.messages == [] and _sent_rows(db) == [] and _reminder_events(db) == 0


@pytest.mark.parametrize("fault", ["down", "refuses"])
def test_a_mail_server_down_or_refusing_is_reported_exit_1_and_nothing_is_marked(cli, db, world, smtp_server,  # noqa: F811
                                                                                  monkeypatch, fault):
    if fault == "down":
        monkeypatch.setenv("LIMS_SMTP_PORT", str(free_port()))  # nothing listens there
    else:
        smtp_server.collector.refuse = True
    result = cli.invoke(main, ["reminders", "send"])
    assert result.exit_code == 1, result.output
    assert "FAILED: " in result.output
    assert "451" in result.output if fault == "refuses" else "cannot be used" in result.output
    assert smtp_server.messages == [] and _sent_rows(db) == [] and _reminder_events(db) == 0

    smtp_server.collector.refuse = False
    monkeypatch.setenv("LIMS_SMTP_PORT", str(smtp_server.port))
    assert cli.invoke(main, ["reminders", "send"]).exit_code == 0  # the next run sends them
    assert len(smtp_server.messages) == 2


def test_a_run_while_another_is_under_way_sends_nothing_and_exits_1(cli, db, world, smtp_server, engine):  # noqa: F811
    with reminders_service.one_run_at_a_time(engine) as mine:
        assert mine
        result = cli.invoke(main, ["reminders", "send"])
        assert result.exit_code == 1, result.output
        assert "Another reminder run is under way; this one sent nothing." in result.output
        assert smtp_server.messages == [] and _sent_rows(db) == []
        assert cli.invoke(main, ["reminders", "send", "--dry-run"]).exit_code == 0  # a dry run may look
    assert cli.invoke(main, ["reminders", "send"]).exit_code == 0
    assert len(smtp_server.messages) == 2


def test_without_a_mail_server_a_real_run_is_refused(cli, db, world, monkeypatch):
    monkeypatch.delenv("LIMS_SMTP_HOST")
    result = cli.invoke(main, ["reminders", "send"])
    assert result.exit_code == 2 and "LIMS_SMTP_HOST" in result.output
    assert _sent_rows(db) == []
    assert db.scalar(select(func.count()).select_from(User)) == 4
