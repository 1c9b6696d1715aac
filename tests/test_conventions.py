"""The convention module against closed forms written out independently in the tests."""

from __future__ import annotations

import numpy as np
import pennylane as qml
import pytest

from qspectral.conventions import (
    align_global_phase,
    apply_qft,
    bit_reverse_indices,
    fidelity,
    from_pennylane_order,
    permute_qubits,
    to_pennylane_order,
    validate_qubits,
    validate_state,
)
from qspectral.errors import InvalidQubitsError, InvalidStateError
from tests.conftest import random_state


def dft_on_subset(psi: np.ndarray, qubits: list[int], sign: int) -> np.ndarray:
    """Explicit double loop: index bits of `qubits` transformed by N^-1/2 exp(sign 2 pi i x k / N)."""
    n = int(np.log2(psi.size))
    m = len(qubits)
    out = np.zeros_like(psi)
    for i in range(psi.size):
        x = sum(((i >> q) & 1) << j for j, q in enumerate(qubits))
        base = i & ~sum(1 << q for q in qubits)
        for k in range(2**m):
            target = base | sum(((k >> j) & 1) << q for j, q in enumerate(qubits))
            out[target] += psi[i] * np.exp(sign * 2j * np.pi * x * k / 2**m) / np.sqrt(2**m)
    assert n >= m
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_apply_qft_matches_explicit_dft_on_random_subsets(n, rng):
    for _ in range(4):
        m = rng.integers(1, n + 1)
        qubits = list(rng.permutation(n)[:m])
        psi = random_state(n, rng)
        assert np.allclose(apply_qft(psi, qubits), dft_on_subset(psi, qubits, +1), atol=1e-12)
        assert np.allclose(apply_qft(psi, qubits, inverse=True), dft_on_subset(psi, qubits, -1), atol=1e-12)


def test_apply_qft_full_register_is_scaled_ifft(rng):
    psi = random_state(6, rng)
    assert np.allclose(apply_qft(psi), 8 * np.fft.ifft(psi), atol=1e-13)
    assert np.allclose(apply_qft(psi, inverse=True), np.fft.fft(psi) / 8, atol=1e-13)


def test_no_swap_forward_output_is_bit_reversed_and_inverse_undoes_it(rng):
    psi = random_state(4, rng)
    rev = [int(format(k, "04b")[::-1], 2) for k in range(16)]
    swapped = apply_qft(psi)
    unswapped = apply_qft(psi, do_swaps=False)
    assert np.allclose(unswapped[rev], swapped, atol=1e-13)
    assert np.allclose(apply_qft(unswapped, inverse=True, do_swaps=False), psi, atol=1e-13)


def test_apply_qft_keeps_batch_dimensions(rng):
    batch = random_state(3, rng, batch=(2, 5))
    out = apply_qft(batch, [2, 0])
    for i in range(2):
        for j in range(5):
            assert np.allclose(out[i, j], dft_on_subset(batch[i, j], [2, 0], +1), atol=1e-12)


def test_bit_reverse_indices_closed_form():
    assert list(bit_reverse_indices(3)) == [0, 4, 2, 6, 1, 5, 3, 7]


def test_permute_qubits_moves_basis_states(rng):
    # |q2 q1 q0> = |1 0 1> (index 5); order [2, 0, 1]: new q0 = old q2 (1), new q1 = old q0 (1), new q2 = old q1 (0)
    psi = np.zeros(8); psi[5] = 1
    assert int(np.argmax(permute_qubits(psi, [2, 0, 1]))) == 0b011


def test_pennylane_order_matches_a_real_pennylane_device():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def prepare():
        qml.PauliX(wires=0)  # PennyLane wire 0
        qml.Hadamard(wires=2)
        return qml.state()

    pl_state = np.asarray(prepare())
    ours = np.zeros(8, complex)
    ours[0b001] = ours[0b101] = 2**-0.5  # qubit 0 set, qubit 2 in |+>
    assert np.allclose(from_pennylane_order(pl_state), ours)
    assert np.allclose(to_pennylane_order(ours), pl_state)


def test_fidelity_and_global_phase(rng):
    psi = random_state(3, rng)
    phased = np.exp(0.7j) * psi
    assert fidelity(psi, phased) == pytest.approx(1.0)
    assert np.allclose(align_global_phase(phased, psi), psi)
    orthogonal = np.zeros(8, complex); orthogonal[0] = 1
    other = np.zeros(8, complex); other[1] = 1
    assert fidelity(orthogonal, other) == 0.0


@pytest.mark.parametrize(
    "state, fragment",
    [
        (np.ones(3) / np.sqrt(3), "power-of-two length"),
        (np.array([np.nan, 1.0]), "NaN or infinite"),
        (np.array([1.0, 1.0]), "not normalised"),
        (np.ones((2, 2)) / 2, "one-dimensional"),
    ],
)
def test_validate_state_rejects_bad_states(state, fragment):
    with pytest.raises(InvalidStateError, match=fragment):
        validate_state(state)


def test_validate_state_wrong_length_names_the_needed_length():
    with pytest.raises(InvalidStateError, match=r"3 qubits, which need 8"):
        validate_state(np.ones(4) / 2, num_qubits=3)


@pytest.mark.parametrize(
    "num_qubits, qubits, fragment",
    [
        (0, None, "num_qubits must be an integer >= 1"),
        (3, [0, 3], "qubit index 3 is out of range for a 3-qubit register"),
        (3, [1, 1], "qubit 1 appears more than once"),
        (3, [], "empty"),
    ],
)
def test_validate_qubits_errors(num_qubits, qubits, fragment):
    with pytest.raises(InvalidQubitsError, match=fragment):
        validate_qubits(num_qubits, qubits)


def test_complex64_states_are_validated_in_single_precision_without_a_copy():
    psi = random_state(12, seed=5).astype(np.complex64)
    assert validate_state(psi) is psi  # no upcast copy
    slightly_off = random_state(12, seed=5) * (1 + 5e-7)
    validate_state(slightly_off.astype(np.complex64))  # within single-precision tolerance
    with pytest.raises(InvalidStateError, match="not normalised"):
        validate_state(slightly_off)  # the same state in complex128 is held to 1e-8
    with pytest.raises(InvalidStateError, match="not normalised"):
        validate_state(psi * np.float32(1.001))
