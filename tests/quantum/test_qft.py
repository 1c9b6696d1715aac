"""The QFT family on every CPU backend against numpy's FFT, Qiskit's QFTGate and closed-form bounds."""

from __future__ import annotations

import warnings

import numpy as np
import pennylane as qml
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import QFTGate
from qiskit.quantum_info import Operator, Statevector
from qiskit.synthesis import synth_qft_full
from qiskit.transpiler import CouplingMap

from qspectral import (
    InvalidQubitsError,
    QFTBlock,
    aqft_error_bound,
    fidelity,
    from_pennylane_order,
    qft,
    qft_ops,
    simulate,
)
from qspectral.conventions import bit_reverse_indices
from qspectral.sim.backends import available_backends
from tests.conftest import random_state


def numpy_reference(psi, qubits, inverse, do_swaps):
    """sqrt(N) ifft / fft/sqrt(N) along the subset axis, written directly with numpy."""
    n = int(np.log2(psi.size))
    m = len(qubits)
    rest = [q for q in range(n) if q not in qubits]
    tensor = psi.reshape((2,) * n)  # axis i is qubit n-1-i
    # axes ordered: rest (most significant first), then subset (qubits[-1] ... qubits[0])
    order = [n - 1 - q for q in reversed(rest)] + [n - 1 - q for q in reversed(qubits)]
    moved = tensor.transpose(order).reshape(2 ** (n - m), 2**m)
    rev = np.array([int(format(k, f"0{m}b")[::-1], 2) for k in range(2**m)])
    if inverse:
        moved = moved[:, rev] if not do_swaps else moved
        out = np.fft.fft(moved, axis=1) / np.sqrt(2**m)
    else:
        out = np.fft.ifft(moved, axis=1) * np.sqrt(2**m)
        out = out[:, rev] if not do_swaps else out
    back = np.argsort(order)
    return out.reshape((2,) * n).transpose(back).reshape(-1)


@pytest.mark.parametrize("n", range(1, 11))
def test_qft_on_every_backend_matches_numpy(backend, n):
    rng = np.random.default_rng(100 + n)
    for trial in range(4):  # every (inverse, do_swaps) pair
        m = int(rng.integers(1, n + 1))
        qubits = [int(q) for q in rng.permutation(n)[:m]]
        inverse = bool(trial % 2)
        do_swaps = trial < 2
        psi = random_state(n, rng)
        out = simulate(qft(n, qubits, inverse=inverse, do_swaps=do_swaps), backend, initial_state=psi)
        expected = numpy_reference(psi, qubits, inverse, do_swaps)
        assert np.max(np.abs(out - expected)) < 1e-10, (qubits, inverse, do_swaps)


def test_qft_matches_qiskit_qftgate_operator():
    for n in range(1, 7):
        assert np.allclose(Operator(qft(n)).data, Operator(QFTGate(n)).data, atol=1e-12)


def test_qft_is_one_recognisable_block():
    circuit = qft(5, [3, 1, 4], inverse=True, do_swaps=False, approximation_degree=1)
    assert len(circuit.data) == 1
    block = circuit.data[0].operation
    assert isinstance(block, QFTBlock) and block.name == "iqft"
    assert (block.is_inverse, block.do_swaps, block.approximation_degree) == (True, False, 1)
    assert [circuit.find_bit(q).index for q in circuit.data[0].qubits] == [3, 1, 4]


def test_circuit_inverse_gives_inverse_block(rng):
    psi = random_state(4, rng)
    forward = qft(4, [0, 2, 3], do_swaps=False)
    round_trip = forward.compose(forward.inverse())
    assert round_trip.data[1].operation.is_inverse
    assert np.allclose(simulate(round_trip, "qiskit", initial_state=psi), psi, atol=1e-12)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_transpiled_circuits_give_the_same_state(level, rng):
    n = 5
    psi = random_state(n, rng)
    circuit = QuantumCircuit(n)
    circuit.append(QFTBlock(4), [4, 0, 2, 1])
    circuit.rz(0.3, 3)
    circuit.cx(3, 0)
    expected = simulate(circuit, "qiskit", initial_state=psi)
    # A line of 7 physical qubits: routing inserts SWAPs and ancillas; levels 2-3 elide final swaps.
    compiled = transpile(
        circuit,
        coupling_map=CouplingMap.from_line(7),
        basis_gates=["cx", "rz", "sx", "x"],
        optimization_level=level,
        seed_transpiler=11,
    )
    assert compiled.layout is not None
    for backend in available_backends():
        out = simulate(compiled, backend, initial_state=psi)
        assert np.max(np.abs(out - expected)) < 1e-9, backend


def test_transpiled_with_elided_swaps_records_a_permutation_that_simulate_undoes(rng):
    psi = random_state(4, rng)
    compiled = transpile(qft(4), basis_gates=["cx", "u", "p", "swap", "h"], optimization_level=3)
    permutation = compiled.layout.final_index_layout()
    assert permutation != list(range(4)), "expected Qiskit to elide the final swaps"
    raw = Statevector(psi).evolve(compiled.remove_final_measurements(inplace=False)).data
    assert np.max(np.abs(raw - np.sqrt(16) * np.fft.ifft(psi))) > 1e-3  # the raw state is permuted
    assert np.allclose(simulate(compiled, "aer", initial_state=psi), 4 * np.fft.ifft(psi), atol=1e-10)


