"""The package's layering, read from the source with ``ast`` (nothing is imported).

- the import graph of ``qspectral`` has no cycle: neither the module-level one nor the one with
  function-local imports (``if TYPE_CHECKING:`` imports never run and are left out);
- nothing under ``qspectral/quantum/`` or ``qspectral/kernels/`` imports ``qspectral.sim``, at
  any level (function-local imports included): data flows kernels <- quantum <- sim;
- the engine's compile modules do not import torch, directly or through the qspectral modules
  they import at module level.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import qspectral

ROOT = Path(qspectral.__file__).parent
#: The engine's compile stage: plain data, no torch.
COMPILE_MODULES = (
    "qspectral.sim.engine.program",
    "qspectral.sim.engine.flatten",
    "qspectral.sim.engine.qft_recognition",
    "qspectral.sim.engine.compiler",
    "qspectral.sim.engine.runs",
    "qspectral.sim.engine.matrices",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (they never run)."""
    return {
        id(n) for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for n in ast.walk(block) if isinstance(n, (ast.Import, ast.ImportFrom))
    }


def _imports(path: Path, *, module_level_only: bool) -> set[str]:
    """Absolute names of the modules ``path`` imports (``from a import b`` counts ``a`` and ``a.b``).

    ``module_level_only``: the imports that run when the module is imported (top level, and
    ``try:`` blocks there); otherwise every import statement, function-local ones included.
    """
    tree = ast.parse(path.read_text(), str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    if module_level_only:
        nodes = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        nodes += [
            n for block in tree.body if isinstance(block, ast.Try) for n in block.body
            if isinstance(n, (ast.Import, ast.ImportFrom))
        ]
    else:
        skip = _type_checking_only(tree)
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom)) and id(n) not in skip]
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(anchor + ([base] if base else []))
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _graph(*, module_level_only: bool = True) -> dict[str, set[str]]:
    """Module -> the qspectral modules it imports (at module level, or anywhere)."""
    return {
        name: {i for i in _imports(path, module_level_only=module_level_only) if i in MODULES} - {name}
        for name, path in MODULES.items()
    }


def test_the_walk_sees_the_whole_package():
    assert {"qspectral.sim.engine.compiler", "qspectral.kernels.gates", "qspectral.quantum.models"} <= set(MODULES)
    assert "qspectral.kernels.apply" in _graph()["qspectral.quantum.models"]


@pytest.mark.parametrize("module_level_only", [True, False], ids=["module-level", "function-local-too"])
def test_the_import_graph_has_no_cycle(module_level_only):
    """Not even through function-local imports (main had sim.backends <-> sim.engine that way)."""
    graph = _graph(module_level_only=module_level_only)
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [node, nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, f"import cycles: {cycles}"


def test_quantum_and_kernels_never_import_sim():
    offenders = {
        name: sorted(i for i in _imports(path, module_level_only=False) if i == "qspectral.sim" or i.startswith("qspectral.sim."))
        for name, path in MODULES.items()
        if name.startswith(("qspectral.quantum", "qspectral.kernels"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_engine_compile_modules_do_not_import_torch():
    graph = _graph()
    for module in COMPILE_MODULES:
        reached, todo = set(), [module]
        while todo:
            current = todo.pop()
            if current in reached:
                continue
            reached.add(current)
            todo.extend(graph[current])
        torch_users = sorted(
            m for m in reached
            if any(i == "torch" or i.startswith("torch.") for i in _imports(MODULES[m], module_level_only=True))
        )
        assert not torch_users, f"{module} imports torch through {torch_users}"


def test_compiling_and_the_pennylane_package_import_neither_torch_nor_pennylane():
    """At run time too: a fresh interpreter compiles a circuit without loading torch or PennyLane."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import qspectral.sim.pennylane\n"
        "from qspectral import qft\n"
        "from qspectral.sim.engine import compile_circuit\n"
        "assert compile_circuit(qft(3)).describe() == ['fft [0, 1, 2] (forward)']\n"
        "print(sorted(m for m in ('torch', 'pennylane') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_module_over_500_lines_says_why_in_its_docstring():
    # the house rule: small modules with one job; a long one states its reason ("Over 500 lines: ...")
    silent = []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text()
        if text.count("\n") > 500 and "Over 500 lines:" not in (ast.get_docstring(ast.parse(text)) or ""):
            silent.append(f"{_module_name(path)} ({text.count(chr(10))} lines)")
    assert not silent, f"modules over 500 lines without a reason in their docstring: {silent}"
