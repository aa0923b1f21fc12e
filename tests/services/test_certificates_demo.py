"""The demo holds issued certificates in every state a user meets (issue 6, "Done when")."""
from __future__ import annotations

from sqlalchemy import select

from certificates.hashing import sha256_file
from certificates.keystore import KeyStore
from lims.models import Certificate
from lims.services import certificates as certs
from lims.services.audit import verify_chain
from lims.services.demo import seed_demo


def test_the_demo_shows_valid_verification_valid_calibration_superseded_revoked_and_a_notice(db, tmp_path):
    ctx = certs.CertificateContext(instance_path=tmp_path, base_url="http://127.0.0.1:5000",
                                   keystore=KeyStore.in_directory(tmp_path / "keys"))
    with certs.use_context(ctx):
        seed_demo(db, "demo-password-1")
        db.commit()
        certs.write_pending(db)
    rows = db.scalars(select(Certificate).order_by(Certificate.id)).all()
    kinds = {(c.kind, certs.effective_status(c), bool(c.document["summary"]["notice"])) for c in rows}
    assert ("verification", "valid", False) in kinds and ("calibration", "valid", False) in kinds
    assert ("verification", "valid", True) in kinds  # a notice of non-conformity for a failed scale
    assert {c.status for c in rows} >= {"valid", "superseded", "revoked"}
    superseded = next(c for c in rows if c.status == "superseded")
    assert certs.superseded_by(db, superseded).supersedes_id == superseded.id
    assert next(c for c in rows if c.status == "revoked").revoke_reason
    for cert in rows:
        assert sha256_file(tmp_path / cert.pdf_path) == cert.pdf_sha256
        assert certs.public_lookup(db, certs.verification_token(cert), ctx).number == cert.number
    assert verify_chain(db).ok
