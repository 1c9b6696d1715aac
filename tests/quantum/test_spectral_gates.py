"""The array-holding spectral gates on every path a circuit takes, against numpy's FFT.

References are numpy only: ``ifft(exp(1j * phases) * fft(psi))`` for the spectral phase and
``ifft(gains * fft(psi))`` (the ancilla-|0> half) for the filter; the gates' Qiskit definitions
(``DiagonalGate``, ``UCRYGate``) are checked against the dense matrices built here from the arrays.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from qiskit import transpile
from qiskit.circuit.library import StatePreparation
from qiskit.quantum_info import Operator, Statevector

from qspectral import simulate, spectral_filter, spectral_phase
from qspectral.cloud.program import SamplingProgram
from qspectral.conventions import random_state
from qspectral.errors import InvalidParameterError
from qspectral.quantum.qasm import load_qasm, to_qasm3
from qspectral.quantum.spectral_gates import SpectralFilterGate, SpectralPhaseGate

ATOL = 1e-10


def _phase_case(n: int, seed: int):
    rng = np.random.default_rng(seed)
    phases = rng.uniform(-np.pi, np.pi, 2**n)
    psi = random_state(n, seed=seed)
    return spectral_phase(n, phases), psi, np.fft.ifft(np.exp(1j * phases) * np.fft.fft(psi))


def _filter_case(m: int, seed: int):
    rng = np.random.default_rng(seed)
    gains = rng.uniform(-1, 1, 2**m)
    data = random_state(m, seed=seed)
    psi = np.concatenate([data, np.zeros_like(data)])  # ancilla (highest qubit) in |0>
    return spectral_filter(m, gains).circuit, psi, np.fft.ifft(gains * np.fft.fft(data))


# ---------------------------------------------------------------- the gates themselves


def test_phase_gate_holds_the_array_and_defines_the_diagonal():
    phases = np.random.default_rng(0).uniform(-3, 3, 8)
    gate = SpectralPhaseGate(phases)
    assert gate.params == [] and gate.num_qubits == 3
    assert np.shares_memory(gate.phases, phases) and not gate.phases.flags.writeable
    np.testing.assert_allclose(Operator(gate.definition).data, np.diag(np.exp(1j * phases)), atol=1e-12)
    np.testing.assert_allclose(gate.to_matrix(), np.diag(np.exp(1j * phases)), atol=1e-12)
    np.testing.assert_allclose(Operator(gate.inverse()).data, np.diag(np.exp(-1j * phases)), atol=1e-12)


def test_filter_gate_defines_the_multiplexed_rotation():
    gains = np.array([1.0, -0.3, 0.0, 0.8])
    gate = SpectralFilterGate(gains)
    assert gate.params == [] and gate.num_qubits == 3
    for u in (Operator(gate.definition).data, Operator(gate.library_gate()).data):  # index = ancilla + 2 k
        for k, g in enumerate(gains):
            s = np.sqrt(1 - g**2)
            block = u[np.ix_([2 * k, 2 * k + 1], [2 * k, 2 * k + 1])]
            np.testing.assert_allclose(block, [[g, -s], [s, g]], atol=1e-12)


def test_gates_compare_by_array_copy_and_pickle():
    phases = np.linspace(0, 1, 16)
    gate = SpectralPhaseGate(phases)
    assert gate == SpectralPhaseGate(phases.copy())
    assert gate != SpectralPhaseGate(phases + 1e-3)
    assert gate != SpectralFilterGate(np.linspace(0, 1, 8))  # same size of circuit, other class
    for clone in (copy.copy(gate), copy.deepcopy(gate), gate.copy(), pickle.loads(pickle.dumps(gate))):
        assert clone == gate
        np.testing.assert_array_equal(clone.phases, phases)
    with pytest.raises(TypeError):
        hash(gate)  # like every Qiskit gate
    circuit = spectral_phase(4, phases)
    back = pickle.loads(pickle.dumps(circuit))
    assert back.data[1].operation == circuit.data[1].operation
    filt = SpectralFilterGate(np.linspace(-1, 1, 8))
    assert pickle.loads(pickle.dumps(filt)) == filt


def test_bad_arrays_are_refused():
    with pytest.raises(InvalidParameterError, match="2\\*\\*k"):
        SpectralPhaseGate(np.zeros(6))
    with pytest.raises(InvalidParameterError, match="<= 1"):
        SpectralFilterGate(np.array([0.5, 1.5]))


# ---------------------------------------------------------------- every path out of qspectral


@pytest.mark.parametrize("build", [_phase_case, _filter_case])
def test_transpile_with_parallel_pickling_keeps_the_action(build):
    circuits, states, references = zip(*(build(4, seed) for seed in (1, 2)))
    compiled = transpile(list(circuits), basis_gates=["u", "cx"], optimization_level=1, num_processes=2)
    for circuit, psi, reference in zip(compiled, states, references):
        out = Statevector(psi).evolve(circuit).data
        np.testing.assert_allclose(out[: reference.size], reference, atol=1e-8)


@pytest.mark.parametrize("build", [_phase_case, _filter_case])
def test_qasm_round_trip_runs_on_aer_and_the_engine(build):
    circuit, psi, reference = build(4, 3)
    loaded = load_qasm(to_qasm3(circuit))
    for backend in ("aer", "engine"):
        out = simulate(loaded, backend, initial_state=psi)
        np.testing.assert_allclose(out[: reference.size], reference, atol=1e-8)


def test_sampling_program_ideal_distribution_is_the_spectral_phase_output():
    circuit, psi, reference = _phase_case(4, 4)
    prepared = circuit.copy_empty_like()
    prepared.append(StatePreparation(psi), range(4))
    program = SamplingProgram.from_circuit(prepared.compose(circuit))
    np.testing.assert_allclose(program.ideal_distribution(), np.abs(reference) ** 2, atol=1e-10)
    back = SamplingProgram.from_qasm3(program.to_qasm3())  # what the job store keeps and submits
    np.testing.assert_allclose(back.ideal_distribution(), np.abs(reference) ** 2, atol=1e-8)


@pytest.mark.parametrize("backend", ["lightning", "default.qubit"])
def test_pennylane_bridge_reads_the_phase_array(backend):
    # 12 qubits: above HOST_DIAGONAL_QUBITS, so the diagonal is applied on the host between device runs
    circuit, psi, reference = _phase_case(12, 5)
    np.testing.assert_allclose(simulate(circuit, backend, initial_state=psi), reference, atol=ATOL)
    assert circuit.data[1].operation._definition is None  # the DiagonalGate was never built
