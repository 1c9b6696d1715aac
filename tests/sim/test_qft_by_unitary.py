"""QFTs recognised by what their gates do (u1/cx, rz/sx/cx after transpilation, cp), checked against Aer."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile

from qspectral import qft, simulate
from qspectral.sim.engine import compile_circuit
from tests.conftest import random_state

# No "h" around the QFTs: an extra Hadamard next to a QFT's own fuses with it into a diagonal,
# which hides that Hadamard from the recogniser (the circuit still runs right, gate by gate).
ONE = ["x", "sx", "s", "t", "rx", "ry", "rz", "u"]
TWO = ["cx", "cz", "cp", "rzz", "swap", "crx"]
ANGLES = {"rx": 1, "ry": 1, "rz": 1, "u": 3, "cp": 1, "rzz": 1, "crx": 1}
FORMS = {
    "cp": dict(basis_gates=["h", "cp", "swap"], optimization_level=0),
    "u1/cx": dict(basis_gates=["h", "u1", "cx"], optimization_level=0),
    "rz/sx/cx": dict(basis_gates=["rz", "sx", "cx"], optimization_level=1),
}


def random_gates(circuit: QuantumCircuit, count: int, rng: np.random.Generator) -> None:
    n = circuit.num_qubits
    for _ in range(count):
        two = rng.random() < 0.4
        name = str(rng.choice(TWO if two else ONE))
        qubits = [int(q) for q in rng.permutation(n)[: 2 if two else 1]]
        getattr(circuit, name)(*rng.uniform(-3, 3, ANGLES.get(name, 0)), *qubits)


def written_qft(m: int, form: str, *, inverse: bool, do_swaps: bool) -> QuantumCircuit:
    """The QFT on m qubits as the gates of ``form`` (Qiskit's transpiler writes them)."""
    return transpile(qft(m, inverse=inverse, do_swaps=do_swaps), **FORMS[form])


def fft_sizes(circuit: QuantumCircuit) -> list[int]:
    return [len(step.wires) for step in compile_circuit(circuit).steps if step.kind == "fft"]


@pytest.mark.parametrize("form", FORMS)
def test_random_circuits_with_embedded_qfts_agree_with_aer(form):
    rng = np.random.default_rng(sorted(FORMS).index(form))
    for trial in range(16):
        n = int(rng.integers(3, 8))
        m = int(rng.integers(2, n + 1))
        subset = [int(q) for q in rng.permutation(n)[:m]]
        inverse, do_swaps = bool(trial & 1), bool(trial & 2)
        circuit = QuantumCircuit(n, global_phase=rng.uniform(0, 6))
        random_gates(circuit, int(rng.integers(0, 12)), rng)
        circuit.compose(written_qft(m, form, inverse=inverse, do_swaps=do_swaps), subset, inplace=True)
        random_gates(circuit, int(rng.integers(0, 12)), rng)
        psi = random_state(n, rng)
        out = simulate(circuit, "engine", initial_state=psi)
        assert np.max(np.abs(out - simulate(circuit, "aer", initial_state=psi))) < 1e-10, trial
        assert m in fft_sizes(circuit), (trial, compile_circuit(circuit).describe())


@pytest.mark.parametrize("form", ["u1/cx", "rz/sx/cx"])
def test_an_18_qubit_qft_runs_as_one_fft(form):
    circuit = written_qft(18, form, inverse=False, do_swaps=True)
    assert set(circuit.count_ops()) <= set(FORMS[form]["basis_gates"])
    assert fft_sizes(circuit) == [18]
    psi = random_state(18, np.random.default_rng(18))
    out = simulate(circuit, "engine", initial_state=psi)
    assert np.max(np.abs(out - np.sqrt(2**18) * np.fft.ifft(psi))) < 1e-10
    assert np.max(np.abs(out - simulate(circuit, "aer", initial_state=psi))) < 1e-10


@pytest.mark.parametrize("form", FORMS)
def test_a_near_qft_is_not_recognised(form):
    """One controlled phase off by 1e-3: no FFT of the full size, and the state is still right."""
    m = 5
    exact = qft(m, do_swaps=False).decompose()
    index = next(i for i, inst in enumerate(exact.data) if inst.operation.name == "cp")
    angle = float(exact.data[index].operation.params[0])
    exact.data[index] = exact.data[index].replace(params=[angle + 1e-3])
    near = transpile(exact, **FORMS[form])
    assert fft_sizes(transpile(qft(m, do_swaps=False).decompose(), **FORMS[form])) == [m]  # the exact one is
    assert m not in fft_sizes(near)
    psi = random_state(m, np.random.default_rng(3))
    assert np.max(np.abs(simulate(near, "engine", initial_state=psi) - simulate(near, "aer", initial_state=psi))) < 1e-10


@pytest.mark.parametrize("phase_pair", [("p", "rz"), ("rz", "p")])
def test_a_run_that_is_only_a_global_phase_keeps_its_phase_next_to_a_qft(phase_pair):
    # p(t) rz(-t) = exp(i t/2) * I: the fused run is read as no gate at all, and its global phase
    # must still reach the state (it was dropped once, when a QFT elsewhere was recognised)
    from qiskit.quantum_info import Statevector

    theta = 12.047765255267965
    circuit = QuantumCircuit(4)
    circuit.compose(written_qft(3, "cp", inverse=False, do_swaps=True), [1, 2, 3], inplace=True)
    first, second = phase_pair
    getattr(circuit, first)(theta if first == "p" else -theta, 0)
    getattr(circuit, second)(theta if second == "p" else -theta, 0)
    psi = random_state(4, seed=7)
    expected = Statevector(psi).evolve(circuit).data
    assert fft_sizes(circuit) == [3]
    np.testing.assert_allclose(simulate(circuit, "engine", initial_state=psi), expected, atol=1e-12)
