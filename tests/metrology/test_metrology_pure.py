"""The measurement core is a pure package (DESIGN: layers; style: a small test proves it)."""
from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("flask", "sqlalchemy", "lims.app", "lims.web", "lims.models", "lims.services")


def test_measurement_core_imports_neither_flask_nor_the_database() -> None:
    code = (
        "import sys\n"
        "import lims.metrology, lims.metrology.units, lims.metrology.uncertainty, lims.metrology.mpe\n"
        "import lims.metrology.decision, lims.metrology.montecarlo\n"
        "r = lims.metrology.uncertainty.evaluate_budget({'measurand': {'symbol': 'Y', 'unit': 'g'},"
        " 'model': 'x', 'inputs': [{'symbol': 'x', 'value': '1 g', 'standard_uncertainty': '1 mg'}]},"
        " monte_carlo=10000, seed=1)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m.startswith({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


def test_importing_the_package_alone_is_cheap() -> None:
    """``import lims.metrology`` loads only the error classes (pint and numpy load on demand)."""
    code = "import sys, lims.metrology; print('pint' in sys.modules, 'numpy' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "False"]
