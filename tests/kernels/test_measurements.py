"""Measurement kernels against Qiskit's Statevector / SparsePauliOp (dense references)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from qiskit.quantum_info import Operator, SparsePauliOp, Statevector, random_statevector, random_unitary

from qspectral.errors import InvalidQubitsError, InvalidStateError
from qspectral.kernels.measurements import (
    PauliSum,
    apply_local_matrix,
    apply_pauli_sum,
    marginal_probabilities,
    pauli_expectation,
    sample_indices,
)


def _random_labels(rng, n: int, count: int) -> list[str]:
    return ["".join(rng.choice(list("IXYZ"), n)) for _ in range(count)]


def _batch(rng, n: int, size: int) -> tuple[list[np.ndarray], torch.Tensor]:
    states = [random_statevector(2**n, seed=int(rng.integers(2**31))).data for _ in range(size)]
    return states, torch.tensor(np.array(states))


def _check_against_statevector(states, batch, labels, coeffs) -> torch.Tensor:
    """pauli_expectation of the Pauli sum on ``batch`` equals Statevector's, to 1e-12; returns it."""
    got = pauli_expectation(batch, PauliSum.from_labels(labels, coeffs))
    op = SparsePauliOp(labels, coeffs)
    ref = [Statevector(s).expectation_value(op).real for s in states]
    np.testing.assert_allclose(got.numpy(), ref, atol=1e-12)
    return got


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_pauli_expectation_matches_sparse_pauli_op(n):
    rng = np.random.default_rng(n)
    states, batch = _batch(rng, n, 3)
    labels = _random_labels(rng, n, 12) + ["I" * n, "X" * n]
    labels += [labels[0]]  # a repeated X mask shares one pass
    got = _check_against_statevector(states, batch, labels, rng.normal(size=len(labels)))
    assert got.dtype == torch.float64


def test_terms_sharing_an_x_mask_with_every_z_pattern():
    # X mask on qubits 1 and 4; Z parts on those (Y) and on the others, every combination of 4 qubits
    rng = np.random.default_rng(11)
    n = 6
    states, batch = _batch(rng, n, 2)
    labels = []
    for z in range(16):
        word = ["I"] * n
        for q, zq in zip((0, 1, 4, 5), (z & 1, z >> 1 & 1, z >> 2 & 1, z >> 3 & 1)):
            x = q in (1, 4)
            word[n - 1 - q] = ("Y" if zq else "X") if x else ("Z" if zq else "I")
        labels.append("".join(word))
    _check_against_statevector(states, batch, labels, rng.normal(size=len(labels)))


def test_diagonal_terms_on_high_and_low_qubits():
    # Z words only on qubits >= 6 (read as runs of the state) and on low qubits (read from |psi|^2)
    rng = np.random.default_rng(12)
    n = 9
    states, batch = _batch(rng, n, 2)
    labels = ["ZIIIIIIII", "ZZIZIIIII", "IIZIIIIII", "IIIIIIIII", "IIIIIIIIZ", "ZIIIZIIZI", "IIIZIZIII"]
    _check_against_statevector(states, batch, labels, rng.normal(size=len(labels)))


def test_terms_spanning_more_qubits_than_one_sign_group():
    """14 qubits: every single-qubit Z and X (grouped by SIGN_QUBITS), words on 11-14 qubits (each
    summed on its own, diagonal and with an X part), low-weight mixtures: Statevector's values."""
    from qspectral.kernels.measurements import SIGN_QUBITS

    rng = np.random.default_rng(13)
    n = 14
    assert n > SIGN_QUBITS
    states, batch = _batch(rng, n, 2)
    single = ["".join(p if q == n - 1 - k else "I" for q in range(n)) for k in range(n) for p in "ZX"]
    wide = ["Z" * n, "Y" + "Z" * (n - 1), "".join(rng.choice(list("XYZ"), 11)) + "III", "IZ" + "ZX" * 6]
    _check_against_statevector(states, batch, single + wide + _random_labels(rng, n, 6),
                               rng.normal(size=len(single) + len(wide) + 6))


