"""The torch statevector kernels against Qiskit (Operator, Statevector) and numpy's FFT."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.quantum_info import Operator, Statevector, random_unitary

from qspectral.conventions import apply_qft as numpy_qft
from qspectral.errors import InvalidQubitsError, InvalidStateError
from qspectral.kernels.apply import apply_diagonal, apply_matrix, apply_qft
from qspectral.kernels.gate_table import GATE_PARAMS
from qspectral.kernels.gates import gate_matrix
from qspectral.kernels.states import zero_state
from tests.conftest import random_state

STANDARD = get_standard_gate_name_mapping()


def qiskit_gate(name: str, params):
    return STANDARD[name].base_class(*params) if params else STANDARD[name]


@pytest.mark.parametrize("name", sorted(GATE_PARAMS))
def test_gate_matrix_equals_qiskit_operator(name):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    for _ in range(3):
        params = [float(p) for p in rng.uniform(-4, 4, GATE_PARAMS[name])]
        expected = Operator(qiskit_gate(name, params)).data
        got = gate_matrix(name, params).numpy()
        assert np.max(np.abs(got - expected)) < 1e-14
        got64 = gate_matrix(name, params, dtype=torch.complex64).numpy()
        assert got64.dtype == np.complex64 and np.max(np.abs(got64 - expected)) < 1e-6


@pytest.mark.parametrize("name", sorted(n for n, k in GATE_PARAMS.items() if k))
def test_batched_parameters_give_one_matrix_per_value(name):
    rng = np.random.default_rng(7)
    values = rng.uniform(-3, 3, (GATE_PARAMS[name], 4))
    params = [torch.tensor(v) for v in values]
    params[0] = params[0][:4]  # every parameter batched (B = 4)
    batched = gate_matrix(name, params).numpy()
    assert batched.shape[0] == 4
    for b in range(4):
        expected = Operator(qiskit_gate(name, [float(v[b]) for v in values])).data
        assert np.max(np.abs(batched[b] - expected)) < 1e-14


def test_gate_matrix_gradient_matches_finite_differences():
    theta = torch.tensor([0.3, -1.1], dtype=torch.float64, requires_grad=True)
    phi = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)

    def loss(t, p):
        m = gate_matrix("u", [t, p, 0.2]) @ gate_matrix("crx", [t * 2])[..., :2, :2]
        return (m.abs() ** 2 * torch.arange(4.0, dtype=torch.float64).reshape(2, 2)).sum()

    loss(theta, phi).backward()
    eps = 1e-6
    for b in range(2):
        shift = torch.zeros(2, dtype=torch.float64)
        shift[b] = eps
        fd = (loss(theta.detach() + shift, phi.detach()) - loss(theta.detach() - shift, phi.detach())) / (2 * eps)
        assert abs(theta.grad[b].item() - fd.item()) < 1e-7
    fd = (loss(theta.detach(), phi.detach() + eps) - loss(theta.detach(), phi.detach() - eps)) / (2 * eps)
    assert abs(phi.grad.item() - fd.item()) < 1e-7


@pytest.mark.parametrize("name", sorted(n for n in GATE_PARAMS if n != "id"))
def test_apply_matrix_matches_statevector_on_random_qubits(name):
    rng = np.random.default_rng(len(name) * 31 + 5)
    n = 6
    for _ in range(3):
        params = [float(p) for p in rng.uniform(-3, 3, GATE_PARAMS[name])]
        gate = qiskit_gate(name, params)
        qubits = [int(q) for q in rng.permutation(n)[: gate.num_qubits]]
        psi = random_state(n, rng)
        qc = QuantumCircuit(n)
        qc.append(gate, qubits)
        expected = Statevector(psi).evolve(qc).data
        out = apply_matrix(torch.from_numpy(psi).reshape(1, -1), gate_matrix(name, params), qubits)
        assert np.max(np.abs(out[0].numpy() - expected)) < 1e-13


def test_apply_matrix_with_a_dense_four_qubit_unitary_and_batched_states():
    rng = np.random.default_rng(3)
    n, qubits = 7, [5, 0, 3, 6]
    u = random_unitary(16, seed=11).data
    states = random_state(n, rng, batch=(3,))
    out = apply_matrix(torch.from_numpy(states), torch.from_numpy(u), qubits).numpy()
    for b in range(3):
        qc = QuantumCircuit(n)
        qc.unitary(u, qubits)
        assert np.max(np.abs(out[b] - Statevector(states[b]).evolve(qc).data)) < 1e-13


def test_apply_diagonal_matches_statevector():
    rng = np.random.default_rng(4)
    n, qubits = 6, [4, 1, 2]
    diag = np.exp(1j * rng.uniform(0, 2 * np.pi, 8))
    psi = random_state(n, rng)
    qc = QuantumCircuit(n)
    qc.unitary(np.diag(diag), qubits)
    out = apply_diagonal(torch.from_numpy(psi).reshape(1, -1), torch.from_numpy(diag), qubits)
    assert np.max(np.abs(out[0].numpy() - Statevector(psi).evolve(qc).data)) < 1e-14


def test_batched_matrix_and_diagonal_broadcast_a_single_state():
    rng = np.random.default_rng(5)
    theta = torch.tensor(rng.uniform(-3, 3, 5))
    psi = torch.from_numpy(random_state(4, rng)).reshape(1, -1)
    out = apply_matrix(psi, gate_matrix("ry", [theta]), [2])
    diag = torch.diagonal(gate_matrix("rzz", [theta]), dim1=-2, dim2=-1)
    out = apply_diagonal(out, diag, [3, 0])
    for b in range(5):
        qc = QuantumCircuit(4)
        qc.ry(float(theta[b]), 2)
        qc.rzz(float(theta[b]), 3, 0)
        assert np.max(np.abs(out[b].numpy() - Statevector(psi[0].numpy()).evolve(qc).data)) < 1e-14


@pytest.mark.parametrize("n", range(1, 9))
def test_apply_qft_equals_the_numpy_reference(n):
    rng = np.random.default_rng(20 + n)
    for trial in range(8):
        m = int(rng.integers(1, n + 1))
        qubits = [int(q) for q in rng.permutation(n)[:m]]
        inverse, do_swaps = bool(trial & 1), bool(trial & 2)
        states = random_state(n, rng, batch=(2,))
        expected = numpy_qft(states, qubits, inverse=inverse, do_swaps=do_swaps)
        out = apply_qft(torch.from_numpy(states), qubits, inverse=inverse, do_swaps=do_swaps)
        assert np.max(np.abs(out.numpy() - expected)) < 1e-12
        out64 = apply_qft(torch.from_numpy(states).to(torch.complex64), qubits, inverse=inverse, do_swaps=do_swaps)
        assert out64.dtype == torch.complex64 and np.max(np.abs(out64.numpy() - expected)) < 1e-5


@pytest.mark.parametrize("position", [0, 1, 7, 16, 17])
def test_one_qubit_in_place_matches_statevector(position, monkeypatch):
    import qspectral.kernels.layout as layout

    monkeypatch.setattr(layout, "ONE_QUBIT_BLOCK", 2**5)  # many blocks, some partial rows
    n = 18
    unitary = random_unitary(2, seed=position)
    psi = random_state(n, seed=position, batch=(2,))
    state = torch.from_numpy(psi.copy())
    out = layout.one_qubit_in_place(state, torch.from_numpy(unitary.data), position)
    assert out is state  # written in place
    circuit = QuantumCircuit(n)
    circuit.unitary(unitary, [position])
    for b in range(2):
        assert np.max(np.abs(out[b].numpy() - Statevector(psi[b]).evolve(circuit).data)) < 1e-12


@pytest.mark.parametrize("dtype, tol", [(torch.complex128, 1e-12), (torch.complex64, 1e-5)])
@pytest.mark.parametrize("low, num_bits, low_bits, x_low_first", [
    (0, 6, 3, True), (0, 7, 3, True), (0, 7, 5, False), (2, 5, 2, True), (3, 6, 4, False),
])
def test_split_fft_equals_numpy_fft_on_the_block(low, num_bits, low_bits, x_low_first, dtype, tol):
    from qspectral.kernels.fft import split_fft

    n = low + num_bits + 2
    psi = random_state(n, seed=num_bits, batch=(3,))
    lower = low_bits if x_low_first else num_bits - low_bits
    upper = num_bits - lower
    # index of the block: x = x_L + 2**low_bits x_H, with x_L in the lower run when x_low_first
    blocks = psi.reshape(3, 4, 2**upper, 2**lower, 2**low)
    x = blocks.transpose(0, 1, 3, 2, 4) if not x_low_first else blocks  # axes (.., x_H, x_L, ..)
    plain = x.reshape(3, 4, 2**num_bits, 2**low)
    for inverse in (False, True):
        spectrum = (np.fft.fft if inverse else np.fft.ifft)(plain, axis=2, norm="ortho")
        # output: k_L (2**(num_bits - low_bits) values) in x_H's run, k_H in x_L's run
        k = spectrum.reshape(3, 4, 2**low_bits, 2 ** (num_bits - low_bits), 2**low)  # axes (.., k_H, k_L, ..)
        expected = k.transpose(0, 1, 3, 2, 4) if x_low_first else k  # runs exchanged, or in order
        for overwrite in (False, True):
            state = torch.from_numpy(psi.astype(np.complex64 if dtype == torch.complex64 else np.complex128))
            before = state.clone()
            out = split_fft(state, low, num_bits, low_bits, x_low_first=x_low_first, inverse=inverse,
                            workers=2, overwrite=overwrite)
            assert (out is state) == overwrite
            assert overwrite or torch.equal(state, before)
            assert np.max(np.abs(out.numpy().reshape(expected.shape) - expected)) < tol


def test_block_swapping_permutation_equals_the_bitwise_one():
    import qspectral.kernels.layout as kernels

    rng = np.random.default_rng(9)
    state = torch.from_numpy(random_state(14, rng, batch=(2,)))
    for low, high in ((6, 8), (7, 7), (6, 6)):
        source = list(range(low, low + high)) + list(range(low)) + list(range(low + high, 14))
        assert kernels._block_swap(source) == (low, high)
        swapped = kernels.permute_positions(state, source)
        n = 14
        bitwise = state.reshape((2, *[2] * n)).permute([0] + [n - source[n - 1 - t] for t in range(n)]).reshape(2, -1)
        assert torch.equal(swapped, bitwise)


def test_kernels_do_not_modify_their_input():
    rng = np.random.default_rng(6)
    psi = torch.from_numpy(random_state(3, rng)).reshape(1, -1)
    before = psi.clone()
    apply_matrix(psi, gate_matrix("h"), [1])
    apply_diagonal(psi, torch.tensor([1, -1]), [0])
    apply_qft(psi, [2, 0], do_swaps=False)
    assert torch.equal(psi, before)


def test_kernel_gradients_match_finite_differences():
    rng = np.random.default_rng(8)
    psi = torch.from_numpy(random_state(4, rng)).reshape(1, -1)
    weights = torch.tensor(rng.uniform(0, 1, 16))

    def loss(t):
        s = apply_matrix(psi, gate_matrix("ry", [t]), [1])
        s = apply_qft(s, [3, 1, 2], do_swaps=False)
        s = apply_diagonal(s, torch.diagonal(gate_matrix("cp", [t]), dim1=-2, dim2=-1), [0, 2])
        s = apply_matrix(s, gate_matrix("rxx", [t / 3]), [3, 0])
        return (s.abs() ** 2 * weights).sum()

    t = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    loss(t).backward()
    eps = 1e-6
    up, down = (torch.tensor(0.4 + d, dtype=torch.float64) for d in (eps, -eps))
    fd = (loss(up) - loss(down)) / (2 * eps)
    assert abs(t.grad.item() - fd.item()) < 1e-8


def test_zero_state():
    state = zero_state(3, 2, dtype=torch.complex64)
    assert state.shape == (2, 8) and state.dtype == torch.complex64
    assert torch.equal(state.abs().sum(dim=1), torch.ones(2)) and bool((state[:, 0] == 1).all())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: zero_state(0), InvalidQubitsError, "num_qubits must be an integer >= 1"),
        (lambda: zero_state(2, dtype=torch.float64), TypeError, "complex64 or torch.complex128"),
        (lambda: apply_matrix(zero_state(2), gate_matrix("h"), [2]), InvalidQubitsError, "out of range"),
        (lambda: apply_matrix(zero_state(2), gate_matrix("cx"), [1, 1]), InvalidQubitsError, "repeat"),
        (lambda: apply_matrix(zero_state(2), gate_matrix("cx"), [1]), InvalidStateError, "needs a (2, 2) matrix"),
        (lambda: apply_matrix(zero_state(2, 3), gate_matrix("rx", [torch.zeros(2)]), [0]), InvalidStateError, "size 2"),
        (lambda: apply_diagonal(zero_state(2), torch.ones(3), [0]), InvalidStateError, "needs 2 entries"),
        (lambda: apply_qft(zero_state(2), []), InvalidQubitsError, "empty"),
        (lambda: apply_qft(torch.zeros(4, dtype=torch.complex128), [0]), InvalidStateError, "shape (batch, 2**n)"),
        (lambda: apply_qft(torch.zeros(1, 6, dtype=torch.complex128), [0]), InvalidStateError, "power-of-two"),
        (lambda: gate_matrix("foo"), ValueError, "unknown gate 'foo'"),
        (lambda: gate_matrix("rx"), ValueError, "takes 1 parameter(s), got 0"),
        (lambda: gate_matrix("rx", [1j]), TypeError, "must be real"),
        (lambda: gate_matrix("rx", [torch.zeros(2, 2)]), InvalidStateError, "scalar or a 1-D batch"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()