@pytest.mark.parametrize("device", ["default.qubit", "lightning.qubit"])
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("degree", [0, 2])
def test_qft_ops_equal_qft_after_wire_order_conversion(device, inverse, degree, rng):
    n = 5
    psi = random_state(n, rng)
    wires = [3, 0, 4, 1]  # PennyLane order: wires[0] is the most significant bit
    dev = qml.device(device, wires=n)

    @qml.qnode(dev)
    def run():
        qml.StatePrep(np.asarray(psi_pennylane), wires=range(n))
        qft_ops(wires, inverse=inverse, approximation_degree=degree)  # queues itself in the QNode
        return qml.state()

    from qspectral import to_pennylane_order

    psi_pennylane = to_pennylane_order(psi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # AQFT warns about small orders
        out = from_pennylane_order(np.asarray(run()))
    reference = simulate(
        qft(n, list(reversed(wires)), inverse=inverse, approximation_degree=degree),
        "aer",
        initial_state=psi,
    )
    assert np.max(np.abs(out - reference)) < 1e-10


def test_approximation_degree_zero_is_exact():
    assert np.allclose(Operator(qft(6, approximation_degree=0)).data, Operator(QFTGate(6)).data)


@pytest.mark.parametrize("n", [3, 5, 7, 10])
def test_aqft_fidelity_decreases_with_degree_and_respects_the_bound(n):
    rng = np.random.default_rng(n)
    states = [random_state(n, rng) for _ in range(3)]
    exact = [np.sqrt(2**n) * np.fft.ifft(psi) for psi in states]
    previous = 1.0 + 1e-12
    for degree in range(n):
        outs = [simulate(qft(n, approximation_degree=degree), "aer", initial_state=psi) for psi in states]
        fids = [fidelity(out, ref) for out, ref in zip(outs, exact)]
        mean = float(np.mean(fids))
        assert mean <= previous + 1e-12, f"fidelity rose at degree {degree}"
        previous = mean
        eps = aqft_error_bound(n, degree)
        if eps <= np.sqrt(2):
            assert min(fids) >= (1 - eps**2 / 2) ** 2 - 1e-12
        # and the operator-norm bound itself on the worst case, from the spectral norm of the difference
        if n <= 7:
            diff = Operator(qft(n, approximation_degree=degree)).data - Operator(QFTGate(n)).data
            assert np.linalg.norm(diff, 2) <= eps + 1e-12
    if n >= 5:
        assert previous < 0.999  # dropping every rotation is a real approximation


def test_aqft_bound_counts_the_dropped_rotations():
    n, degree = 6, 3
    exact = qft(n).decompose().count_ops()["cp"]
    approx = qft(n, approximation_degree=degree).decompose().count_ops().get("cp", 0)
    assert exact - approx == sum(n - r for r in range(n - degree, n))  # closed form: 1 + 2 + 3


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(num_qubits=0), "num_qubits must be an integer >= 1"),
        (dict(num_qubits=3, qubits=[0, 5]), "qubit index 5 is out of range"),
        (dict(num_qubits=3, qubits=[2, 2]), "appears more than once"),
        (dict(num_qubits=3, approximation_degree=-1), "approximation_degree=-1 is negative"),
        (dict(num_qubits=3, approximation_degree=1.5), "approximation_degree must be an integer"),
        (dict(num_qubits=4, qubits=[0.5]), r"qubit index 0.5 is not an integer"),
        (dict(num_qubits=4, qubits=[1.0, 2]), r"qubit index 1.0 is not an integer"),
        (dict(num_qubits=2.5), "num_qubits must be an integer >= 1"),
        (dict(num_qubits=10**6), "builds QFTs on up to 1024 qubits"),
    ],
)
def test_qft_bad_input(kwargs, fragment):
    with pytest.raises(InvalidQubitsError, match=fragment):
        qft(**kwargs)


def test_qft_ops_bad_input():
    with pytest.raises(InvalidQubitsError, match="repeated wire"):
        qft_ops([0, 1, 0])
    with pytest.raises(InvalidQubitsError, match="is negative"):
        qft_ops([0, 1], approximation_degree=-2)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("extra", [0, 1, 4])
def test_every_degree_from_n_minus_1_up_leaves_hadamards_and_swaps(n, extra):
    # Closed form: with every controlled phase dropped the circuit is H on each qubit followed by
    # the bit reversal of the swaps, i.e. out[rev(k)] = (H^n psi)[k].
    degree = n - 1 + extra
    psi = random_state(n, seed=n + extra) if n > 1 else np.array([0.6, 0.8j])
    hadamard = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    walsh = np.ones((1, 1))
    for _ in range(n):
        walsh = np.kron(walsh, hadamard)
    expected = np.empty_like(psi)
    expected[bit_reverse_indices(n)] = walsh @ psi
    out = Statevector(psi).evolve(qft(n, approximation_degree=degree)).data
    assert np.max(np.abs(out - expected)) < 1e-12
    # ... and it is what Qiskit's own synthesis gives for that degree.
    reference = Operator(synth_qft_full(n, approximation_degree=degree)).data
    assert np.allclose(Operator(qft(n, approximation_degree=degree)).data, reference, atol=1e-12)
