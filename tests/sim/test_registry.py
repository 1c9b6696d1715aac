"""The public backend registry: keyword-only Backend, register_backend, entry-point plugins.

Every simulated state is checked against numpy's FFT (QFT = sqrt(N) * ifft).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from qspectral import Backend, InvalidParameterError, qft, register_backend, simulate
from qspectral.sim import backends as registry
from tests.conftest import random_state


def statevector_runner(circuit, initial, dtype):
    """A tiny real simulator: qiskit.quantum_info.Statevector."""
    start = Statevector.from_int(0, 2**circuit.num_qubits) if initial is None else Statevector(initial)
    return start.evolve(circuit).data


@pytest.fixture
def registered():
    """Register test backends; remove them afterwards."""
    names = []

    def add(backend: Backend, **kwargs) -> None:
        register_backend(backend, **kwargs)
        names.append(backend.name)

    yield add
    for name in names:
        registry._REGISTRY.pop(name, None)
        registry._PROBED.pop(name, None)


def test_backend_fields_are_keyword_only():
    with pytest.raises(TypeError):
        Backend("positional", "not allowed", statevector_runner)  # type: ignore[misc]


def test_a_backend_registered_from_a_test_runs_through_simulate(registered, rng):
    registered(Backend(name="test-statevector", description="Statevector, from a test", runner=statevector_runner))
    assert "test-statevector" in registry.available_backends()
    psi = random_state(5, rng)
    out = simulate(qft(5), "test-statevector", initial_state=psi)
    assert np.max(np.abs(out - np.sqrt(32) * np.fft.ifft(psi))) < 1e-12
    single = simulate(qft(5), "test-statevector", initial_state=psi, dtype=np.complex64)
    assert single.dtype == np.complex64 and np.max(np.abs(single - np.sqrt(32) * np.fft.ifft(psi))) < 1e-6


def test_a_name_is_registered_once_unless_replaced(registered):
    registered(Backend(name="test-twice", description="first", runner=statevector_runner))
    with pytest.raises(InvalidParameterError, match="replace=True"):
        register_backend(Backend(name="test-twice", description="second", runner=statevector_runner))
    register_backend(Backend(name="test-twice", description="second", runner=statevector_runner), replace=True)
    assert registry.get_backend("test-twice").description == "second"
    with pytest.raises(TypeError, match="Backend"):
        register_backend("test-twice")  # type: ignore[arg-type]


def test_an_unavailable_registered_backend_is_refused_with_its_reason(registered):
    registered(Backend(
        name="test-absent", description="never here", runner=statevector_runner,
        availability=lambda: "it is a test; pip install nothing",
    ))
    status = {s.name: s for s in registry.backends()}["test-absent"]
    assert not status.available and "pip install nothing" in status.reason
    with pytest.raises(registry.BackendUnavailableError, match="pip install nothing"):
        simulate(qft(2), "test-absent")


def test_qspectral_declares_its_own_backends_as_entry_points():
    from importlib.metadata import entry_points

    declared = {ep.name for ep in entry_points(group=registry.ENTRY_POINT_GROUP) if ep.dist.name == "qspectral"}
    assert declared == {"aer", "aer.gpu", "lightning", "lightning.gpu", "default.qubit", "qiskit", "engine", "engine.gpu"}
    assert declared <= set(registry.backend_names())


PLUGIN = '''
from qiskit.quantum_info import Statevector
from qspectral import Backend


def _run(circuit, initial, dtype):
    start = Statevector.from_int(0, 2**circuit.num_qubits) if initial is None else Statevector(initial)
    return start.evolve(circuit).data


BACKEND = Backend(name="sv-plugin", description="Statevector from an installed plugin", runner=_run)
'''

PROBE = '''
import json, warnings
import numpy as np
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from qspectral import backends, qft, simulate
    names = [b.name for b in backends()]
psi = np.load("psi.npy")
out = simulate(qft(4), "sv-plugin", initial_state=psi)
print(json.dumps({"names": names, "warnings": [str(w.message) for w in caught if w.category is RuntimeWarning],
                  "out": [[z.real, z.imag] for z in out]}))
'''


def _install_plugin(root: Path, entry_points: str) -> None:
    """A real (if minimal) installed distribution: a module plus its .dist-info with entry points."""
    (root / "qs_sv_plugin.py").write_text(PLUGIN)
    info = root / "qs_sv_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: qs-sv-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def test_plugins_are_found_through_entry_points_and_a_broken_one_only_warns(tmp_path, rng):
    _install_plugin(tmp_path, textwrap.dedent("""\
        [qspectral.backends]
        sv-plugin = qs_sv_plugin:BACKEND
        broken-plugin = qs_no_such_module:BACKEND
        not-a-backend = qs_sv_plugin:_run
        """))
    psi = random_state(4, rng)
    np.save(tmp_path / "psi.npy", psi)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "QSPECTRAL_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "sv-plugin" in result["names"] and not {"broken-plugin", "not-a-backend"} & set(result["names"])
    assert {"aer", "qiskit", "engine"} <= set(result["names"])  # the built-ins are still there
    broken, wrong_type = result["warnings"]  # entry points load by name
    assert "broken-plugin" in broken and "qs_no_such_module" in broken and "qs-sv-plugin" in broken
    assert "not-a-backend" in wrong_type and "function" in wrong_type
    out = np.array([complex(re, im) for re, im in result["out"]])
    assert np.max(np.abs(out - 4 * np.fft.ifft(psi))) < 1e-12


def test_the_readme_example_of_adding_a_backend_runs():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    code = readme.split("### Adding a backend", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    try:
        exec(compile(code, "README.md", "exec"), {})  # its assert checks the state against numpy's FFT
        assert registry.get_backend("my-statevector").install == "pip install qiskit"
    finally:
        registry._REGISTRY.pop("my-statevector", None)
        registry._PROBED.pop("my-statevector", None)


def test_probe_answers_are_cached_on_disk_by_package_versions(tmp_path, monkeypatch):
    from qspectral.sim import probe_cache

    monkeypatch.setenv("QSPECTRAL_CACHE_DIR", str(tmp_path))
    calls = []

    def probe():
        calls.append(1)
        return "no GPU here; pip install something"

    for _ in range(2):
        assert probe_cache.cached_probe("test-gpu", ("numpy",), probe) == "no GPU here; pip install something"
    assert len(calls) == 1  # the second answer came from the file
    probe_cache.cached_probe("test-gpu", ("numpy", "qiskit"), probe)  # another key: probed again
    assert len(calls) == 2
    assert json.loads(probe_cache.probe_key(("numpy",)))["packages"] == {"numpy": np.__version__}
    probe_cache.cache_file().write_text("{not json")  # a damaged cache is ignored and rewritten
    assert probe_cache.cached_probe("test-gpu", ("numpy",), probe) is not None and len(calls) == 3
    assert "test-gpu" in json.loads(probe_cache.cache_file().read_text())
