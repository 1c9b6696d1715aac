"""simulate() and the registry: bad input, the PennyLane converter gate by gate, GPU skips."""

from __future__ import annotations


import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter
from qiskit.circuit.library import (
    DiagonalGate,
    QFTGate,
    UnitaryGate,
    get_standard_gate_name_mapping,
)
from qiskit.quantum_info import Statevector, random_unitary

from qspectral import (
    BackendUnavailableError,
    InsufficientMemoryError,
    InvalidStateError,
    UnknownBackendError,
    UnsupportedCircuitError,
    backends,
    qft,
    simulate,
)
from qspectral.sim.backends import available_backends, check_memory
from qspectral.sim.pennylane.bridge import _table
from tests.conftest import random_state

def test_every_cpu_backend_is_available_here():
    assert set(available_backends(include_gpu=False)) >= {"aer", "lightning", "default.qubit", "qiskit"}


def test_backends_lists_unavailable_ones_with_a_reason_and_an_install_hint():
    for status in backends():
        if not status.available:
            assert status.reason and "pip install" in status.reason


# ---------------------------------------------------------------- PennyLane converter, gate by gate
def _gate_cases():
    mapping = get_standard_gate_name_mapping()
    rng = np.random.default_rng(7)
    for name in sorted(_table()):
        gate = mapping[name]
        if gate.params:
            gate = gate.__class__(*rng.uniform(-np.pi, np.pi, len(gate.params)))
        yield pytest.param(gate, id=name)


@pytest.mark.backends("lightning", "default.qubit")
@pytest.mark.parametrize("gate", _gate_cases())
def test_pennylane_converter_gate_by_gate(backend, gate, rng):
    n = gate.num_qubits + 1
    qubits = list(rng.permutation(n)[: gate.num_qubits])
    circuit = QuantumCircuit(n)
    circuit.append(gate, [int(q) for q in qubits])
    psi = random_state(n, rng)
    expected = Statevector(psi).evolve(circuit).data
    assert np.max(np.abs(simulate(circuit, backend, initial_state=psi) - expected)) < 1e-12


@pytest.mark.backends("lightning", "default.qubit")
def test_pennylane_converter_handles_definitions_matrices_and_phases(backend, rng):
    n = 4
    circuit = QuantumCircuit(n, global_phase=0.4)
    circuit.append(UnitaryGate(random_unitary(4, seed=3)), [2, 0])
    circuit.append(DiagonalGate(list(np.exp(1j * rng.uniform(0, 6, 8)))), [1, 3, 0])
    circuit.append(QFTGate(3), [3, 1, 2])
    circuit.mcp(0.3, [0, 1, 2], 3)
    circuit.append(qft(3, [2, 0, 1], inverse=True, do_swaps=False).to_gate(), [0, 1, 2])
    psi = random_state(n, rng)
    expected = Statevector(psi).evolve(circuit).data
    assert np.max(np.abs(simulate(circuit, backend, initial_state=psi) - expected)) < 1e-12


@pytest.mark.backends("lightning", "default.qubit")
@pytest.mark.parametrize("approximation_degree", [0, 2])
def test_inverse_qft_reaches_pennylane_as_gates_not_a_dense_matrix(backend, approximation_degree, rng):
    # A lazy Adjoint(QFT) would be built by default.qubit as a 2^n x 2^n matrix (128 TiB at 22 qubits).
    from qspectral.sim.pennylane.bridge import circuit_to_pennylane_ops

    n = 7
    circuit = qft(n, inverse=True, approximation_degree=approximation_degree)
    ops, _ = circuit_to_pennylane_ops(circuit)
    assert max(len(op.wires) for op in ops) == 2
    psi = random_state(n, rng)
    expected = Statevector(psi).evolve(circuit).data
    assert np.max(np.abs(simulate(circuit, backend, initial_state=psi) - expected)) < 1e-12


def test_complex64_is_close_and_returned_as_complex64(backend, rng):
    psi = random_state(6, rng)
    out = simulate(qft(6, [5, 1, 3]), backend, initial_state=psi, dtype=np.complex64)
    assert out.dtype == np.complex64
    assert np.max(np.abs(out - simulate(qft(6, [5, 1, 3]), "qiskit", initial_state=psi))) < 1e-5


def test_default_initial_state_is_all_zeros(backend):
    circuit = QuantumCircuit(3)
    circuit.x(1)
    expected = np.zeros(8)
    expected[2] = 1
    assert np.allclose(simulate(circuit, backend), expected)


# ---------------------------------------------------------------- bad input, raised before any work
def test_initial_state_of_wrong_length():
    with pytest.raises(InvalidStateError, match=r"has 8 amplitudes but the circuit has 4 qubits, which need 16"):
        simulate(qft(4), initial_state=np.ones(8) / np.sqrt(8))


@pytest.mark.parametrize("bad, fragment", [(np.nan, "NaN or infinite"), (np.inf, "NaN or infinite")])
def test_initial_state_not_finite(bad, fragment):
    psi = np.ones(4) / 2
    psi[2] = bad
    with pytest.raises(InvalidStateError, match=fragment):
        simulate(qft(2), initial_state=psi)


def test_initial_state_not_normalised_says_how_to_fix():
    with pytest.raises(InvalidStateError, match=r"norm is 2, not 1.*divide it by numpy.linalg.norm"):
        simulate(qft(2), initial_state=np.ones(4))