def test_complex_coefficients_give_complex_values():
    rng = np.random.default_rng(5)
    states, batch = _batch(rng, 3, 2)
    labels, coeffs = ["XYZ", "ZZI"], [1 + 2j, -0.5j]
    got = pauli_expectation(batch, PauliSum.from_labels(labels, coeffs))
    ref = [Statevector(s).expectation_value(SparsePauliOp(labels, coeffs)) for s in states]
    np.testing.assert_allclose(got.numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_apply_pauli_sum_matches_dense_matrix(n):
    rng = np.random.default_rng(10 + n)
    states, batch = _batch(rng, n, 2)
    labels = _random_labels(rng, n, 6)
    coeffs = rng.normal(size=6) + 1j * rng.normal(size=6)
    got = apply_pauli_sum(batch, PauliSum.from_labels(labels, coeffs))
    matrix = SparsePauliOp(labels, coeffs).to_matrix()
    np.testing.assert_allclose(got.numpy(), np.array([matrix @ s for s in states]), atol=1e-12)


def test_marginal_probabilities_match_statevector():
    rng = np.random.default_rng(3)
    states, batch = _batch(rng, 5, 2)
    for qubits in ([0], [4], [3, 1], [0, 2, 4], [4, 3, 2, 1, 0]):
        got = marginal_probabilities(batch, qubits)
        ref = [Statevector(s).probabilities(qubits) for s in states]  # qargs[0] = least significant
        np.testing.assert_allclose(got.numpy(), ref, atol=1e-13)


def test_apply_local_matrix_matches_operator():
    rng = np.random.default_rng(4)
    states, batch = _batch(rng, 5, 2)
    for qubits in ([2], [0, 3], [4, 1, 2]):
        u = random_unitary(2 ** len(qubits), seed=int(rng.integers(2**31))).data
        got = apply_local_matrix(batch, torch.tensor(u), qubits)
        ref = [Statevector(s).evolve(Operator(u), qubits).data for s in states]
        np.testing.assert_allclose(got.numpy(), ref, atol=1e-12)


def test_gradient_of_pauli_expectation_matches_finite_differences():
    rng = np.random.default_rng(6)
    _, batch = _batch(rng, 3, 1)
    paulis = PauliSum.from_labels(["XYZ", "ZIX", "YYI"], [0.3, -1.1, 0.7])
    dense = torch.tensor(SparsePauliOp(["XYZ", "ZIX", "YYI"], [0.3, -1.1, 0.7]).to_matrix())
    state = batch.clone().requires_grad_(True)
    pauli_expectation(state, paulis).sum().backward()
    # d<psi|H|psi>/d conj(psi) = H psi; torch's gradient of a real loss is 2 * that (conjugate-Wirtinger)
    np.testing.assert_allclose(state.grad.numpy(), 2 * (batch @ dense.T).numpy(), atol=1e-12)


def test_sampling_is_seeded_and_follows_the_distribution():
    probs = torch.tensor([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]], dtype=torch.float64)
    draw = lambda seed: sample_indices(probs, 20000, generator=torch.Generator().manual_seed(seed))  # noqa: E731
    first, again, other = draw(11), draw(11), draw(12)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert not bool((first[0] == 1).any())  # a zero-probability outcome never appears
    freq = torch.stack([torch.bincount(row, minlength=4) for row in first]).double() / 20000
    tv = 0.5 * (freq - probs).abs().sum(dim=1)
    # E[TV] <= 0.5 * sqrt(K / shots) = 0.0071 for K = 4 outcomes; allow three times that
    assert float(tv.max()) < 3 * 0.5 * np.sqrt(4 / 20000)


def test_bad_input_is_refused():
    state = torch.zeros((1, 4), dtype=torch.complex128)
    with pytest.raises(InvalidStateError, match="Pauli label"):
        PauliSum.from_labels(["XA"], [1.0])
    with pytest.raises(InvalidQubitsError, match="qubit 2"):
        pauli_expectation(state, PauliSum.from_labels(["XII"], [1.0]))
    with pytest.raises(InvalidQubitsError):
        marginal_probabilities(state, [0, 0])
    with pytest.raises(InvalidStateError, match="shape"):
        pauli_expectation(torch.zeros((1, 3), dtype=torch.complex128), PauliSum.from_labels(["X"], [1.0]))
