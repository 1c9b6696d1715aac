"""The phases that run as child processes: pytest, ``qspectral bench`` and ``qspectral reproduce``.

Each child gets a timeout (what is left of the check's time, capped per phase), writes into a
scratch folder (never into ``$OUT``, whose file count is limited), and is summarised into the
record: pytest's counts from its JUnit XML, the benchmarks' JSON, each experiment's claims.

Example:
    >>> summary = junit_counts('<testsuite tests="3" failures="1" errors="0" skipped="1">'
    ...     '<testcase classname="a" name="t"><failure message="boom"/></testcase></testsuite>')
    >>> summary["passed"], summary["failed"], summary["failures"][0]["test"]
    (1, 1, 'a::t')
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

CLI = [sys.executable, "-m", "qspectral.cli"]
#: Experiments in the order the check runs their full mode: the ones whose full mode has never run and
#: may fit in a GPU window first, GEMM-bound before dispatch-bound (one-core CPU cost measured per
#: step in session 5: denoiser-spectral-bias ~3 h, self-diffusion images ~6 h, amplitude-phase <= 5 h,
#: spectral-bias ~180 h, pde ~3600 h), then those whose full mode already ran on a CPU.
EXPERIMENT_ORDER = ("denoiser-spectral-bias", "self-diffusion", "amplitude-phase", "spectral-bias", "pde",
                    "qft-wiener-filter", "schedule-design", "born-machine", "fourier-degree")


def run_child(command: list[str], timeout: float, log: Path, cwd: Path | None = None) -> dict[str, Any]:
    """Run ``command`` (in ``cwd``) with a timeout; stdout and stderr go to ``log``; return rc, seconds, tail."""
    start = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        try:
            rc = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, timeout=max(timeout, 1),
                                cwd=cwd).returncode
            timed_out = False
        except subprocess.TimeoutExpired:
            rc, timed_out = None, True
    text = log.read_text(errors="replace")
    return {"command": " ".join(command), "rc": rc, "timed_out": timed_out,
            "seconds": round(time.perf_counter() - start, 2), "tail": text[-1500:]}


def junit_counts(xml: str) -> dict[str, Any]:
    """passed / failed / errors / skipped, and the failing tests with their messages, from JUnit XML."""
    root = ET.fromstring(xml)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    failures = []
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            node = case.find(kind)
            if node is not None:
                failures.append({"test": f"{case.get('classname')}::{case.get('name')}", "kind": kind,
                                 "message": (node.get("message") or node.text or "")[:400]})
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    return {"passed": passed, "failed": total["failures"], "errors": total["errors"], "skipped": total["skipped"],
            "failures": failures[:20]}


def gpu_test_files(root: Path) -> list[str]:
    """The test files that mark a test ``gpu`` (found by content, so moved files are still found)."""
    return sorted(str(p.relative_to(root)) for p in (root / "tests").rglob("test_*.py")
                  if "pytest.mark.gpu" in p.read_text(errors="replace"))


def run_pytest(targets: list[str], selection: list[str], scratch: Path, timeout: float) -> dict[str, Any]:
    """pytest on ``targets`` with ``selection`` (e.g. ``-k "gpu or cuda"``); counts from its JUnit XML.

    It runs in ``scratch`` (absolute paths to the targets), so what tests write into the current
    folder (hypothesis' database) stays out of the repository.
    """
    xml = scratch / "junit.xml"
    scratch.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors",
               "-o", "addopts=--import-mode=importlib", f"--junitxml={xml}", *selection,
               *(str(Path(t).resolve()) for t in targets)]
    result = run_child(command, timeout, scratch / "pytest.log", cwd=scratch)
    if xml.is_file():
        result.update(junit_counts(xml.read_text()))
    return result


def run_bench_cli(args: list[str], scratch: Path, timeout: float) -> dict[str, Any]:
    """``qspectral bench ARGS --out scratch``; the JSON rows it wrote come back in ``rows``."""
    out = scratch / "bench-cli"
    result = run_child([*CLI, "bench", *args, "--out", str(out)], timeout, scratch / f"bench-{args[0]}.log")
    rows = []
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text())
        rows += data if isinstance(data, list) else [data]
    result["rows"] = rows
    return result


def run_experiment(name: str, mode: str, device: str, scratch: Path, timeout: float) -> dict[str, Any]:
    """``qspectral reproduce NAME --MODE --device D``; its claims from ``metrics.json``."""
    out = scratch / "experiments"
    command = [*CLI, "reproduce", name, f"--{mode}", "--device", device, "--out", str(out), "--no-progress"]
    result = run_child(command, timeout, scratch / f"experiment-{name}.log")
    metrics = out / name / "metrics.json"
    if metrics.is_file():
        document = json.loads(metrics.read_text())
        result["claims"] = document.get("claims", [])
    return result


def experiment_names() -> list[str]:
    """Registered experiments, in :data:`EXPERIMENT_ORDER` first, then any others."""
    import qspectral

    names = list(qspectral.experiment_names())
    return [n for n in EXPERIMENT_ORDER if n in names] + [n for n in names if n not in EXPERIMENT_ORDER]
