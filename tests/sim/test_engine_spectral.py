"""The engine's native spectral steps against numpy and against Qiskit's library gates.

A ``SpectralPhaseGate`` compiles to one ``phase`` step (its array, never its ``DiagonalGate``
definition), a ``SpectralFilterGate`` to ``V diag V^dagger`` on the ancilla; references are numpy's
FFT and ``Statevector`` runs of the same circuits built with Qiskit's ``DiagonalGate``/``UCRYGate``.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.circuit.library import UCRYGate
from qiskit.quantum_info import Operator, Statevector

from qspectral import simulate, spectral_filter, spectral_phase
from qspectral.conventions import random_state
from qspectral.kernels import layout
from qspectral.quantum.qft import QFTBlock
from qspectral.sim.engine import compile_circuit, run_circuit


def _gather_index(n: int, positions: list[int]) -> np.ndarray:
    """For each basis state, the integer its bits ``positions`` (first = least significant) form."""
    i = np.arange(2**n)
    return sum(((i >> p) & 1) << j for j, p in enumerate(positions))


@pytest.mark.parametrize("n, qubits", [(1, None), (6, None), (6, [4, 1, 2]), (7, [6, 0])])
def test_spectral_phase_is_fft_phase_fft_and_matches_numpy(n, qubits):
    rng = np.random.default_rng(n)
    subset = list(range(n)) if qubits is None else qubits
    phases = rng.uniform(-np.pi, np.pi, 2 ** len(subset))
    circuit = spectral_phase(n, phases, qubits)
    assert [line.split(" [")[0] for line in compile_circuit(circuit).describe()] == ["fft", "phase", "fft"]
    psi = random_state(n, seed=n)
    expected = simulate(_with_library_gate(circuit), "qiskit", initial_state=psi)
    if qubits is None:
        np.testing.assert_allclose(expected, np.fft.ifft(np.exp(1j * phases) * np.fft.fft(psi)), atol=1e-12)
    fresh = spectral_phase(n, phases, qubits)
    for dtype, atol in ((np.complex128, 1e-12), (np.complex64, 2e-6)):
        out = simulate(fresh, "engine", initial_state=psi, dtype=dtype)
        np.testing.assert_allclose(out, expected, atol=atol)
    assert fresh.data[1].operation._definition is None  # the engine never built the DiagonalGate


def _with_library_gate(circuit: QuantumCircuit) -> QuantumCircuit:
    """The same circuit with each spectral gate replaced by the Qiskit library gate it stands for."""
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        out.append(op.library_gate() if hasattr(op, "library_gate") else op, inst.qubits)
    return out


@pytest.mark.parametrize("m, qubits", [(1, None), (5, None), (5, [3, 0, 4])])
def test_spectral_filter_native_form_equals_the_ucry_circuit_on_any_input(m, qubits):
    rng = np.random.default_rng(10 + m)
    subset = list(range(m)) if qubits is None else qubits
    gains = rng.uniform(-1, 1, 2 ** len(subset))
    filt = spectral_filter(m, gains, qubits)
    # The reference circuit is built here from Qiskit's UCRYGate, as spectral_filter did before.
    reference = QuantumCircuit(m + 1)
    reference.append(QFTBlock(len(subset), inverse=True), subset)
    reference.append(UCRYGate((2 * np.arccos(gains)).tolist()), [m, *subset])
    reference.append(QFTBlock(len(subset)), subset)
    psi = random_state(m + 1, seed=m)  # the ancilla is not |0>: the whole rotation is checked
    expected = Statevector(psi).evolve(reference).data
    np.testing.assert_allclose(simulate(filt.circuit, "engine", initial_state=psi), expected, atol=1e-12)
    steps = compile_circuit(filt.circuit).describe()
    assert [s.split(" [")[0] for s in steps] == ["fft", "filter", "fft"]  # the gains, one step


def test_spectral_filter_success_branch_matches_numpy_in_complex64():
    m = 6
    gains = np.cos(np.linspace(0, 3, 2**m)) ** 2
    data = random_state(m, seed=3)
    out = simulate(spectral_filter(m, gains).circuit, "engine", initial_state=np.concatenate([data, 0 * data]),
                   dtype=np.complex64)
    np.testing.assert_allclose(out[: 2**m], np.fft.ifft(gains * np.fft.fft(data)), atol=2e-6)


def test_batched_and_differentiable_runs_leave_the_input_alone():
    n = 5
    phases = np.random.default_rng(1).uniform(-3, 3, 2**n)
    states = torch.tensor(np.stack([random_state(n, seed=s) for s in (1, 2)]), requires_grad=True)
    before = states.detach().clone()
    out = run_circuit(spectral_phase(n, phases), states)
    expected = np.fft.ifft(np.exp(1j * phases) * np.fft.fft(before.numpy(), axis=1), axis=1)
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    out.real.sum().backward()  # L = Re(1^T U psi): torch's gradient is conj(U^T 1), U^T = fft . D . ifft
    gradient = np.conj(np.fft.fft(np.exp(1j * phases) * np.fft.ifft(np.ones(2**n))))
    np.testing.assert_allclose(states.grad.numpy(), np.stack([gradient] * 2), atol=1e-12)
    assert torch.equal(states.detach(), before)


@pytest.mark.parametrize("in_place", [True, False])
def test_phase_kernel_in_slices_matches_numpy(monkeypatch, in_place):
    monkeypatch.setattr(layout, "PHASE_SLICE", 2**3)  # many slices on an 8-qubit state
    n, positions = 8, [5, 0, 7, 2]
    rng = np.random.default_rng(2)
    phases = rng.uniform(-3, 3, 2 ** len(positions))
    state = torch.tensor(np.stack([random_state(n, seed=s) for s in (4, 5)]))
    given = state.clone()
    expected = given.numpy() * np.exp(1j * phases[_gather_index(n, positions)])
    out = layout.phase_at(state, torch.tensor(phases), positions, in_place=in_place)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-14)
    assert (out is state) == in_place
    if not in_place:
        assert torch.equal(state, given)
    single = layout.phase_at(given.to(torch.complex64), torch.tensor(phases), positions)
    np.testing.assert_allclose(single.numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("target", [7, 4, 0])
@pytest.mark.parametrize("in_place", [True, False])
def test_filter_kernel_in_slices_matches_the_ucry_gate(monkeypatch, target, in_place):
    monkeypatch.setattr(layout, "PHASE_SLICE", 2**3)  # many slices, the target among the fixed bits or not
    n = 8
    controls = [p for p in (5, 0, 7, 2, 4) if p != target][:3]
    rng = np.random.default_rng(target)
    gains = rng.uniform(-1, 1, 2 ** len(controls))
    state = torch.tensor(np.stack([random_state(n, seed=s) for s in (6, 7)]))
    given = state.clone()
    circuit = QuantumCircuit(n)
    circuit.append(UCRYGate((2 * np.arccos(gains)).tolist()), [target, *controls])
    expected = np.stack([Statevector(p).evolve(circuit).data for p in given.numpy()])
    out = layout.filter_at(state, torch.tensor(gains), target, controls, in_place=in_place)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-14)
    assert (out is state) == in_place
    if not in_place:
        assert torch.equal(state, given)
    single = layout.filter_at(given.to(torch.complex64), torch.tensor(gains, dtype=torch.float32), target, controls)
    np.testing.assert_allclose(single.numpy(), expected, atol=1e-6)


def test_filter_gradients_reach_the_state():
    m = 4
    gains = np.random.default_rng(3).uniform(-1, 1, 2**m)
    circuit = spectral_filter(m, gains).circuit
    psi = torch.tensor(random_state(m + 1, seed=8), requires_grad=True)
    weights = torch.tensor(random_state(m + 1, seed=9))
    (run_circuit(circuit, psi)[0] * weights).real.sum().backward()  # L = Re(w^T U psi): dL/dpsi* = conj(U^T w)
    unitary = Operator(circuit).data
    np.testing.assert_allclose(psi.grad.numpy(), np.conj(unitary.T @ weights.numpy()), atol=1e-12)


@pytest.mark.parametrize("n", [8, 9])
def test_lean_mode_runs_in_place_and_matches_numpy(monkeypatch, n):
    """From LEAN_FFT_AMPLITUDES, on the engine's own state, FFT stages and the final half-swap run in place."""
    import qspectral.kernels.fft as fft_kernels
    import qspectral.sim.engine.executor as engine

    monkeypatch.setattr(engine, "LEAN_FFT_AMPLITUDES", 16)
    monkeypatch.setattr(fft_kernels, "IN_PLACE_BLOCK", 2**4)
    monkeypatch.setattr(engine, "IN_PLACE_BLOCK", 2**4)
    monkeypatch.setattr(layout, "TILE_BITS", 1)
    used = {"fft": 0, "transpose": 0}
    real_fft, real_transpose = engine.fft_bits_in_place, engine.transpose_in_place

    def fft_spy(*a, **k):
        used["fft"] += 1
        return real_fft(*a, **k)

    def transpose_spy(*a):
        done = real_transpose(*a)
        used["transpose"] += done
        return done

    monkeypatch.setattr(engine, "fft_bits_in_place", fft_spy)
    monkeypatch.setattr(engine, "transpose_in_place", transpose_spy)
    phases = np.random.default_rng(n).uniform(-np.pi, np.pi, 2**n)
    start = np.eye(2**n)[3]
    expected = np.fft.ifft(np.exp(1j * phases) * np.fft.fft(start))
    for dtype, atol in ((np.complex128, 1e-12), (np.complex64, 2e-6)):
        np.testing.assert_allclose(simulate(spectral_phase(n, phases), "engine", dtype=dtype, initial_state=start),
                                   expected, atol=atol)
        with torch.no_grad():  # from |0...0>: the engine owns the state from the start
            out = run_circuit(spectral_phase(n, phases), None, dtype=torch.complex128)[0].numpy()
        np.testing.assert_allclose(out, np.fft.ifft(np.exp(1j * phases)), atol=1e-12)
    assert used["fft"] >= 4
    assert used["transpose"] >= (1 if n % 2 == 0 else 0)  # an odd split is not square: a buffered copy
