"""Spectral circuits against closed forms: numpy.roll, numpy FFT filtering, sum |g_k c_k|^2.

The reference helper below applies a 1-D numpy operation along the index formed by a qubit subset
by gathering amplitudes bit by bit; it shares no code with qspectral.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import Statevector

from qspectral import (
    InvalidParameterError,
    InvalidQubitsError,
    InvalidStateError,
    fourier_shift,
    simulate,
    spectral_filter,
    spectral_phase,
)
from qspectral.conventions import random_state
from qspectral.sim.backends import available_backends

BACKENDS = [b for b in ("aer", "qiskit", "lightning", "engine") if b in available_backends(include_gpu=False)]
ATOL = 1e-10

# (register size, subset): all qubits, permuted subsets, subsets embedded in larger registers.
LAYOUTS = [
    (1, None),
    (2, [1, 0]),
    (3, None),
    (4, [2]),
    (5, [3, 0, 4]),
    (6, None),
    (7, [6, 2, 0, 5]),
    (8, None),
]


def subset_gather_indices(num_qubits: int, qubits: list[int] | None) -> np.ndarray:
    """``idx[r, v]``: the basis index whose subset bits encode ``v`` (qubits[0] = LSB), rest = r."""
    qubits = list(range(num_qubits)) if qubits is None else list(qubits)
    rest = [q for q in range(num_qubits) if q not in qubits]
    idx = np.zeros((2 ** len(rest), 2 ** len(qubits)), dtype=np.int64)
    for r in range(2 ** len(rest)):
        for v in range(2 ** len(qubits)):
            x = 0
            for j, q in enumerate(qubits):
                x |= ((v >> j) & 1) << q
            for j, q in enumerate(rest):
                x |= ((r >> j) & 1) << q
            idx[r, v] = x
    return idx


def along_subset(psi: np.ndarray, num_qubits: int, qubits, op) -> np.ndarray:
    """Apply ``op`` (acting on the last axis) to the index the subset encodes."""
    idx = subset_gather_indices(num_qubits, qubits)
    out = np.empty_like(psi)
    out[idx] = op(psi[idx])
    return out


def subset_size(num_qubits: int, qubits) -> int:
    return 2 ** (num_qubits if qubits is None else len(qubits))


# ---------------------------------------------------------------- Fourier shift


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("num_qubits", "qubits"), LAYOUTS)
def test_fourier_shift_is_a_roll_of_the_subset_index(backend, num_qubits, qubits):
    rng = np.random.default_rng(10 * num_qubits + 1)
    psi = random_state(num_qubits, rng)
    size = subset_size(num_qubits, qubits)
    for shift in {int(rng.integers(-2 * size, 2 * size)), 1, -1}:
        out = simulate(fourier_shift(num_qubits, shift, qubits), backend, initial_state=psi)
        expected = along_subset(psi, num_qubits, qubits, lambda a: np.roll(a, shift, axis=-1))
        np.testing.assert_allclose(out, expected, atol=ATOL, err_msg=f"shift={shift}")


def test_fourier_shift_on_all_qubits_matches_numpy_roll_exactly():
    psi = random_state(5, 7)
    for shift in range(-33, 34):
        out = Statevector(psi).evolve(fourier_shift(5, shift)).data
        np.testing.assert_allclose(out, np.roll(psi, shift), atol=ATOL, err_msg=f"shift={shift}")


@settings(max_examples=40, deadline=None)
@given(
    num_qubits=st.integers(1, 6),
    data=st.data(),
)
def test_fourier_shift_property(num_qubits, data):
    qubits = data.draw(st.permutations(range(num_qubits)))[: data.draw(st.integers(1, num_qubits))]
    shift = data.draw(st.integers(-100, 100))
    psi = random_state(num_qubits, data.draw(st.integers(0, 2**32 - 1)))
    out = Statevector(psi).evolve(fourier_shift(num_qubits, shift, qubits)).data
    expected = along_subset(psi, num_qubits, qubits, lambda a: np.roll(a, shift, axis=-1))
    np.testing.assert_allclose(out, expected, atol=ATOL)


def test_fourier_shift_uses_one_phase_gate_per_qubit_between_qft_blocks():
    circuit = fourier_shift(6, 5, [5, 0, 2, 3])
    names = [inst.operation.name for inst in circuit.data]
    assert names[0] == "iqft" and names[-1] == "qft"
    assert set(names[1:-1]) == {"p"} and len(names) - 2 == 4       # 5 is odd: every bit moves
    assert [circuit.find_bit(q).index for q in circuit.data[0].qubits] == [5, 0, 2, 3]
    # a multiple of 4 leaves the two low bits of k without phase
    assert len(fourier_shift(4, 4).data) - 2 == 2
    # shift 0 (mod N) has no phase at all: the transforms cancel
    assert [i.operation.name for i in fourier_shift(3, 16).data] == ["iqft", "qft"]


# ---------------------------------------------------------------- spectral phase


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("num_qubits", "qubits"), LAYOUTS)
def test_spectral_phase_matches_numpy_fft(backend, num_qubits, qubits):
    rng = np.random.default_rng(100 + num_qubits)
    psi = random_state(num_qubits, rng)
    phases = rng.uniform(-np.pi, 3 * np.pi, size=subset_size(num_qubits, qubits))
    out = simulate(spectral_phase(num_qubits, phases, qubits), backend, initial_state=psi)
    expected = along_subset(
        psi, num_qubits, qubits,
        lambda a: np.fft.ifft(np.exp(1j * phases) * np.fft.fft(a, axis=-1), axis=-1),
    )
    np.testing.assert_allclose(out, expected, atol=ATOL)


def test_spectral_phase_of_a_linear_ramp_is_a_shift():
    # exp(-2 pi i k s / N) on the Fourier index is numpy.roll by s (the shift theorem)
    psi = random_state(4, 3)
    k = np.arange(16)
    out = Statevector(psi).evolve(spectral_phase(4, -2 * np.pi * k * 3 / 16)).data
    np.testing.assert_allclose(out, np.roll(psi, 3), atol=ATOL)


def test_spectral_phase_is_one_diagonal_gate_between_qft_blocks():
    data = spectral_phase(3, np.zeros(4), [2, 0]).data
    assert [inst.operation.name for inst in data] == ["iqft", "spectral_phase", "qft"]
    # the middle gate holds an array, and is defined as Qiskit's DiagonalGate for everyone else
    assert data[1].operation.params == []
    assert [inst.operation.name for inst in data[1].operation.definition.data] == ["diagonal"]


# ---------------------------------------------------------------- spectral filter


def filter_reference(psi, num_qubits, qubits, gains):
    """(normalised filtered state, success probability) from numpy alone."""
    unnormalised = along_subset(
        psi, num_qubits, qubits, lambda a: np.fft.ifft(gains * np.fft.fft(a, axis=-1), axis=-1)
    )
    size = gains.size
    coefficients = along_subset(psi, num_qubits, qubits, lambda a: np.fft.fft(a, axis=-1) / np.sqrt(size))
    gathered_gains = along_subset(
        np.zeros(psi.size), num_qubits, qubits, lambda a: np.broadcast_to(gains, a.shape)
    )
    probability = float(np.sum(np.abs(gathered_gains * coefficients) ** 2))
    return unnormalised / np.linalg.norm(unnormalised), probability


def random_gains(rng, size):
    gains = rng.uniform(-1, 1, size=size)
    gains[0] = 1.0                              # the extremes: pass, block, invert
    if size > 2:
        gains[1], gains[2] = 0.0, -1.0
    return gains


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("num_qubits", "qubits"), LAYOUTS)
def test_spectral_filter_postselected_state_and_probability(backend, num_qubits, qubits):
    rng = np.random.default_rng(200 + num_qubits)
    psi = random_state(num_qubits, rng)
    gains = random_gains(rng, subset_size(num_qubits, qubits))
    f = spectral_filter(num_qubits, gains, qubits)
    start = np.kron([1.0, 0.0], psi)            # ancilla (highest qubit) in |0>
    state, probability = f.postselect(simulate(f.circuit, backend, initial_state=start))
    expected_state, expected_probability = filter_reference(psi, num_qubits, qubits, gains)
    np.testing.assert_allclose(state, expected_state, atol=ATOL)
    assert probability == pytest.approx(expected_probability, abs=ATOL)
    assert f.success_probability(psi) == pytest.approx(expected_probability, abs=ATOL)


def test_spectral_filter_success_probability_is_the_sum_over_kept_modes():
    # a brick-wall low-pass keeps exactly the energy of the kept Fourier modes
    psi = random_state(6, 5)
    c = np.fft.fft(psi) / 8
    k = np.fft.fftfreq(64, 1 / 64)
    gains = (np.abs(k) <= 5).astype(float)
    f = spectral_filter(6, gains)
    expected = float(np.sum(np.abs(c[np.abs(k) <= 5]) ** 2))
    assert f.success_probability(psi) == pytest.approx(expected, abs=1e-12)
    out = Statevector(np.kron([1, 0], psi)).evolve(f.circuit).data
    assert f.postselect(out)[1] == pytest.approx(expected, abs=1e-12)
    # the failure branch carries the rest
    assert float(np.sum(np.abs(out[64:]) ** 2)) == pytest.approx(1 - expected, abs=1e-12)


def test_spectral_filter_complex64_on_aer():
    rng = np.random.default_rng(9)
    psi = random_state(5, rng)
    gains = random_gains(rng, 32)
    f = spectral_filter(5, gains)
    out = simulate(f.circuit, "aer", initial_state=np.kron([1, 0], psi), dtype=np.complex64)
    state, probability = f.postselect(out)
    expected_state, expected_probability = filter_reference(psi, 5, None, gains)
    np.testing.assert_allclose(state, expected_state, atol=1e-5)
    assert probability == pytest.approx(expected_probability, abs=1e-5)


def test_spectral_filter_layout_and_structure():
    f = spectral_filter(4, np.ones(8), [3, 1, 0])
    assert (f.num_data_qubits, f.ancilla, f.circuit.num_qubits, f.qubits) == (4, 4, 5, (3, 1, 0))
    assert f.SUCCESS == 0
    names = [inst.operation.name for inst in f.circuit.data]
    assert names == ["iqft", "spectral_filter", "qft"]
    gate = f.circuit.data[1].operation  # defined as V diag V^dagger; exported as Qiskit's UCRYGate
    assert [inst.operation.name for inst in gate.definition.data] == ["sdg", "h", "spectral_phase", "h", "s"]
    assert gate.library_gate().name == "ucry"
    # the multiplexed rotation targets the ancilla and is controlled by the subset (qargs[0] = target)
    assert [f.circuit.find_bit(q).index for q in f.circuit.data[1].qubits] == [4, 3, 1, 0]
    assert not f.gains.flags.writeable


def test_gains_within_rounding_above_one_are_clipped():
    psi = random_state(3, 2)
    f = spectral_filter(3, np.full(8, 1 + 1e-13))
    state, probability = f.postselect(Statevector(np.kron([1, 0], psi)).evolve(f.circuit).data)
    np.testing.assert_allclose(state, psi, atol=ATOL)
    assert probability == pytest.approx(1.0, abs=ATOL)


def test_postselect_keeps_batches_and_torch_gradients():
    rng = np.random.default_rng(4)
    f = spectral_filter(2, [1.0, 0.5, 0.0, -0.5])
    batch = random_state(3, rng, batch=(3,))
    states, probabilities = f.postselect(batch)
    for row, state, probability in zip(batch, states, probabilities):
        branch = row[:4]
        assert probability == pytest.approx(np.vdot(branch, branch).real, abs=1e-14)
        np.testing.assert_allclose(state, branch / np.linalg.norm(branch), atol=1e-14)

    tensor = torch.tensor(batch[0], requires_grad=True)
    state_t, probability_t = f.postselect(tensor)
    assert isinstance(state_t, torch.Tensor)
    np.testing.assert_allclose(state_t.detach().numpy(), states[0], atol=1e-14)
    probability_t.backward()
    # torch's gradient of a real loss is dL/dRe + i dL/dIm: 2 psi_i on the success half, 0 elsewhere
    expected_grad = np.concatenate([2 * batch[0][:4], np.zeros(4)])
    np.testing.assert_allclose(tensor.grad.numpy(), expected_grad, atol=1e-14)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: fourier_shift(3, 1.5), InvalidParameterError, r"shift must be an integer.*1\.5"),
        (lambda: fourier_shift(3, True), InvalidParameterError, "shift must be an integer"),
        (lambda: fourier_shift(3, "2"), InvalidParameterError, "shift must be an integer"),
        (lambda: fourier_shift(0, 1), InvalidQubitsError, "num_qubits must be an integer >= 1"),
        (lambda: fourier_shift(3, 1, [0, 3]), InvalidQubitsError, "out of range"),
        (lambda: spectral_phase(3, np.zeros(4)), InvalidParameterError, r"8 values.*got shape \(4,\)"),
        (lambda: spectral_phase(3, np.zeros(4), [0, 0]), InvalidQubitsError, "more than once"),
        (lambda: spectral_phase(2, [0, np.nan, 0, 0]), InvalidParameterError, "entry 1 is nan"),
        (lambda: spectral_phase(2, [0, 0, np.inf, 0]), InvalidParameterError, "entry 2 is inf"),
        (lambda: spectral_phase(1, np.exp(1j * np.array([0.1, 0.2]))), InvalidParameterError, "must be real"),
        (lambda: spectral_phase(1, ["a", "b"]), InvalidParameterError, "sequence of real numbers"),
        (lambda: spectral_phase(2, np.zeros((2, 2))), InvalidParameterError, r"1-D sequence of 4"),
        (lambda: spectral_filter(2, np.ones(8)), InvalidParameterError, r"4 values.*got shape \(8,\)"),
        (lambda: spectral_filter(2, [1, 0.5, 1.2, 0]), InvalidParameterError, r"gains\[2\] = 1\.2.*divide"),
        (lambda: spectral_filter(2, [1, -1.01, 0, 0]), InvalidParameterError, r"\|g_k\| <= 1"),
        (lambda: spectral_filter(1, [1j, 0]), InvalidParameterError, "spectral_phase"),
        (lambda: spectral_filter(1, [np.nan, 0]), InvalidParameterError, "must be finite"),
        (lambda: spectral_filter(2, [1, 1], [2]), InvalidQubitsError, "out of range"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_postselect_rejects_wrong_length_and_zero_probability():
    f = spectral_filter(2, [1.0, 0.0, 0.0, 0.0])
    with pytest.raises(InvalidStateError, match="8 amplitudes.*got shape \\(4,\\)"):
        f.postselect(np.full(4, 0.5))
    # a state with no k = 0 component: the low-pass keeps nothing
    psi = np.array([0.5, -0.5, 0.5, -0.5])
    out = Statevector(np.kron([1, 0], psi)).evolve(f.circuit).data
    with pytest.raises(InvalidStateError, match="success probability is .* remove every Fourier"):
        f.postselect(out)
    with pytest.raises(InvalidStateError, match="not normalised"):
        f.success_probability(np.ones(4))
