"""Every message a person can see goes through the catalogs: no error of the measurement core, the
instruments, the services or the web layer is raised with English text written in place (a plain
string or an f-string), and no field's message is given one either (``fail``, ``budget_error`` ...).

:mod:`tests.i18n.test_catalogs` then checks that each message has its Vietnamese translation. Before,
some 200 such messages (budget errors, MPE and decision rules, device protocol errors) reached
Vietnamese pages in English. Errors of the program's own mistakes (``ValueError``, ``TypeError`` ...
raised for a caller's bug) and the few modules that speak only to an operator's terminal are named
below, each with its reason."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lims/metrology", "instruments", "lims/services", "lims/web", "traceability")
#: Built-in exceptions raised for a programming mistake of the caller, never shown on a page.
PROGRAMMER_ERRORS = {"ValueError", "TypeError", "AssertionError", "NotImplementedError", "KeyError", "RuntimeError",
                     "LookupError", "SerialException"}
#: Calls that give a field its message.
MESSAGE_CALLS = {"fail", "budget_error", "budget_unit_error", "_fail", "_model_error", "_invalid"}
#: Modules whose messages only an operator's terminal shows, in the program's own words.
TERMINAL_ONLY = {
    "lims/services/backup.py": "lims backup (the command line)",
    "lims/services/backup_archive.py": "lims backup / restore (the command line)",
    "lims/services/restore.py": "lims restore (the command line)",
    "lims/services/demo_workflow.py": "lims demo: the demo's own data is missing",
    "lims/services/demo_sample.py": "lims demo: the demo's own data is missing",
    "lims/services/demo_certificates.py": "lims demo: the demo's own data is missing",
    "instruments/testing.py": "the drivers' test transcripts",
    "lims/services/certificates/document.py": "the certificates package's document check (a program error)",
    "lims/services/certificates/rows.py": "the certificates package's document check (a program error)",
}
_WORDS = re.compile(r"[A-Za-z]{2,}[ ,:;]+[A-Za-z(']")


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(_WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and _WORDS.search(str(v.value)) for v in node.values)
    return False


def _name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def untranslated(source: str) -> list[int]:
    """Lines where a message is written in place instead of through ``_()``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        call = None
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            if _name(node.exc.func) not in PROGRAMMER_ERRORS:
                call = node.exc
        elif isinstance(node, ast.Call) and _name(node.func) in MESSAGE_CALLS:
            call = node
        if call is not None and any(_is_text(arg) for arg in call.args):
            found.append(call.lineno)
    return sorted(set(found))


def test_the_check_finds_messages_written_in_place():
    source = '''
def f(x):
    raise UnitError(f"the unit {x} is unknown")
def g(c):
    c.fail("points", "no readings here")
def h(x):
    raise MPEError(_("the MPE %(x)s is negative", x=x))
def k(n):
    raise ValueError(f"count must be at least 1, got {n}")
'''
    assert untranslated(source) == [3, 5]


def test_no_message_is_written_in_place():
    faults = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in TERMINAL_ONLY:
                continue
            faults += [f"{relative}:{line}" for line in untranslated(path.read_text(encoding="utf-8"))]
    assert not faults, "messages not through the catalogs:\n" + "\n".join(faults)
