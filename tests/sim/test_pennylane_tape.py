"""PennyLane -> Qiskit conversion, checked against PennyLane's default.qubit and numpy's FFT.

Reference states come from ``qml.device("default.qubit", wires=...)``. Two orders are used:
a device with ``wires=list(reversed(wire_order))`` puts Qiskit qubit 0's wire first, i.e. it is the
"wires 0..n-1" case of :func:`qspectral.conventions.from_pennylane_order`; a device with
``wires=wire_order`` must give qspectral's little-endian array directly.
"""

from __future__ import annotations

import numpy as np
import pennylane as qml
import pytest
import torch
from qiskit.quantum_info import random_unitary

from qspectral import pennylane_to_circuit, simulate
from qspectral.conventions import apply_qft, from_pennylane_order, random_state
from qspectral.errors import InvalidQubitsError, UnsupportedCircuitError
from qspectral.sim.engine import compile_circuit, run_circuit

LABELS = ["a", 3, "q", 0, "wire-7"]
FIXED_1 = [qml.Hadamard, qml.PauliX, qml.PauliY, qml.PauliZ, qml.S, qml.T, qml.SX]
PARAM_1 = {qml.RX: 1, qml.RY: 1, qml.RZ: 1, qml.PhaseShift: 1, qml.U1: 1, qml.U2: 2, qml.U3: 3, qml.Rot: 3}
FIXED_2 = [qml.CNOT, qml.CZ, qml.CY, qml.CH, qml.SWAP, qml.ISWAP, qml.ECR]  # ECR: via decomposition
PARAM_2 = {qml.ControlledPhaseShift: 1, qml.CRX: 1, qml.CRY: 1, qml.CRZ: 1, qml.IsingXX: 1, qml.IsingYY: 1,
           qml.IsingZZ: 1, qml.CRot: 3}  # CRot: via decomposition
FIXED_3 = [qml.Toffoli, qml.CSWAP, qml.CCZ]


def reference_state(ops, device_wires, psi_device_order=None) -> np.ndarray:
    """``qml.state()`` of default.qubit with ``device_wires``, from ``psi_device_order`` if given."""
    prep = [] if psi_device_order is None else [qml.StatePrep(psi_device_order, wires=device_wires)]
    tape = qml.tape.QuantumScript(prep + list(ops), [qml.state()])
    return np.asarray(qml.execute([tape], qml.device("default.qubit", wires=device_wires))[0])


def random_op(wires: list, rng: np.random.Generator):
    """One gate of the supported set (or one that needs a decomposition) on random wires."""
    n = len(wires)
    pick = lambda k: [wires[i] for i in rng.permutation(n)[:k]]  # noqa: E731
    angles = lambda k: rng.uniform(-np.pi, np.pi, size=k)  # noqa: E731
    r = rng.random()
    if n >= 3 and r < 0.08:
        return FIXED_3[rng.integers(len(FIXED_3))](wires=pick(3))
    if n >= 2 and r < 0.3:
        return FIXED_2[rng.integers(len(FIXED_2))](wires=pick(2))
    if n >= 2 and r < 0.5:
        gate = list(PARAM_2)[rng.integers(len(PARAM_2))]
        return gate(*angles(PARAM_2[gate]), wires=pick(2))
    if n >= 2 and r < 0.55:
        return qml.QubitUnitary(random_unitary(4, seed=int(rng.integers(2**31))).data, wires=pick(2))
    if r < 0.6:
        k = int(rng.integers(1, n + 1))
        return qml.DiagonalQubitUnitary(np.exp(1j * angles(2**k)), wires=pick(k))
    if r < 0.65:
        return qml.MultiRZ(angles(1)[0], wires=pick(int(rng.integers(1, n + 1))))
    if r < 0.7:
        return qml.adjoint(qml.S(wires=pick(1)) if rng.random() < 0.5 else qml.T(wires=pick(1)))
    if r < 0.73:
        return qml.GlobalPhase(angles(1)[0], wires=pick(1))
    if r < 0.8:
        return FIXED_1[rng.integers(len(FIXED_1))](wires=pick(1))
    gate = list(PARAM_1)[rng.integers(len(PARAM_1))]
    return gate(*angles(PARAM_1[gate]), wires=pick(1))


