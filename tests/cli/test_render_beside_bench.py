"""``bench/render_beside.py`` at smoke size: it runs ``render --all-missing`` beside a served app
and prints the client's latency in both phases (docs/reliability.md, "Batch rendering beside the app")."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lims.models import Certificate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.committed  # the server and the render command are processes of their own
def test_the_benchmark_renders_beside_the_app_and_prints_its_figures(db, lab, token_for, database_url,
                                                                     instance_dir, tmp_path):
    bearer = {name: token_for(lab.users[name])["Authorization"].split()[1] for name in ("tech", "reviewer")}
    setup = {"technicians": [bearer["tech"]], "reviewer": bearer["reviewer"],
             "instrument_id": lab.instruments["scale"].id, "instance_path": str(instance_dir)}
    (tmp_path / "setup.json").write_text(json.dumps(setup))
    done = subprocess.run([sys.executable, "bench/render_beside.py", "--certificates", "2", "--seconds", "1",
                           "--workers", "1", "--threads", "4", "--database-url", database_url,
                           "--setup", str(tmp_path / "setup.json"), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["render_exit"] == 0 and out["certificates"] == 2 and out["statuses"] == [200]
    for phase in ("alone", "beside"):
        for step in ("open", "save"):
            figures = out[phase][step]
            assert figures["n"] >= 1 and 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    # The render drew the files of the certificates made to miss them.
    db.expire_all()
    drawn = [db.get(Certificate, cid) for cid in out["missing_ids"]]
    assert len(drawn) == 2 and all(c.pdf_path and (instance_dir / c.pdf_path).is_file() for c in drawn)
    assert all(c.dcc_path and (instance_dir / c.dcc_path).is_file() for c in drawn)
