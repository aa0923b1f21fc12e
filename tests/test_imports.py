"""No import cycles between the project's modules (DESIGN: imports point downwards only).

Two checks:

* every module of ``lims``, ``instruments``, ``certificates`` and ``traceability`` imports on its
  own, first, in a process where no other module of the project is loaded yet (a cycle that
  only works in one import order fails here). A fresh interpreter per module would cost about
  a second each, so one interpreter loads the third-party libraries the project imports, then
  forks a child per module, two at a time;
* the graph of imports between the project's modules, read from the source, has no cycle:
  neither among module-level imports nor closed by an import inside a function (such an
  import only hides the cycle). Imports under ``if TYPE_CHECKING:`` do not count.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lims", "instruments", "certificates", "traceability")

# Known cycles, allowed until the refactor that removes them lands: each entry is one import
# (importer, imported) that closes a cycle today. Empty this list as the cycles go; an entry
# that no longer closes a cycle fails the test, so that it is removed.
# Imports that are allowed to close a cycle: none. An entry needs a comment saying why the cycle
# cannot be broken, and test_the_known_cycles_are_still_there takes it off once it is broken.
KNOWN_CYCLES: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int
    local: bool  # inside a function body

    def __str__(self) -> str:
        where = "in a function" if self.local else "module level"
        return f"{self.importer} -> {self.imported} (line {self.line}, {where})"


@lru_cache(maxsize=1)
def project_modules() -> dict[str, tuple[Path, bool]]:
    """Every module of the project: dotted name -> (file, is a package)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, is_package: bool, modules) -> list[Import]:
    """The imports of project modules that running ``name`` can execute."""
    package = name if is_package else name.rpartition(".")[0]
    raw: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, True)
                continue
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                visit(ast.Module(body=child.orelse, type_ignores=[]), local)
                continue
            if isinstance(child, ast.Import):
                raw.extend((alias.name, child.lineno, local) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module != "__future__":
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                raw.append((target, child.lineno, local))
                raw.extend((f"{target}.{alias.name}", child.lineno, local) for alias in child.names
                           if f"{target}.{alias.name}" in modules)  # a submodule, not a name
            visit(child, local)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), False)
    out = []
    for target, line, local in raw:
        while target and target not in modules:  # `import a.b.c` of a name inside a module
            target = target.rpartition(".")[0]
        if target and target != name:
            out.append(Import(name, target, line, local))
    return out


@lru_cache(maxsize=1)
def import_graph() -> dict[str, dict[str, list[Import]]]:
    modules = project_modules()
    graph: dict[str, dict[str, list[Import]]] = {name: {} for name in modules}
    for name, (path, is_package) in modules.items():
        for imp in imports_of(name, path, is_package, modules):
            graph[name].setdefault(imp.imported, []).append(imp)
    return graph


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph (its modules in order, the first repeated at the end)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


def _describe(cycle: list[str], graph) -> str:
    return "\n".join(f"  {graph[a][b][0]}" for a, b in pairwise(cycle))


def test_module_level_imports_form_no_cycle() -> None:
    graph = import_graph()
    edges = {a: {b for b, imps in targets.items() if any(not i.local for i in imps) and (a, b) not in KNOWN_CYCLES}
             for a, targets in graph.items()}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle between modules:\n" + _describe(cycle, graph)


def test_no_import_inside_a_function_hides_a_cycle() -> None:
    graph = import_graph()
    edges = {a: {b for b in targets if (a, b) not in KNOWN_CYCLES} for a, targets in graph.items()}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle (hidden by an import inside a function):\n" + _describe(cycle, graph)


def test_the_known_cycles_are_still_there() -> None:
    """An allowed import that no longer closes a cycle is taken off KNOWN_CYCLES."""
    graph = import_graph()
    edges = {a: set(targets) for a, targets in graph.items()}
    gone = [f"{a} -> {b}" for a, b in sorted(KNOWN_CYCLES) if b not in edges.get(a, ()) or not _reaches(edges, b, a)]
    assert gone == [], f"no longer a cycle, remove from KNOWN_CYCLES: {gone}"


# ---------------------------------------------------------------- each module imported first, on its own

WORKERS = 2  # children importing at once (CI has two cores)

_FORK_EACH = r"""
import importlib, json, os, sys, traceback
names, preload, workers = json.loads(sys.stdin.read())
for lib in preload:  # third-party libraries only: no module of the project is loaded yet
    try:
        importlib.import_module(lib)
    except Exception:
        pass
if "werkzeug.security" in sys.modules:  # lims.services.users hashes a password at import: not scrypt here
    security = sys.modules["werkzeug.security"]
    slow = security.generate_password_hash
    security.generate_password_hash = lambda password, method="", salt_length=16: slow(password, "pbkdf2:sha256:1")
running, failures = {}, {}

def reap():
    pid, status = os.wait()
    name, fd = running.pop(pid)
    with os.fdopen(fd, "rb") as pipe:
        text = pipe.read().decode("utf-8", "replace")
    if text or status:
        failures[name] = text or f"the process ended with status {status}"

for name in names:
    while len(running) >= workers:
        reap()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            importlib.import_module(name)
            message = b""
        except BaseException:
            message = traceback.format_exc()[-3000:].encode() or b"failed"
        os.write(write, message)
        os._exit(0)
    os.close(write)
    running[pid] = (name, read)
while running:
    reap()
print(json.dumps(failures))
"""


def _third_party_imports(modules) -> list[str]:
    """The third-party modules the project imports (dotted names, also inside functions)."""
    names: set[str] = set()
    for path, _is_package in modules.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)  # submodules, if they are
    top = set(PACKAGES) | set(sys.stdlib_module_names) | {"__future__"}
    return sorted(n for n in names if n.split(".")[0] not in top)


def test_every_module_imports_first_and_on_its_own() -> None:
    modules = project_modules()
    names = sorted(modules)
    job = json.dumps([names, _third_party_imports(modules), WORKERS])
    proc = subprocess.run([sys.executable, "-c", _FORK_EACH], input=job, capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    failures = json.loads(proc.stdout)
    assert failures == {}, "modules that fail when imported first:\n" + "\n".join(
        f"{name}:\n{text}" for name, text in sorted(failures.items()))
