"""A record's page keeps the capture source of each point when saved unchanged."""
from __future__ import annotations

import html
import json
import re

from lims.models import Record
from lims.services import workflow
from tests.services.workflow_factory import open_scale_record
from tests.web.test_workflow_pages import form_for


def test_a_record_with_a_captured_reading_saves_unchanged_from_its_page(db, lab, client, login):
    """The page carries each point's capture source as JSON in a hidden field, quotes escaped, so that
    saving the page unchanged keeps it. Before, the attribute ended at the JSON's first quote: the
    field held "{" and every captured point was refused ("The capture source must name its port and
    driver.")."""
    rec = open_scale_record(db, lab)
    seq = next(p.seq for p in rec.points if p.test == "weighing" and p.nominal == 5.0)
    source = {"port": "mock://mt-sics", "driver": "mt-sics", "raw": ['S S      5.000 kg'], "at": "2026-01-01T00:00:00Z"}
    workflow.save_record(db, lab.tech, rec.id, workflow.SaveRecord(
        version_id=rec.version_id, points=[{"seq": seq, "readings": [5.0], "source": source}]))
    db.commit()
    login("tech")
    page = client.get(f"/records/{rec.id}?lang=vi").get_data(as_text=True)
    hidden = re.search(rf'id="src-{seq}" name="p-{seq}-source" value="([^"]*)"', page)
    assert hidden is not None and json.loads(html.unescape(hidden.group(1))) == source
    db.expire_all()
    form = form_for(db.get(Record, rec.id), standards=[lab.standards["F1"].id, lab.standards["M1"].id],
                    **{f"p-{seq}-readings": "5", f"p-{seq}-source": html.unescape(hidden.group(1))})
    resp = client.post(f"/records/{rec.id}?lang=vi", data=form)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    db.expire_all()
    assert next(p for p in db.get(Record, rec.id).points if p.seq == seq).source["port"] == "mock://mt-sics"
