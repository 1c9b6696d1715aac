"""OpenQASM round trips, checked by simulating the reloaded circuit against numpy closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm2
from qiskit.quantum_info import Statevector
from qiskit.synthesis import synth_qft_full

from qspectral import UnsupportedCircuitError, apply_qft, qft, random_state, simulate
from qspectral.quantum.qasm import load_qasm, to_qasm3
from qspectral.quantum.spectral_ops import spectral_filter, spectral_phase


@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("do_swaps", [False, True])
def test_qft_block_survives_a_qasm3_round_trip_as_a_named_gate(inverse, do_swaps):
    circuit = qft(5, [3, 0, 4], inverse=inverse, do_swaps=do_swaps)
    text = to_qasm3(circuit)
    assert f"gate {'iqft' if inverse else 'qft'}" in text
    loaded = load_qasm(text)
    psi = random_state(5, seed=1)
    out = simulate(loaded, "qiskit", initial_state=psi)
    assert np.max(np.abs(out - apply_qft(psi, [3, 0, 4], inverse=inverse, do_swaps=do_swaps))) < 1e-12


def test_global_phases_and_library_gates_survive_export():
    phases = np.linspace(-2, 3, 8)
    circuit = spectral_phase(3, phases)
    circuit.global_phase = 0.9
    loaded = load_qasm(to_qasm3(circuit))
    psi = random_state(3, seed=2)
    expected = np.exp(0.9j) * np.fft.ifft(np.exp(1j * phases) * np.fft.fft(psi))
    assert np.max(np.abs(simulate(loaded, "qiskit", initial_state=psi) - expected)) < 1e-12


def test_exported_library_gates_run_on_aer():
    # A parameterless gate named "diagonal" crashes Aer 0.18; the exporter prefixes its names.
    text = to_qasm3(spectral_filter(3, [1, 0.5, 0, 0, 0, 0, 0, 0.5]).circuit)
    assert "gate qs_ucry" in text and "gate ucry" not in text
    psi = np.zeros(16, complex)
    psi[:8] = random_state(3, seed=3)
    out = simulate(load_qasm(text), "aer", initial_state=psi)
    expected = np.fft.ifft(np.array([1, 0.5, 0, 0, 0, 0, 0, 0.5]) * np.fft.fft(psi[:8]))
    assert np.max(np.abs(out[:8] - expected)) < 1e-12


def test_openqasm2_with_legacy_gates_loads(tmp_path):
    path = tmp_path / "qft.qasm"
    path.write_text(qasm2.dumps(synth_qft_full(4)))
    loaded = load_qasm(path)
    psi = random_state(4, seed=4)
    assert np.allclose(Statevector(psi).evolve(loaded).data, 4 * np.fft.ifft(psi))
    cu1 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\nx q[0];\nx q[1];\ncu1(pi/2) q[0],q[1];\n'
    assert np.allclose(Statevector(load_qasm(cu1)).data[3], 1j)


def test_load_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="no circuit file .*missing.qasm.*; check the path"):
        load_qasm(tmp_path / "missing.qasm")
    with pytest.raises(FileNotFoundError, match="neither an OpenQASM program nor an existing file"):
        load_qasm(str(tmp_path / "missing.qasm"))
    with pytest.raises(UnsupportedCircuitError, match="does not parse"):
        load_qasm("OPENQASM 3.0;\nqubit[2] q;\nnotagate q[0];\n")
    with pytest.raises(UnsupportedCircuitError, match="declares OpenQASM version '4.0'"):
        load_qasm("OPENQASM 4.0;\n")


def test_plain_circuit_exports_unchanged_gates():
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cp(0.25, 0, 1)
    assert "cp(0.25) q[0], q[1];" in to_qasm3(circuit)