@pytest.mark.parametrize("seed", range(40))
def test_random_circuits_match_default_qubit(seed):
    rng = np.random.default_rng(seed)
    n = 1 + seed % 5
    wire_order = [LABELS[i] for i in rng.permutation(5)[:n]]
    ops = [random_op(wire_order, rng) for _ in range(12)]
    psi = random_state(n, seed=seed)  # qspectral order

    out = simulate(pennylane_to_circuit(qml.tape.QuantumScript(ops), wire_order), "engine", initial_state=psi)

    # qubit q = wire_order[n-1-q]: a device listing the wires by qubit is PennyLane's "wires 0..n-1" order
    by_qubit = wire_order[::-1]
    expected = from_pennylane_order(reference_state(ops, by_qubit, from_pennylane_order(psi)))
    np.testing.assert_allclose(out, expected, atol=1e-10)
    # and a device with wires=wire_order (MSB first) returns our little-endian array as it is
    np.testing.assert_allclose(out, reference_state(ops, wire_order, psi), atol=1e-10)


@pytest.mark.parametrize("inverse", [False, True])
def test_qft_on_a_subset_is_one_fft(inverse):
    wire_order = ["a", 3, "q", 0, "wire-7"]
    subset = [0, "a", "wire-7"]  # PennyLane: subset[0] is the MSB of the transformed index
    op = qml.adjoint(qml.QFT(wires=subset)) if inverse else qml.QFT(wires=subset)
    circuit = pennylane_to_circuit([op], wire_order)

    steps = compile_circuit(circuit).describe()
    assert len(steps) == 1 and steps[0].startswith("fft"), steps
    assert ("inverse" in steps[0]) == inverse

    psi = random_state(5, seed=11)
    out = simulate(circuit, "engine", initial_state=psi)
    np.testing.assert_allclose(out, reference_state([op], wire_order, psi), atol=1e-10)
    # wire w is qubit 4 - wire_order.index(w); our subset lists the LSB first: reverse PennyLane's list
    qubits = [4 - wire_order.index(w) for w in reversed(subset)]
    assert qubits == [0, 4, 1]  # "wire-7" -> qubit 0 (LSB of the transform), "a" -> 4, 0 -> 1
    np.testing.assert_allclose(out, apply_qft(psi, qubits, inverse=inverse), atol=1e-10)


def test_qft_inside_a_circuit_keeps_its_fft():
    wire_order = [2, 0, 1, 3]
    ops = [qml.Hadamard(0), qml.CNOT([0, 3]), qml.QFT(wires=[3, 1, 2]), qml.RY(0.4, 1),
           qml.adjoint(qml.QFT(wires=[0, 1]))]
    circuit = pennylane_to_circuit(ops, wire_order)
    assert sum(step.startswith("fft") for step in compile_circuit(circuit).describe()) == 2
    np.testing.assert_allclose(simulate(circuit, "engine"), reference_state(ops, wire_order), atol=1e-10)


def test_unitaries_on_non_adjacent_wires():
    wire_order = [0, 1, 2, "x", 4]
    u = random_unitary(4, seed=5).data
    d = np.exp(1j * np.random.default_rng(2).uniform(0, 2 * np.pi, 8))
    for op in (qml.QubitUnitary(u, wires=[4, 1]), qml.QubitUnitary(u, wires=[1, 4]),
               qml.DiagonalQubitUnitary(d, wires=["x", 0, 2])):
        psi = random_state(5, seed=3)
        out = simulate(pennylane_to_circuit([op], wire_order), "engine", initial_state=psi)
        np.testing.assert_allclose(out, reference_state([op], wire_order, psi), atol=1e-10)


