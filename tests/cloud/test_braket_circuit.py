"""The Qiskit -> Braket conversion is exact (matrices), and Braket bitstrings map to our order."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.quantum_info import Operator

pytest.importorskip("braket.circuits", reason="the [cloud] extra is not installed")

from qspectral.cloud.braket_circuit import BRAKET_GATES, outcome_counts, to_braket  # noqa: E402
from qspectral.conventions import reverse_qubit_order  # noqa: E402
from qspectral.errors import UnsupportedCircuitError  # noqa: E402


def _braket_unitary_in_qiskit_order(circuit: QuantumCircuit) -> np.ndarray:
    """Braket's to_unitary() puts its first qubit in the most significant bit: reverse both axes."""
    u = to_braket(circuit).to_unitary()
    n = circuit.num_qubits
    return reverse_qubit_order(reverse_qubit_order(u).T).T if n > 1 else u


@pytest.mark.parametrize("name", sorted(BRAKET_GATES))
def test_every_mapped_gate_has_the_same_matrix(name):
    gate = get_standard_gate_name_mapping()[name]
    params = [0.3 + 0.4 * i for i in range(len(gate.params))]
    gate = gate.base_class(*params)
    qc = QuantumCircuit(gate.num_qubits)
    qc.append(gate, list(range(gate.num_qubits)))
    qc.x(0)  # every qubit present in the Braket circuit; the same X on both sides
    qc.x(0)
    for q in range(gate.num_qubits):
        qc.id(q)
    got = _braket_unitary_in_qiskit_order(qc)
    np.testing.assert_allclose(got, Operator(qc).data, atol=1e-12)  # equal, global phase included


def test_random_circuit_and_qft_convert_up_to_global_phase(rng):
    from qiskit.circuit.random import random_circuit

    from qspectral import qft

    for circuit in (random_circuit(4, 8, max_operands=3, seed=7), qft(4)):
        got = _braket_unitary_in_qiskit_order(circuit)
        want = Operator(circuit).data
        overlap = np.trace(want.conj().T @ got) / want.shape[0]
        assert abs(abs(overlap) - 1) < 1e-10  # same unitary; only the (dropped) global phase may differ


def test_qubit_indices_are_kept():
    qc = QuantumCircuit(4)
    qc.x(0)
    qc.x(2)
    braket = to_braket(qc)
    assert sorted(int(q) for q in braket.qubits) == [0, 2]


def test_non_unitary_instruction_is_rejected():
    qc = QuantumCircuit(1)
    qc.reset(0)
    with pytest.raises(UnsupportedCircuitError, match="'reset' cannot be sent to Braket"):
        to_braket(qc)


def test_outcome_counts_reverses_braket_order():
    # Braket: leftmost char = measured_qubits[0]. Qubits 0 and 3 set out of measured [0, 1, 3].
    assert outcome_counts({"101": 7, "000": 1}, [0, 1, 3], [0, 1, 2, 3]) == {0b1001: 7, 0: 1}
    # a read-out order other than the qubit order: bit 0 <- qubit 3, bit 1 <- qubit 0
    assert outcome_counts({"101": 2}, [0, 1, 3], [3, 0]) == {0b11: 2}
