"""The canonical circuit library: export it to ``circuits/`` as OpenQASM 3 and verify it anywhere.

Each entry of :data:`CATALOGUE` is a circuit builder plus, in ``circuits/manifest.json``, what the
circuit must produce: its qubit count, an input-state recipe and a closed-form output (numpy's FFT,
``numpy.roll``, FFT filtering) with a tolerance. ``verify`` loads every file back with Qiskit's
OpenQASM 3 importer and checks it on each backend against that closed form, so the files are
checked, not just written.

Closed forms (qspectral convention, ``c = fft(psi) / sqrt(M)`` on the subset):

- ``qft``: ``apply_qft(psi, qubits, inverse, do_swaps)``; an approximate QFT must be within the
  operator-norm bound of :func:`~qspectral.quantum.qft.aqft_error_bound` in L2 norm;
- ``roll``: ``numpy.roll(psi, shift)``;
- ``spectral_phase``: ``ifft(exp(1j * phases) * fft(psi))``;
- ``spectral_filter``: the ancilla-``|0>`` half of the output equals ``ifft(gains * fft(psi))``.

Example:
    >>> entry = CATALOGUE["qft_3"]
    >>> entry.build().num_qubits, entry.manifest()["expected"]["kind"]
    (3, 'qft')
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from qiskit import QuantumCircuit

from qspectral.conventions import apply_qft, random_state
from qspectral.errors import QSpectralError
from qspectral.quantum.qasm import load_qasm, to_qasm3
from qspectral.quantum.qft import aqft_error_bound, qft
from qspectral.quantum.spectral_ops import fourier_shift, spectral_filter, spectral_phase
from qspectral.sim.backends import available_backends, simulate

#: Where ``qspectral circuits export`` writes by default (relative to the working directory).
DEFAULT_DIRECTORY = Path("circuits")
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class CanonicalCircuit:
    """A library circuit: how to build it, its input recipe and its closed-form output."""

    name: str
    description: str
    build: Callable[[], QuantumCircuit]
    input: dict
    expected: dict
    tolerance: float = 1e-10

    def manifest(self) -> dict:
        """The manifest entry: file, qubits, input recipe, expected closed form, tolerance."""
        return {
            "file": f"{self.name}.qasm",
            "description": self.description,
            "qubits": self.build().num_qubits,
            "input": self.input,
            "expected": self.expected,
            "tolerance": self.tolerance,
        }


def _low_pass(m: int) -> list[float]:
    k = np.minimum(np.arange(2**m), 2**m - np.arange(2**m))  # |frequency|
    return [round(float(np.exp(-((k_ / 2.0) ** 2))), 12) for k_ in k]


def _phases(m: int) -> list[float]:
    return [round(float(0.3 * k**2 - 1.1 * k), 12) for k in range(2**m)]


def _catalogue() -> dict[str, CanonicalCircuit]:
    entries = []
    for n in (3, 4, 8):
        for inverse in (False, True):
            name = f"{'iqft' if inverse else 'qft'}_{n}"
            entries.append(
                CanonicalCircuit(
                    name,
                    f"{'inverse ' if inverse else ''}QFT on {n} qubits",
                    lambda n=n, inverse=inverse: qft(n, inverse=inverse),
                    {"kind": "random", "seed": n},
                    {"kind": "qft", "qubits": list(range(n)), "inverse": inverse, "do_swaps": True},
                )
            )
    entries += [
        CanonicalCircuit(
            "aqft_8_d4", "approximate QFT on 8 qubits, approximation_degree 4",
            lambda: qft(8, approximation_degree=4), {"kind": "random", "seed": 8},
            {"kind": "qft", "qubits": list(range(8)), "inverse": False, "do_swaps": True, "metric": "l2"},
            tolerance=round(aqft_error_bound(8, 4), 12),
        ),
        CanonicalCircuit(
            "qft_noswap_4", "QFT on 4 qubits without the final swaps (bit-reversed output)",
            lambda: qft(4, do_swaps=False), {"kind": "random", "seed": 41},
            {"kind": "qft", "qubits": list(range(4)), "inverse": False, "do_swaps": False},
        ),
        CanonicalCircuit(
            "qft_subset_6", "QFT on qubits [4, 1, 3] of a 6-qubit register (qubit 4 least significant)",
            lambda: qft(6, [4, 1, 3]), {"kind": "random", "seed": 6},
            {"kind": "qft", "qubits": [4, 1, 3], "inverse": False, "do_swaps": True},
        ),
        CanonicalCircuit(
            "fourier_shift_5", "add 3 modulo 32 to a 5-qubit register (QFT, phases, inverse QFT)",
            lambda: fourier_shift(5, 3), {"kind": "random", "seed": 5}, {"kind": "roll", "shift": 3},
        ),
        CanonicalCircuit(
            "spectral_phase_4", "phases 0.3 k^2 - 1.1 k on the 16 Fourier coefficients",
            lambda: spectral_phase(4, _phases(4)), {"kind": "random", "seed": 44},
            {"kind": "spectral_phase", "phases": _phases(4)},
        ),
        CanonicalCircuit(
            "spectral_filter_4", "Gaussian low-pass filter on 4 data qubits, ancilla = qubit 4",
            lambda: spectral_filter(4, _low_pass(4)).circuit, {"kind": "random", "seed": 45},
            {"kind": "spectral_filter", "gains": _low_pass(4), "data_qubits": 4},
        ),
    ]
    return {e.name: e for e in entries}


CATALOGUE: dict[str, CanonicalCircuit] = _catalogue()


def input_state(recipe: dict, num_qubits: int) -> np.ndarray:
    """Build the input state a manifest entry asks for (``random`` with a seed, or ``basis``)."""
    if recipe["kind"] == "random":
        return random_state(num_qubits, seed=recipe["seed"])
    if recipe["kind"] == "basis":
        psi = np.zeros(2**num_qubits, dtype=complex)
        psi[recipe["index"]] = 1
        return psi
    raise QSpectralError(f"unknown input recipe {recipe!r}; use 'random' (with a seed) or 'basis'")


def deviation(expected: dict, psi: np.ndarray, output: np.ndarray) -> float:
    """The error of ``output`` against the closed form ``expected`` for the data input ``psi``.

    ``expected["metric"]`` is ``"max_abs"`` (default: the largest amplitude error) or ``"l2"``
    (the Euclidean norm of the difference, used for the approximate QFT and its operator-norm bound).
    """
    kind = expected["kind"]
    if kind == "qft":
        reference = apply_qft(psi, expected["qubits"], inverse=expected["inverse"], do_swaps=expected["do_swaps"])
    elif kind == "roll":
        reference = np.roll(psi, expected["shift"])
    elif kind == "spectral_phase":
        reference = np.fft.ifft(np.exp(1j * np.asarray(expected["phases"])) * np.fft.fft(psi))
    elif kind == "spectral_filter":
        output = output[: psi.size]  # the ancilla-|0> half
        reference = np.fft.ifft(np.asarray(expected["gains"]) * np.fft.fft(psi))
    else:
        raise QSpectralError(f"unknown closed form {kind!r} in the manifest")
    if expected.get("metric", "max_abs") == "l2":
        return float(np.linalg.norm(output - reference))
    return float(np.max(np.abs(output - reference)))


def export_library(directory: str | Path = DEFAULT_DIRECTORY) -> list[Path]:
    """Write every catalogue circuit as ``NAME.qasm`` (OpenQASM 3) and ``manifest.json``."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    manifest = {}
    for name, entry in CATALOGUE.items():
        path = folder / f"{name}.qasm"
        path.write_text(to_qasm3(entry.build()))
        written.append(path)
        manifest[name] = entry.manifest()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return written + [folder / MANIFEST]


@dataclass(frozen=True)
class Verification:
    """One file checked on one backend."""

    circuit: str
    backend: str
    error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        """True when the error is within the manifest's tolerance."""
        return self.error <= self.tolerance


def verify_library(
    directory: str | Path = DEFAULT_DIRECTORY, backends: list[str] | None = None
) -> list[Verification]:
    """Load every file listed in the manifest and check it on each backend against its closed form."""
    folder = Path(directory)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise FileNotFoundError(
            f"no {MANIFEST} in {folder}; run `qspectral circuits export --dir {folder}` first"
        )
    manifest = json.loads(manifest_path.read_text())
    names = backends if backends is not None else available_backends()
    results = []
    for name, entry in manifest.items():
        circuit = load_qasm(folder / entry["file"])
        expected = entry["expected"]
        data_qubits = expected.get("data_qubits", entry["qubits"])
        psi = input_state(entry["input"], data_qubits)
        full = np.zeros(2 ** entry["qubits"], dtype=complex)
        full[: psi.size] = psi  # extra (ancilla) qubits are the highest and start in |0>
        for backend in names:
            output = simulate(circuit, backend, initial_state=full)
            results.append(Verification(name, backend, deviation(expected, psi, output), entry["tolerance"]))
    return results
