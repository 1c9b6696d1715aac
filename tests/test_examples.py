"""Run every script in examples/ the way a user would, with a small size, and check what it prints.

Each example runs in a fresh subprocess with ``--quick`` (plus the arguments listed below) in a
temporary working directory, so files it writes to default relative paths land there. A new
example must be added to ``EXAMPLES`` with the printed line that shows its own check passed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"


@dataclass(frozen=True)
class Example:
    expect: str  # a regex that must match a line of stdout: the example's own check passing
    args: tuple[str, ...] = ("--quick",)
    files: tuple[str, ...] = field(default=())  # paths (relative to the working directory) it must write


EXAMPLES = {
    "qft_basics.py": Example(expect=r"^all backends agree with numpy\.fft$"),
    "spectral_filter.py": Example(
        expect=r"^OK: .*aer match the numpy filter and its success probability within 1e-08$",
        files=("results/examples/spectral_filter.png",),
    ),
    "pennylane_device.py": Example(
        expect=r"^OK: the qspectral\.engine device matches default\.qubit \(values 1e-10, backprop gradients 1e-8\)$",
    ),
    "qiskit_primitives.py": Example(
        expect=r"^OK: EngineEstimator matches StatevectorEstimator within 1e-10 and EngineSampler follows the exact "
        r"distribution$",
    ),
    "quantum_fourier_model.py": Example(
        expect=r"^OK: coefficients match PennyLane within 1e-10 and the trained model reproduces the target series$",
    ),
}


#: Examples with a test of their own that checks more than the printed line (script -> test file).
DEDICATED = {"submit_offline.py": "tests/cloud/test_example.py"}


def test_dedicated_example_tests_exist():
    root = EXAMPLES_DIR.parent
    for script, test_file in DEDICATED.items():
        assert (EXAMPLES_DIR / script).is_file() and script in (root / test_file).read_text()


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES_DIR.glob("*.py") if p.name not in DEDICATED))
def test_example_runs_and_its_check_passes(script, tmp_path):
    assert script in EXAMPLES, (
        f"examples/{script} is not listed in tests/test_examples.py::EXAMPLES; add it with the "
        "arguments for a small run and the printed line that shows its check passed"
    )
    spec = EXAMPLES[script]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES_DIR / script), *spec.args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert re.search(spec.expect, result.stdout, re.MULTILINE), (
        f"no line matching {spec.expect!r} in the output:\n{result.stdout}"
    )
    for relative in spec.files:
        written = tmp_path / relative
        assert written.is_file() and written.stat().st_size > 0, f"{script} did not write {relative}"


def test_spectral_filter_example_reports_small_errors(tmp_path):
    """The example's printed max |delta| and P(success) agree with numpy, not just its OK line."""
    out = tmp_path / "plot.png"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES_DIR / "spectral_filter.py"), "--qubits", "4", "--cutoff", "2",
         "--out", str(out)],
        cwd=tmp_path, env={**os.environ, "MPLBACKEND": "Agg"}, capture_output=True, text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pattern = r"^(\w+)\s+([0-9.e+-]+)\s+([0-9.]+)\s+([0-9.]+)\s+[0-9.]+s$"
    rows = re.findall(pattern, result.stdout, re.MULTILINE)
    assert "aer" in [row[0] for row in rows], result.stdout
    for _, delta, probability, reference in rows:
        assert float(delta) < 1e-8
        assert abs(float(probability) - float(reference)) < 1e-6
    assert out.is_file()