def test_run_circuit_takes_a_tape_in_its_wire_order():
    # tape.wires = ["b", "a"] (order of first use, not sorted): "b" is the MSB
    tape = qml.tape.QuantumScript([qml.PauliX("b"), qml.RY(0.7, "a"), qml.CNOT(["a", "b"])], [qml.state()])
    assert list(tape.wires) == ["b", "a"]
    expected = reference_state(tape.operations, ["b", "a"])
    np.testing.assert_allclose(run_circuit(tape)[0].numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(run_circuit(tape, wire_order=["a", "b"])[0].numpy(),
                               reference_state(tape.operations, ["a", "b"]), atol=1e-12)


def test_measurements_are_ignored_and_plain_torch_numbers_accepted():
    ops = [qml.RX(torch.tensor(0.3), 0), qml.Hadamard(1)]
    tape = qml.tape.QuantumScript(ops, [qml.probs(wires=[0]), qml.expval(qml.PauliZ(1))])
    np.testing.assert_allclose(simulate(pennylane_to_circuit(tape), "engine"),
                               reference_state([qml.RX(0.3, 0), qml.Hadamard(1)], [0, 1]), atol=1e-12)


def test_run_circuit_refuses_a_tape_that_measures_more_than_the_state():
    ops = [qml.Hadamard(0), qml.CNOT([0, 1])]
    for measurement in (qml.expval(qml.PauliZ(0)), qml.probs(wires=[1]), qml.sample(), qml.density_matrix([0])):
        tape = qml.tape.QuantumScript(ops, [measurement], shots=10 if isinstance(measurement, qml.measurements.SampleMP) else None)
        with pytest.raises(UnsupportedCircuitError, match=r"returns the state.*qml\.device\('qspectral\.engine'"):
            run_circuit(tape)
    # a plain qml.state() is what run_circuit returns: the Bell state
    out = run_circuit(qml.tape.QuantumScript(ops, [qml.state()]))[0].numpy()
    np.testing.assert_allclose(out, np.array([1, 0, 0, 1]) / np.sqrt(2), atol=1e-12)


def test_trainable_torch_parameter_is_refused():
    theta = torch.tensor(0.3, requires_grad=True)
    with pytest.raises(UnsupportedCircuitError, match=r"RX on wires \[0\] has a trainable torch parameter.*"
                       "gradients through PennyLane tapes are not supported"):
        pennylane_to_circuit([qml.RX(theta, 0)], [0])


class Opaque(qml.operation.Operation):
    """A real PennyLane operation with a matrix but no decomposition."""

    num_wires = 1

    @staticmethod
    def compute_matrix():
        return np.array([[0, 1], [1, 0]])


def test_unsupported_operations_are_named():
    with pytest.raises(UnsupportedCircuitError, match=r"Opaque on wires \[0\].*qml.QubitUnitary"):
        pennylane_to_circuit([qml.Hadamard(1), Opaque(wires=0)], [0, 1])
    mid = qml.measure(0).measurements[0]
    with pytest.raises(UnsupportedCircuitError, match="MidMeasure.*non-unitary"):
        pennylane_to_circuit([mid], [0])
    with pytest.raises(UnsupportedCircuitError, match="broadcast"):
        pennylane_to_circuit([qml.RX(np.array([0.1, 0.2]), 0)], [0])


def test_bad_wire_orders_and_inputs():
    with pytest.raises(InvalidQubitsError, match="wire 2.*not in wire_order"):
        pennylane_to_circuit([qml.CNOT([0, 2])], [0, 1])
    with pytest.raises(InvalidQubitsError, match="repeats a wire"):
        pennylane_to_circuit([qml.Hadamard(0)], [0, 0])
    with pytest.raises(InvalidQubitsError, match="needs wire_order"):
        pennylane_to_circuit([qml.Hadamard(0)])
    with pytest.raises(TypeError, match="needs PennyLane operations, got str"):
        pennylane_to_circuit(["h"], [0])
