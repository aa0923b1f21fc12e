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


def test_the_error_base_imports_nothing() -> None:
    """lims.errors, the base of every pure package's errors, loads no module outside the standard library."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import lims.errors\n"
        "new = sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names)\n"
        "print(','.join(new))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "lims,lims.errors"


def test_every_exception_class_of_the_core_is_a_lims_error() -> None:
    import importlib
    import inspect
    import pkgutil

    import lims.metrology
    import traceability
    from lims.errors import LimsError

    found = []
    for package in (lims.metrology, traceability):
        names = [package.__name__] + [info.name for info in pkgutil.walk_packages(package.__path__,
                                                                                  f"{package.__name__}.")]
        for name in names:
            module = importlib.import_module(name)
            found += [obj for _, obj in inspect.getmembers(module, inspect.isclass)
                      if issubclass(obj, BaseException) and obj.__module__ == name]
    assert {cls.__name__ for cls in found} == {"MetrologyError", "UnitError", "BudgetError", "BudgetUnitError",
                                               "MPEError", "DecisionError", "NumberTextError", "GS1Error",
                                               "EventError"}
    assert all(issubclass(cls, LimsError) for cls in found)
    assert all(issubclass(cls, ValueError) for cls in found if cls.__name__ != "MetrologyError")
