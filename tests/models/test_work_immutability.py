"""Approved records are immutable: the listeners live with the models (lims.models.work)."""
from __future__ import annotations

import subprocess
import sys

import pytest

from lims.errors import Conflict
from lims.i18n import use_language
from lims.models import Record, RecordStandard
from lims.services import workflow
from tests.services.workflow_factory import complete_scale_record, make_lab, open_scale_record


def test_the_listeners_come_with_the_models_alone() -> None:
    code = ("import sys\n"
            "from sqlalchemy import event\n"
            "from lims.models import Record, RecordPoint, RecordStandard\n"
            "from lims.models.work import _refuse_approved_change as f\n"
            "print(all(event.contains(m, 'before_update', f) for m in (Record, RecordPoint, RecordStandard)),\n"
            "      all(event.contains(m, 'before_delete', f) for m in (RecordPoint, RecordStandard)),\n"
            "      any(m.startswith('lims.services') for m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["True", "True", "False"]


@pytest.fixture()
def approved(db, tmp_path):
    from certificates.keystore import KeyStore
    from lims.services import certificates as certs

    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="https://lims.example.vn",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    lab = make_lab(db)
    with certs.use_context(ctx), use_language("en"):
        rec = complete_scale_record(db, lab, open_scale_record(db, lab))
        workflow.submit_record(db, lab.tech, rec.id, workflow.Version(version_id=rec.version_id))
        workflow.approve_record(db, lab.reviewer, rec.id, workflow.Version(version_id=rec.version_id))
        db.commit()
        yield rec.id


def test_an_approved_record_refuses_a_change_with_its_message(db, approved) -> None:
    rec = db.get(Record, approved)
    rec.place = "elsewhere"
    with pytest.raises(Conflict, match=f"Record {rec.number} is approved; it can no longer be changed."):
        db.flush()
    db.rollback()


def test_its_points_and_standards_can_be_neither_changed_nor_deleted(db, approved) -> None:
    rec = db.get(Record, approved)
    rec.points[0].nominal = 1.0
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    rs_id = db.get(Record, approved).standards[0].id
    db.delete(db.get(RecordStandard, rs_id))
    with pytest.raises(Conflict):
        db.flush()
    db.rollback()
    assert db.get(RecordStandard, rs_id) is not None
    assert db.get(Record, approved).points[0].nominal != 1.0


def test_a_draft_changes_freely(db) -> None:
    lab = make_lab(db)
    rec = open_scale_record(db, lab)
    rec.remarks = "checked the levelling"
    db.flush()
    assert db.get(Record, rec.id).remarks == "checked the levelling"
