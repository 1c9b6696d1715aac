"""Install the carried wheels into a temporary site and describe the machine (GPU, driver, versions).

Example:
    >>> info = describe("cpu")
    >>> info["device"], "torch" in info["versions"]
    ('cpu', True)
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

#: Distributions whose versions the table reports.
REPORTED = ("torch", "numpy", "scipy", "cupy-cuda13x", "cupy-cuda12x", "qiskit", "qiskit-aer", "pennylane",
            "pennylane-lightning", "qibo", "qibojit", "numba")


def install(wheels: Path, site: Path) -> dict[str, Any]:
    """``pip install --no-index --no-deps --target site wheels/*.whl``; put ``site`` on the paths."""
    files = sorted(wheels.glob("*.whl"))
    if not files:
        return {"installed": False, "why": f"no wheels in {wheels}: run scripts/device/fetch-wheels here first"}
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
               "--no-cache-dir", "--upgrade", "--disable-pip-version-check", "--target", str(site), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed ({done.returncode}): {done.stderr.strip()[-800:]}")
    add_to_path(site)
    return {"installed": True, "site": str(site), "wheels": [f.name for f in files]}


def add_to_path(site: Path) -> None:
    """Let this process and its children import from ``site`` (after the repository root)."""
    root = str(Path.cwd())
    sys.path[:] = [p for p in sys.path if p not in (root, "")]
    sys.path[0:0] = [root, str(site)]
    os.environ["PYTHONPATH"] = os.pathsep.join([root, str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)


def requirement_problems(manifest: Path) -> list[str]:
    """The wheels' requirements on packages the machine already has, that its versions do not meet."""
    if not manifest.is_file():
        return []
    from packaging.specifiers import SpecifierSet

    problems = []
    for req in json.loads(manifest.read_text()).get("device_requirements", []):
        try:
            have = metadata.version(req["package"])
        except metadata.PackageNotFoundError:
            problems.append(f"{req['needed_by']} needs {req['package']}{req['specifier']}: not installed")
            continue
        if req["specifier"] and not SpecifierSet(req["specifier"]).contains(have, prereleases=True):
            problems.append(f"{req['needed_by']} needs {req['package']}{req['specifier']}; found {have}")
    return sorted(set(problems))


def _nvidia_smi() -> dict[str, str]:
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30,
        ).stdout.strip().splitlines()
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": str(exc)}
    if not out:
        return {"error": "nvidia-smi printed nothing"}
    name, driver, memory, clock = (s.strip() for s in out[0].split(","))
    return {"name": name, "driver": driver, "memory": memory, "max_sm_clock": clock}


def describe(device: str) -> dict[str, Any]:
    """The machine as the table reports it: GPU, driver, CUDA, CPU cores, package versions."""
    import torch

    versions = {}
    for name in REPORTED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    info: dict[str, Any] = {
        "device": device,
        "python": platform.python_version(),
        "cpu_cores": os.cpu_count(),
        "torch_cuda": torch.version.cuda,
        "versions": versions,
    }
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        info["gpu"] = {"torch_name": props.name, "multiprocessors": props.multi_processor_count,
                       "memory_gib": round(props.total_memory / 2**30, 1),
                       "capability": f"{props.major}.{props.minor}", **_nvidia_smi()}
    return info
