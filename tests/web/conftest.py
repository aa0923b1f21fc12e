"""Fixtures of the page and API tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def issued(app, db, make_user):
    """A reviewer (``reviewer1``), a technician (``tech1``), the sample lab and one issued scale
    verification certificate (``issued.cert``), in the app's certificate context (``issued.ctx``)."""
    from lims.services import certificates as certs
    from lims.services.demo_certificates import sample_lab
    from lims.web.public_certificates import certificate_context

    reviewer = make_user("reviewer1", "reviewer")
    technician = make_user("tech1", "technician")
    lab = sample_lab(db, technician=technician, reviewer=reviewer)
    lab.ctx = certificate_context(app)
    lab.cert = certs.issue_for_record(db, reviewer, lab.scale_record(db), context=lab.ctx)
    db.commit()
    certs.write_pending(db)  # files are written once the transaction has committed
    return lab