def test_unknown_backend_lists_the_known_ones():
    with pytest.raises(UnknownBackendError) as info:
        simulate(qft(2), "aer_gpu")
    for name in ("aer", "lightning", "default.qubit", "qiskit", "aer.gpu", "lightning.gpu"):
        assert name in str(info.value)


@pytest.mark.parametrize("gpu_backend", ["aer.gpu", "lightning.gpu"])
def test_gpu_backend_without_gpu_names_the_extra(gpu_backend):
    status = {s.name: s for s in backends()}[gpu_backend]
    if status.available:
        pytest.skip(f"{gpu_backend} is available on this machine, so there is no error to check")
    with pytest.raises(BackendUnavailableError, match=r'qspectral\[gpu\]'):
        simulate(qft(2), gpu_backend)


def test_too_many_qubits_is_refused_before_transpiling_with_bytes_needed_and_available(monkeypatch):
    import qiskit

    def no_work(*args, **kwargs):
        raise AssertionError("the memory check must come before any transpiling or simulating")

    monkeypatch.setattr(qiskit, "transpile", no_work)
    with pytest.raises(InsufficientMemoryError) as info:
        simulate(qft(40), "aer")
    message = str(info.value)
    needed = 2**40 * 16 * 3
    assert f"{needed:,} bytes" in message and "are available" in message


def test_check_memory_uses_the_itemsize_of_the_dtype():
    assert check_memory(10, "qiskit", np.complex64) == 2**10 * 8 * 3


def test_unbound_parameters_are_refused():
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.rx(theta, 0)
    with pytest.raises(UnsupportedCircuitError, match=r"unbound parameter.*theta.*assign_parameters"):
        simulate(circuit)


@pytest.mark.parametrize("kind", ["measure", "reset", "if_test"])
def test_non_unitary_instructions_are_refused(kind):
    circuit = QuantumCircuit(2, 1)
    circuit.h(0)
    if kind == "measure":
        circuit.measure(0, 0)
    elif kind == "reset":
        circuit.reset(1)
    else:
        with circuit.if_test((circuit.clbits[0], 1)):
            circuit.x(1)
    with pytest.raises(UnsupportedCircuitError, match="not a unitary gate"):
        simulate(circuit)


def test_not_a_circuit_is_a_type_error():
    with pytest.raises(TypeError, match="takes a qiskit QuantumCircuit"):
        simulate("qft")


def test_ancillas_left_excited_are_reported():
    circuit = QuantumCircuit(2)
    circuit.h(0)
    compiled = transpile(circuit, coupling_map=[[0, 1], [1, 2]], optimization_level=0)
    compiled.x(2)  # an ancilla that never returns to |0>
    with pytest.raises(UnsupportedCircuitError, match="ancilla"):
        simulate(compiled, "qiskit")


# ---------------------------------------------------------------- GPU paths
@pytest.mark.gpu
@pytest.mark.parametrize("gpu_backend", ["aer.gpu", "lightning.gpu"])
def test_gpu_backends_match_numpy(gpu_backend, rng):
    status = {s.name: s for s in backends()}[gpu_backend]
    if not status.available:
        pytest.skip(f"{gpu_backend} not available: {status.reason}")
    psi = random_state(10, rng)
    out = simulate(qft(10, [9, 2, 5, 0]), gpu_backend, initial_state=psi)
    assert np.max(np.abs(out - Statevector(psi).evolve(qft(10, [9, 2, 5, 0])).data)) < 1e-10


@pytest.mark.backends("lightning", "default.qubit")
def test_wide_diagonal_runs_on_the_host_between_device_runs(backend, rng):
    from qspectral.sim.host_diagonal import HOST_DIAGONAL_QUBITS

    n = HOST_DIAGONAL_QUBITS + 2
    qubits = [int(q) for q in rng.permutation(n)[: HOST_DIAGONAL_QUBITS + 1]]
    circuit = QuantumCircuit(n)
    circuit.h(0)
    circuit.append(DiagonalGate(list(np.exp(1j * rng.uniform(0, 6, 2 ** len(qubits))))), qubits)
    circuit.append(QFTGate(n), range(n))
    psi = random_state(n, rng)
    expected = Statevector(psi).evolve(circuit).data
    assert np.max(np.abs(simulate(circuit, backend, initial_state=psi) - expected)) < 1e-11


@pytest.mark.parametrize("kind", ["phase", "filter", "diagonal"])
def test_the_qiskit_reference_multiplies_wide_diagonals_on_the_host(kind, rng):
    # Statevector would build these as 2^k x 2^k matrices; the reference must agree with the engine
    # and with numpy's FFT applied by hand.
    from qspectral import spectral_filter, spectral_phase

    n = 12
    psi = random_state(n, rng)
    if kind == "phase":
        phases = rng.uniform(-np.pi, np.pi, 2**n)
        circuit = spectral_phase(n, phases)
        spectrum = np.fft.fft(psi, norm="ortho")
        expected = np.fft.ifft(spectrum * np.exp(1j * phases), norm="ortho")
    elif kind == "filter":
        circuit = spectral_filter(n - 1, rng.uniform(0, 1, 2 ** (n - 1))).circuit
        expected = simulate(circuit, "engine", initial_state=psi)
    else:
        circuit = QuantumCircuit(n, global_phase=0.3)
        circuit.h(3)
        circuit.append(DiagonalGate(list(np.exp(1j * rng.uniform(0, 6, 2**11)))), list(rng.permutation(n)[:11]))
        expected = simulate(circuit, "aer", initial_state=psi)
    assert np.max(np.abs(simulate(circuit, "qiskit", initial_state=psi) - expected)) < 1e-11
