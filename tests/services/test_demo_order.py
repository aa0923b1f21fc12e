"""The demo's feature seeders run in the order FEATURE_SEEDERS names, not the order of import."""
from __future__ import annotations

import lims.services.demo_certificates  # noqa: F401  (imported first, as a test fixture may)
import lims.services.demo_products  # noqa: F401
import lims.services.demo_workflow  # noqa: F401
from lims.services import demo


def test_seeders_run_in_the_order_of_feature_seeders_whichever_module_was_imported_first(monkeypatch):
    ran: list[str] = []
    fakes = []
    for module in reversed(demo.FEATURE_SEEDERS):  # registered backwards
        def fake(session, ctx, module=module):
            ran.append(module)
        fake.__module__ = module
        fakes.append(fake)
    monkeypatch.setattr(demo, "SEEDERS", fakes)
    monkeypatch.setattr(demo, "_seed_foundation", lambda session, ctx: None)
    demo.seed_demo(None, "demo-password-1")  # type: ignore[arg-type]
    assert ran == list(demo.FEATURE_SEEDERS)
