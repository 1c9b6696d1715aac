"""The engine's product-state start (runs from |0...0>): states against Qiskit's Statevector,
gradients against the parameter-shift rule on Statevector."""

import numpy as np
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import Statevector

from qspectral.sim.engine import run_circuit
from qspectral.sim.engine.compiler import compile_circuit
from qspectral.sim.engine.product import MAX_FACTOR_WIRES, product_start


def _circuit(theta: Parameter, phi: Parameter) -> QuantumCircuit:
    n = MAX_FACTOR_WIRES + 2
    qc = QuantumCircuit(n)
    qc.h(0)
    qc.ry(0.3, 2)
    qc.cx(0, 1)            # merges the factor of qubit 0 with fresh qubit 1
    qc.ry(phi, 3)          # a parameterised step on a fresh qubit
    qc.rz(theta, 3)
    qc.h(3)
    qc.cp(0.4, 1, 2)       # merges two factors
    qc.crx(phi, 3, 5)
    for q in range(5, n - 1):  # a chain that outgrows a factor: the rest runs on the full state
        qc.cx(q, q + 1)
    qc.h(n - 1)
    qc.cp(0.7, n - 1, 0)
    return qc


def test_product_start_matches_statevector_for_a_batch_of_parameters():
    theta, phi = Parameter("theta"), Parameter("phi")
    qc = _circuit(theta, phi)
    program = compile_circuit(qc)
    assert len(program.steps) > 1
    values = np.array([[0.1, -0.4], [1.3, 2.2], [-2.0, 0.5]])
    out = run_circuit(qc, parameters={theta: torch.tensor(values[:, 0]), phi: torch.tensor(values[:, 1])})
    for row, (t, p) in zip(out.numpy(), values):
        reference = Statevector(qc.assign_parameters({theta: t, phi: p})).data
        assert np.max(np.abs(row - reference)) < 1e-12


def test_product_start_runs_the_leading_steps_and_stops_at_a_wide_factor():
    qc = QuantumCircuit(MAX_FACTOR_WIRES + 2)
    qc.h(range(qc.num_qubits))   # one factor per qubit
    for q in range(qc.num_qubits - 1):
        qc.cx(q, q + 1)
    program = compile_circuit(qc, max_fused=2)
    from qspectral.sim.engine.binding import Resolver
    from qspectral.sim.engine.executor import _factor, _Operators

    operators = _Operators(Resolver({}, torch.float64, "cpu"), torch.complex128, torch.device("cpu"))
    run, done = product_start(program.steps, qc.num_qubits, operators, _factor, torch.empty(0, dtype=torch.complex128))
    assert 0 < done < len(program.steps)
    assert sorted(run.holder) == list(range(qc.num_qubits))
    assert np.allclose(run_circuit(qc)[0].numpy(), Statevector(qc).data, atol=1e-12)


def test_gradients_through_the_product_start_match_the_parameter_shift_rule():
    theta, phi = Parameter("theta"), Parameter("phi")
    qc = _circuit(theta, phi)
    point = {theta: 0.37, phi: -1.1}
    values = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True) for p, v in point.items()}
    state = run_circuit(qc, parameters=values)[0]
    signs = torch.tensor([1.0 - 2 * ((i >> 3) & 1) for i in range(2**qc.num_qubits)], dtype=torch.float64)
    (state.abs() ** 2 * signs).sum().backward()   # <Z_3>

    def z3(bound):
        probs = np.abs(Statevector(qc.assign_parameters(bound)).data) ** 2
        return float(probs @ signs.numpy())

    # theta appears once (rz), so the two-term shift rule is exact for it
    shift = (z3({**point, theta: point[theta] + np.pi / 2}) - z3({**point, theta: point[theta] - np.pi / 2})) / 2
    assert abs(shift) > 1e-2 and abs(values[theta].grad.item() - shift) < 1e-8
    # phi appears in ry and crx: central differences on Statevector
    eps = 1e-6
    diff = (z3({**point, phi: point[phi] + eps}) - z3({**point, phi: point[phi] - eps})) / (2 * eps)
    assert abs(diff) > 1e-2 and abs(values[phi].grad.item() - diff) < 1e-6
