"""The engine's compile stage: numpy-fused steps, swaps as relabellings, parameterised steps, the program cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.circuit.library import DiagonalGate
from qiskit.quantum_info import Operator, Statevector, partial_trace, random_unitary

from qspectral.sim.bench import gate_heavy_circuit
from qspectral.sim.engine import compile_circuit, compiler, execute, run_circuit
from qspectral.sim.engine.matrices import fused_matrix
from qspectral.sim.engine.program import Op
from tests.conftest import random_state


@pytest.mark.parametrize("max_fused", [2, 3, 4, 5])
def test_gate_heavy_circuits_agree_with_statevector(max_fused):
    for n in (3, 6):
        circuit = gate_heavy_circuit(n, 400, seed=n)
        program = compile_circuit(circuit, max_fused=max_fused)
        assert all(len(s.wires) <= max_fused for s in program.steps if s.kind == "matrix")
        assert all(s.operator is not None for s in program.steps)  # multiplied out at compile time
        psi = random_state(n, np.random.default_rng(n))
        out = run_circuit(circuit, psi, max_fused=max_fused)[0].numpy()
        assert np.max(np.abs(out - Statevector(psi).evolve(circuit).data)) < 1e-12


def test_fused_matrix_on_permuted_wires_equals_qiskit_operator():
    rng = np.random.default_rng(11)
    wires = (7, 2, 9, 4)  # bit b of the product acts on wires[b]
    circuit = QuantumCircuit(4)
    members = []
    for _ in range(10):
        k = int(rng.integers(1, 3))
        local = [int(q) for q in rng.permutation(4)[:k]]
        u = random_unitary(2**k, seed=int(rng.integers(2**31))).data
        circuit.unitary(u, local)
        members.append(Op("matrix", "u", tuple(wires[q] for q in local), constant=u))
    members.append(Op("diagonal", "d", (wires[3], wires[1]), constant=np.exp(1j * np.arange(4.0))))
    circuit.append(DiagonalGate(list(np.exp(1j * np.arange(4.0)))), [3, 1])
    assert np.max(np.abs(fused_matrix(wires, members) - Operator(circuit).data)) < 1e-13


def test_three_cnots_are_a_relabelling_not_a_step():
    circuit = QuantumCircuit(3, global_phase=0.3)
    circuit.ry(0.4, 0)
    circuit.rx(1.1, 1)
    circuit.cx(2, 1)
    for a, b in ((0, 1), (1, 0), (0, 1)):
        circuit.cx(a, b)
    circuit.h(0)
    circuit.cx(0, 2)
    program = compile_circuit(circuit)
    assert not any("cx,cx,cx" in line for line in program.describe()), program.describe()
    assert program.output_wires != (0, 1, 2)
    psi = random_state(3, np.random.default_rng(1))
    out = run_circuit(circuit, psi)[0].numpy()
    assert np.max(np.abs(out - Statevector(psi).evolve(circuit).data)) < 1e-12


def test_parameterised_gates_are_built_at_run_time_and_rebinding_reuses_the_program():
    a = Parameter("a")
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.ry(a, 0)
    circuit.cx(0, 1)
    circuit.rz(2 * a, 1)
    program = compile_circuit(circuit)
    assert compile_circuit(circuit) is program
    free = [s for s in program.steps if s.operator is None]
    assert [s.describe() for s in free] == ["layer [0] ry", "layer [1] rz"]
    for value in (0.3, -1.2):
        out = execute(program, values={a: value})[0].numpy()
        bound = circuit.assign_parameters({a: value})
        assert np.max(np.abs(out - Statevector.from_int(0, 4).evolve(bound).data)) < 1e-12
        assert np.max(np.abs(run_circuit(circuit, parameters={a: value})[0].numpy() - out)) < 1e-14
    angle = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    run_circuit(circuit, parameters={a: angle}).abs().pow(2)[0, 3].backward()
    assert angle.grad is not None and torch.isfinite(angle.grad)


def test_a_layer_of_rotations_is_one_step_with_batched_parameters_and_gradients():
    """One-qubit gates around parameterised ones on up to max_fused wires form one layer step
    (the Kronecker product of each wire's product), batched over parameter values, differentiable."""
    theta = ParameterVector("t", 7)
    circuit = QuantumCircuit(6)
    circuit.h(5)
    for q in range(5):
        circuit.ry(theta[q], q)
    circuit.rz(theta[5], 2)
    circuit.sx(3)
    circuit.u(theta[6], 0.3, -0.2, 1)
    circuit.cx(0, 5)
    program = compile_circuit(circuit)
    assert [s.describe().split(" ")[0] for s in program.steps].count("layer") == 1
    layer = next(s for s in program.steps if s.kind == "layer")
    assert sorted(layer.wires) == [0, 1, 2, 3, 4]
    rng = np.random.default_rng(11)
    values = rng.uniform(-np.pi, np.pi, (3, 7))
    batched = {theta[j]: torch.tensor(values[:, j], requires_grad=True) for j in range(7)}
    out = run_circuit(circuit, parameters=batched)
    for b in range(3):
        bound = circuit.assign_parameters(dict(zip(theta, values[b])))
        assert np.max(np.abs(out[b].detach().numpy() - Statevector.from_int(0, 64).evolve(bound).data)) < 1e-12
    out.abs().pow(2)[:, 7].sum().backward()
    step = 1e-6  # central differences of the same probability for the first parameter set
    for j in (0, 5, 6):
        shifted = []
        for sign in (1, -1):
            v = values[0].copy()
            v[j] += sign * step
            state = Statevector.from_int(0, 64).evolve(circuit.assign_parameters(dict(zip(theta, v)))).data
            shifted.append(abs(state[7]) ** 2)
        assert abs(batched[theta[j]].grad[0].item() - (shifted[0] - shifted[1]) / (2 * step)) < 1e-6


def test_permuting_gates_run_as_a_gather_on_any_wires():
    """Fused X / CX / CCX / SWAP-like gates are a permutation step (an index gather, no GEMM),
    on wires in any order and position, batched and differentiable; a phase breaks it."""
    circuit = QuantumCircuit(7)
    circuit.cx(5, 1)
    circuit.x(3)
    circuit.ccx(1, 3, 6)
    circuit.cx(6, 5)
    program = compile_circuit(circuit)
    assert [s.kind for s in program.steps] == ["permutation"] * len(program.steps)
    with_phase = circuit.copy()
    with_phase.s(3)
    assert "permutation" not in [s.kind for s in compile_circuit(with_phase).steps if 3 in s.wires]
    psi = random_state(7, seed=12, batch=(2,))
    leaf = torch.from_numpy(psi).requires_grad_(True)
    out = run_circuit(circuit, leaf)
    for b in range(2):
        assert np.max(np.abs(out[b].detach().numpy() - Statevector(psi[b]).evolve(circuit).data)) < 1e-14
    weights = torch.from_numpy(random_state(7, seed=13))
    (out * weights).real.sum().backward()  # L = Re(w^T P psi): dL/dpsi* = P^T w (P real)
    expected = Operator(circuit).data.T @ weights.numpy()
    assert np.max(np.abs(leaf.grad.numpy() - np.stack([np.conj(expected)] * 2))) < 1e-12


def test_a_cnot_ring_wider_than_max_fused_is_one_gather():
    """Gates that only permute join one permutation step up to MAX_PERMUTED wires (one gather),
    wider than max_fused; the sharded engine's width (max_permuted=max_fused) keeps them narrow."""
    n = 10
    circuit = QuantumCircuit(n)
    circuit.x(4)
    for q in range(n):
        circuit.cx(q, (q + 1) % n)
    circuit.ccx(2, 7, 9)
    program = compile_circuit(circuit)
    assert [(s.kind, len(s.wires)) for s in program.steps] == [("permutation", n)]
    assert all(len(s.wires) <= 5 for s in compile_circuit(circuit, max_permuted=5).steps)
    psi = random_state(n, seed=21, batch=(3,))
    leaf = torch.from_numpy(psi).requires_grad_(True)
    out = run_circuit(circuit, leaf)
    for b in range(3):
        assert np.max(np.abs(out[b].detach().numpy() - Statevector(psi[b]).evolve(circuit).data)) < 1e-14
    weights = torch.from_numpy(random_state(n, seed=22))
    (out * weights).real.sum().backward()  # L = Re(w^T P psi): dL/dpsi* = P^T w (P real)
    expected = Operator(circuit).data.T @ weights.numpy()
    assert np.max(np.abs(leaf.grad.numpy() - np.stack([np.conj(expected)] * 3))) < 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_a_program_for_measured_qubits_keeps_their_reduced_state(seed):
    """compile_circuit(measured=...) leaves out the gates outside the measured qubits' light cone:
    fewer steps, and the measured qubits' reduced density matrix is Qiskit's to 1e-12."""
    rng = np.random.default_rng(seed)
    n = 6
    circuit = gate_heavy_circuit(n, 30, seed=seed)
    for q in range(n):  # a final layer on every qubit: all outside the cone but the measured ones'
        circuit.ry(float(rng.uniform(0, np.pi)), q)
        circuit.rz(float(rng.uniform(0, np.pi)), q)
    measured = sorted(int(q) for q in rng.choice(n, size=int(rng.integers(1, 3)), replace=False))
    program = compile_circuit(circuit, measured=measured)
    full = compile_circuit(circuit)
    assert program.measured == frozenset(measured) and full.measured is None
    members = lambda p: sum(len(s.members) for s in p.steps)  # noqa: E731
    assert members(program) < members(full)
    psi = random_state(n, seed=seed)
    out = execute(program, torch.from_numpy(psi).reshape(1, -1))[0].numpy()
    others = [q for q in range(n) if q not in measured]
    got = partial_trace(Statevector(out), others).data
    expected = partial_trace(Statevector(psi).evolve(circuit), others).data
    assert np.max(np.abs(got - expected)) < 1e-12


def test_program_cache_hits_copies_and_misses_changes():
    circuit = gate_heavy_circuit(4, 50, seed=3)
    program = compile_circuit(circuit)
    assert compile_circuit(circuit) is program and compile_circuit(circuit.copy()) is program
    assert compile_circuit(circuit, max_fused=2) is not program
    changed = circuit.copy()
    index = next(i for i, inst in enumerate(changed.data) if inst.operation.params)
    changed.data[index] = changed.data[index].replace(params=[p + 0.1 for p in changed.data[index].operation.params])
    other = compile_circuit(changed)
    assert other is not program
    psi = random_state(4, np.random.default_rng(4))
    assert np.max(np.abs(run_circuit(changed, psi)[0].numpy() - Statevector(psi).evolve(changed).data)) < 1e-12
    longer = circuit.copy()
    longer.x(0)
    assert compile_circuit(longer) is not program
    phased = circuit.copy()
    phased.global_phase += 0.5
    assert compile_circuit(phased) is not program


def test_program_cache_is_bounded_in_count_and_bytes(monkeypatch):
    compiler.clear_cache()
    for k in range(compiler.CACHE_SIZE + 5):
        circuit = QuantumCircuit(1)
        circuit.rx(0.01 * k, 0)
        compile_circuit(circuit)
    assert len(compiler._CACHE) == compiler.CACHE_SIZE
    wide = [gate_heavy_circuit(5, 60, seed=k) for k in range(3)]
    sizes = [sum(s.operator.nbytes for s in compile_circuit(c).steps) for c in wide]
    assert all(size >= 16 * 16 * 16 for size in sizes)  # fused steps of 4 or 5 qubits
    compiler.clear_cache()
    monkeypatch.setattr(compiler, "CACHE_BYTES", sizes[1] + sizes[2])
    programs = [compile_circuit(c) for c in wide]
    assert len(compiler._CACHE) == 2  # the first one went to make room
    assert compile_circuit(wide[2]) is programs[2] and compile_circuit(wide[0]) is not programs[0]
