"""SamplingProgram: read-out map, ideal distribution (vs Statevector), QASM loading, bad circuits."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import Statevector

from qspectral.cloud.program import SamplingProgram, circuit_hash, qft_roundtrip
from qspectral.errors import InvalidQubitsError, UnsupportedCircuitError


def test_no_measurements_reads_every_qubit_in_order():
    qc = QuantumCircuit(3)
    qc.x(2)
    program = SamplingProgram.from_circuit(qc)
    assert program.measured == (0, 1, 2)
    assert program.ideal_distribution().tolist() == [0, 0, 0, 0, 1, 0, 0, 0]


def test_explicit_measurements_define_the_outcome_bits():
    qc = QuantumCircuit(3, 2)
    qc.x(2)
    qc.measure(2, 0)  # qubit 2 -> bit 0
    qc.measure(0, 1)  # qubit 0 -> bit 1
    program = SamplingProgram.from_circuit(qc)
    assert program.measured == (2, 0)
    assert int(np.argmax(program.ideal_distribution())) == 1
    assert program.unitary.count_ops() == {"x": 1}


def test_ideal_distribution_matches_statevector_marginals(rng):
    qc = QuantumCircuit(4, 3)
    for q in range(4):
        qc.ry(float(rng.uniform(0, np.pi)), q)
    qc.cx(0, 3)
    qc.cx(1, 2)
    unitary = qc.copy()
    qc.measure([3, 1, 2], [0, 1, 2])
    # Statevector.probabilities(qargs) indexes its result with qargs[0] as the least significant bit.
    expected = Statevector(unitary).probabilities([3, 1, 2])
    np.testing.assert_allclose(SamplingProgram.from_circuit(qc).ideal_distribution(), expected, atol=1e-12)


def test_qasm3_round_trip_keeps_circuit_and_readout():
    program = SamplingProgram.from_circuit(qft_roundtrip(3, 5))
    text = program.to_qasm3()
    back = SamplingProgram.from_qasm3(text)
    assert back.measured == program.measured
    np.testing.assert_allclose(back.ideal_distribution(), program.ideal_distribution(), atol=1e-12)
    assert program.to_qasm3() == text  # deterministic, so equal circuits get equal hashes
    assert circuit_hash(text) == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("n, x", [(1, 1), (3, 1), (4, 10)])
def test_qft_roundtrip_returns_its_input(n, x):
    ideal = SamplingProgram.from_circuit(qft_roundtrip(n, x)).ideal_distribution()
    assert ideal[x] == pytest.approx(1.0)


def test_qft_roundtrip_keeps_both_transforms():
    ops = qft_roundtrip(3, 1).count_ops()
    assert ops["qft"] == 1 and ops["iqft"] == 1 and ops["barrier"] == 2


@pytest.mark.parametrize("n, x, match", [(0, 0, "qubits >= 1"), (3, 8, "0..7"), (3, -1, "0..7"), (2, True, "integer")])
def test_qft_roundtrip_rejects_bad_input(n, x, match):
    with pytest.raises(InvalidQubitsError, match=match):
        qft_roundtrip(n, x)


def test_circuit_with_non_standard_gates_survives_the_job_store_text():
    """spectral_phase holds a DiagonalGate, which Qiskit's plain QASM 3 exporter cannot write."""
    from qspectral import spectral_phase

    phases = np.linspace(0, np.pi, 8)
    qc = QuantumCircuit(3)
    qc.h([0, 1, 2])
    qc.compose(spectral_phase(3, phases), inplace=True)
    qc.compose(qft_roundtrip(3, 0).remove_final_measurements(inplace=False), inplace=True)
    program = SamplingProgram.from_circuit(qc)
    back = SamplingProgram.from_qasm3(program.to_qasm3())
    expected = Statevector(qc).probabilities()
    np.testing.assert_allclose(back.ideal_distribution(), expected, atol=1e-10)


def _mid_circuit():
    qc = QuantumCircuit(2, 2)
    qc.measure(0, 0)
    qc.x(0)
    qc.measure(1, 1)
    return qc


def _reset():
    qc = QuantumCircuit(1)
    qc.reset(0)
    return qc


def _unread_bit():
    qc = QuantumCircuit(2, 2)
    qc.measure(0, 0)
    return qc


def _twice():
    qc = QuantumCircuit(1, 2)
    qc.measure(0, 0)
    qc.measure(0, 1)
    return qc


def _bit_twice():
    qc = QuantumCircuit(2, 1)
    qc.measure(0, 0)
    qc.measure(1, 0)
    return qc


def _unbound():
    qc = QuantumCircuit(1)
    qc.rx(Parameter("theta"), 0)
    return qc


def _bits_no_measure():
    return QuantumCircuit(1, 1)


@pytest.mark.parametrize(
    "make, match",
    [
        (_reset, "dynamic \\(instruction 0 is a reset\\) but measures nothing"),
        (_unread_bit, "classical bit 1 is never measured"),
        (_bit_twice, "classical bit 0 is written by two"),
        (_unbound, "unbound parameters \\(theta\\)"),
        (_bits_no_measure, "no measurement"),
    ],
)
def test_unsupported_circuits(make, match):
    with pytest.raises(UnsupportedCircuitError, match=match):
        SamplingProgram.from_circuit(make())


@pytest.mark.parametrize("make", [_mid_circuit, _twice])
def test_dynamic_circuits_are_kept_whole(make):
    """A mid-circuit measurement is sampled as written: outcome bit j is classical bit j."""
    circuit = make()
    program = SamplingProgram.from_circuit(circuit)
    assert program.unitary is None and program.dynamic == circuit and program.num_bits == circuit.num_clbits
    assert "dynamic circuit" in program.ideal_source
    assert SamplingProgram.from_qasm3(program.to_qasm3()).dynamic.count_ops() == circuit.count_ops()


def test_not_a_circuit():
    with pytest.raises(TypeError, match="QuantumCircuit"):
        SamplingProgram.from_circuit("OPENQASM 3.0;")


def test_ideal_distribution_refuses_huge_circuits():
    with pytest.raises(InvalidQubitsError, match="limit 20"):
        SamplingProgram.from_circuit(QuantumCircuit(21)).ideal_distribution()
