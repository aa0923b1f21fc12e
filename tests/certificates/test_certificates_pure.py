"""The certificates package stays pure: no Flask, no SQLAlchemy, no app modules (DESIGN, layers)."""
from __future__ import annotations

import subprocess
import sys

MODULES = [
    "certificates", "certificates.model", "certificates.values", "certificates.parts", "certificates.pdf",
    "certificates.qr", "certificates.tokens", "certificates.keystore", "certificates.dcc", "certificates.jsonform",
    "certificates.hashing", "certificates.examples",
]


def test_imports_neither_flask_nor_sqlalchemy_nor_the_app() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug')"
        " or m.startswith(('lims.app', 'lims.web', 'lims.models', 'lims.services')))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_importing_the_package_does_not_load_the_renderers() -> None:
    """Nor pint and dsiunits: the unit table is plain data; they load when a DCC is written."""
    code = ("import sys, certificates\n"
            "print(sorted({m.split('.')[0] for m in sys.modules}\n"
            "             & {'reportlab', 'lxml', 'qrcode', 'pint', 'dsi_unit'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
