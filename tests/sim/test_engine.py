"""The torch engine against Aer, Qiskit's Statevector, numpy's FFT, finite differences and PennyLane."""

from __future__ import annotations

import re

import numpy as np
import pennylane as qml
import pytest
import torch
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Gate, Parameter
from qiskit.circuit.library import DiagonalGate, MCPhaseGate, QFTGate, UCRYGate, UnitaryGate
from qiskit.quantum_info import Statevector, random_unitary
from qiskit.synthesis import synth_qft_full

from qspectral import QFTBlock, qft, simulate
from qspectral.quantum.spectral_gates import SpectralPhaseGate
from qspectral.conventions import apply_qft as numpy_qft
from qspectral.errors import InvalidStateError, UnsupportedCircuitError
from qspectral.sim.engine import compile_circuit, cuda_missing, run_circuit
from tests.conftest import random_state

ONE = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "p", "u"]
TWO = ["cx", "cy", "cz", "ch", "cp", "crx", "cry", "crz", "swap", "iswap", "rxx", "ryy", "rzz"]
DIAGONAL = ["rz", "p", "z", "s", "t", "cp", "cz", "crz", "rzz"]
ANGLES = {"rx": 1, "ry": 1, "rz": 1, "p": 1, "u": 3, "cp": 1, "crx": 1, "cry": 1, "crz": 1}
ANGLES.update(rxx=1, ryy=1, rzz=1)


def random_qft(circuit: QuantumCircuit, rng: np.random.Generator) -> None:
    """Append a QFT on a random subset: our block, Qiskit's gate, or plain h/cp/swap gates."""
    n = circuit.num_qubits
    m = int(rng.integers(1, n + 1))
    qubits = [int(q) for q in rng.permutation(n)[:m]]
    inverse, do_swaps = bool(rng.integers(2)), bool(rng.integers(2))
    degree = int(rng.integers(0, m)) if rng.random() < 0.3 else 0
    form = rng.random()
    if form < 0.5:
        circuit.append(QFTBlock(m, inverse=inverse, do_swaps=do_swaps, approximation_degree=degree), qubits)
    elif form < 0.7:
        circuit.append(QFTGate(m).inverse() if inverse else QFTGate(m), qubits)
    else:
        gates = synth_qft_full(m, do_swaps=do_swaps, inverse=inverse, approximation_degree=degree)
        circuit.compose(gates, qubits, inplace=True)


def random_circuit(n: int, depth: int, rng: np.random.Generator) -> QuantumCircuit:
    """1q/2q/diagonal gates, a few multi-qubit unitaries, diagonals and multiplexers, QFTs of every form."""
    qc = QuantumCircuit(n, global_phase=rng.uniform(0, 2 * np.pi))
    for _ in range(depth):
        r = rng.random()
        if r < 0.1:
            random_qft(qc, rng)
            continue
        if r > 0.95 and n >= 3:
            k = int(rng.integers(2, min(n, 4) + 1))
            qubits = [int(q) for q in rng.permutation(n)[:k]]
            kind = rng.integers(4)
            if kind == 0:
                qc.append(UnitaryGate(random_unitary(2**k, seed=int(rng.integers(2**31)))), qubits)
            elif kind == 1:
                qc.append(MCPhaseGate(rng.uniform(-3, 3), k - 1), qubits)
            elif kind == 2:
                qc.append(DiagonalGate(list(np.exp(1j * rng.uniform(0, 6, 2**k)))), qubits)
            else:
                qc.append(UCRYGate(list(rng.uniform(-3, 3, 2 ** (k - 1)))), qubits)
            continue
        pool = DIAGONAL if r < 0.35 else (ONE if r < 0.65 or n < 2 else TWO)
        name = str(rng.choice([g for g in pool if g in ONE or n >= 2]))
        arity = 2 if name in TWO else 1
        qubits = [int(q) for q in rng.permutation(n)[:arity]]
        getattr(qc, name)(*rng.uniform(-3, 3, ANGLES.get(name, 0)), *qubits)
    return qc


@pytest.mark.slow
def test_random_circuits_agree_with_aer_and_statevector():
    rng = np.random.default_rng(2024)
    for trial in range(300):
        n = int(rng.integers(1, 11))
        qc = random_circuit(n, int(rng.integers(1, 30)), rng)
        psi = random_state(n, rng)
        reference = Statevector(psi).evolve(qc).data
        aer = simulate(qc, "aer", initial_state=psi)
        out = simulate(qc, "engine", initial_state=psi)
        out64 = simulate(qc, "engine", initial_state=psi, dtype=np.complex64)
        assert np.max(np.abs(out - reference)) < 1e-10, trial
        assert np.max(np.abs(out - aer)) < 1e-10, trial
        assert out64.dtype == np.complex64 and np.max(np.abs(out64 - reference)) < 1e-5, trial


@pytest.mark.parametrize("n", range(1, 11))
def test_qft_on_random_subsets_matches_numpy(n):
    rng = np.random.default_rng(300 + n)
    for trial in range(4):
        m = int(rng.integers(1, n + 1))
        qubits = [int(q) for q in rng.permutation(n)[:m]]
        inverse, do_swaps = bool(trial & 1), bool(trial & 2)
        psi = random_state(n, rng)
        out = simulate(qft(n, qubits, inverse=inverse, do_swaps=do_swaps), "engine", initial_state=psi)
        assert np.max(np.abs(out - numpy_qft(psi, qubits, inverse=inverse, do_swaps=do_swaps))) < 1e-12


# ---------------------------------------------------------------------------------------------
# QFTs as FFTs: the compiled program shows one FFT step, and the state is right
# ---------------------------------------------------------------------------------------------


def assert_runs_as_fft(circuit: QuantumCircuit, subset_size: int, psi: np.ndarray) -> None:
    program = compile_circuit(circuit)
    ffts = [s for s in program.steps if s.kind == "fft"]
    assert [len(s.wires) for s in ffts] == [subset_size], program.describe()
    assert not any(op.name in ("h", "cp", "cu1") for s in program.steps for op in s.members), program.describe()
    out = run_circuit(circuit, psi)[0].numpy()
    assert np.max(np.abs(out - Statevector(psi).evolve(circuit).data)) < 1e-12


@pytest.mark.parametrize("m", [2, 3, 5, 8])
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("do_swaps", [False, True])
def test_decomposed_qiskit_qft_runs_as_one_fft(m, inverse, do_swaps):
    rng = np.random.default_rng(m)
    n = m + 2
    qubits = [int(q) for q in rng.permutation(n)[:m]]
    circuit = QuantumCircuit(n)
    circuit.compose(synth_qft_full(m, do_swaps=do_swaps, inverse=inverse), qubits, inplace=True)
    assert_runs_as_fft(circuit, m, random_state(n, rng))


@pytest.mark.parametrize("m", [3, 6])
def test_qft_gate_decomposed_and_embedded_in_a_larger_circuit_runs_as_one_fft(m):
    rng = np.random.default_rng(40 + m)
    n = m + 3
    circuit = QuantumCircuit(n)
    for q in range(n):
        circuit.ry(rng.uniform(0, 3), q)
    circuit.cx(0, n - 1)
    subset = list(range(2, 2 + m))
    decomposed = QFTGate(m).definition
    for k, inst in enumerate(decomposed.data):  # interleave gates on the qubits outside the subset
        circuit.append(inst.operation, [subset[decomposed.find_bit(q).index] for q in inst.qubits])
        circuit.rx(0.1 * k, k % 2)
    circuit.cz(1, n - 1)
    for q in range(n):
        circuit.rz(rng.uniform(0, 3), q)
    assert_runs_as_fft(circuit, m, random_state(n, rng))


def test_inverse_qft_gate_and_transpiled_qft_run_as_ffts():
    rng = np.random.default_rng(5)
    inverse = QuantumCircuit(5)
    inverse.append(QFTGate(4).inverse(), [4, 0, 3, 1])
    assert_runs_as_fft(inverse, 4, random_state(5, rng))
    transpiled = transpile(qft(5), basis_gates=["h", "cp", "swap"], optimization_level=0)
    assert_runs_as_fft(transpiled, 5, random_state(5, rng))


@pytest.mark.parametrize("n", [3, 4, 8])
def test_qasm3_round_trip_of_qft_runs_as_fft(n):
    from qiskit import qasm3

    for inverse in (False, True):
        loaded = qasm3.loads(qasm3.dumps(qft(n, inverse=inverse)))
        assert loaded.data[0].operation.definition is not None  # a custom gate of h/cp/swap
        assert_runs_as_fft(loaded, n, random_state(n, np.random.default_rng(n)))


def test_approximate_and_spoiled_qfts_fall_back_to_gates():
    rng = np.random.default_rng(6)
    psi = random_state(5, rng)
    approximate = qft(5, approximation_degree=2)
    spoiled = synth_qft_full(5)
    spoiled.data[3] = spoiled.data[3].replace(params=[0.3])  # one wrong angle
    for circuit in (approximate, spoiled):
        program = compile_circuit(circuit)
        assert all(len(s.wires) < 5 for s in program.steps if s.kind == "fft"), program.describe()
        out = run_circuit(circuit, psi)[0].numpy()
        assert np.max(np.abs(out - Statevector(psi).evolve(circuit).data)) < 1e-12


def test_qft_on_adjacent_qubits_above_the_lowest_ones():
    rng = np.random.default_rng(14)
    psi = random_state(9, rng, batch=(2,))
    for qubits, inverse, do_swaps in (([3, 4, 5, 6], False, True), ([5, 6, 7, 8], True, False), ([2, 3], False, False)):
        circuit = qft(9, qubits, inverse=inverse, do_swaps=do_swaps)
        circuit.rx(0.4, 0)
        circuit.compose(qft(9, [1, 2, 3], inverse=True), inplace=True)
        out = run_circuit(circuit, psi).numpy()
        for b in range(2):
            assert np.max(np.abs(out[b] - Statevector(psi[b]).evolve(circuit).data)) < 1e-12


def test_large_state_qft_path_two_half_length_ffts(monkeypatch):
    """Above LEAN_FFT_AMPLITUDES a QFT runs as two FFTs and a twiddle (lower peak memory)."""
    import qspectral.sim.engine.executor as engine

    calls = []
    real_twiddle = engine.twiddle
    monkeypatch.setattr(engine, "LEAN_FFT_AMPLITUDES", 16)
    monkeypatch.setattr(engine, "twiddle", lambda *a, **k: calls.append(a[1]) or real_twiddle(*a, **k))
    rng = np.random.default_rng(15)
    for n in (2, 5, 8):
        circuit = qft(n)
        circuit.p(0.3, 0)
        circuit.compose(qft(n, inverse=True), inplace=True)  # consumes the rotated layout
        m = max(2, n - 2)
        circuit.compose(qft(n, list(range(n))[::-1][:m], do_swaps=False), inplace=True)
        psi = random_state(n, rng, batch=(2,))
        expected = np.array([Statevector(p).evolve(circuit).data for p in psi])
        for dtype, tol in ((torch.complex128, 1e-12), (torch.complex64, 1e-5)):
            out = run_circuit(circuit, psi, dtype=dtype).numpy()
            assert np.max(np.abs(out - expected)) < tol
        leaf = torch.from_numpy(psi).requires_grad_(True)
        tracked = run_circuit(circuit, leaf)
        assert np.max(np.abs(tracked.detach().numpy() - expected)) < 1e-12
        tracked.abs().pow(4).sum().backward()  # gradients flow through the split FFT
        assert leaf.grad is not None
    assert calls  # the split path ran


def test_execute_from_zero_state_equals_run_circuit():
    from qspectral.sim.engine import execute

    circuit = qft(5, [4, 1, 2])
    circuit.h(0)
    program = compile_circuit(circuit)
    out = execute(program, dtype=torch.complex64)
    assert out.dtype == torch.complex64
    assert np.max(np.abs(out[0].numpy() - Statevector.from_int(0, 32).evolve(circuit).data)) < 1e-6


def test_uniformly_controlled_gates_run_as_multiplexed_steps():
    from qiskit.circuit.library import UCGate, UCRXGate, UCRYGate, UCRZGate

    rng = np.random.default_rng(16)
    n = 7
    circuit = qft(n, [0, 1, 2, 3, 4], inverse=True)
    circuit.append(UCRYGate(list(rng.uniform(-3, 3, 32))), [5, 0, 1, 2, 3, 4])  # spectral-filter shape
    circuit.compose(qft(n, [0, 1, 2, 3, 4]), inplace=True)
    circuit.append(UCRXGate(list(rng.uniform(-3, 3, 8))), [6, 3, 0, 5])
    circuit.append(UCGate([random_unitary(2, seed=s).data for s in range(4)]), [1, 6, 4])
    circuit.append(UCRZGate(list(rng.uniform(-3, 3, 4))), [2, 4, 0])
    kinds = [s.kind for s in compile_circuit(circuit).steps]
    assert kinds == ["fft", "multiplexed", "fft", "multiplexed", "multiplexed", "diagonal"]
    psi = random_state(n, rng)
    for dtype, tol in ((np.complex128, 1e-12), (np.complex64, 1e-5)):
        out = simulate(circuit, "engine", initial_state=psi, dtype=dtype)
        assert np.max(np.abs(out - Statevector(psi).evolve(circuit).data)) < tol


def test_the_engine_frees_the_start_state_it_created(monkeypatch):
    """Memory: from |0>, no more than the working pair is alive at the second FFT."""
    import weakref

    import qspectral.sim.engine.executor as executor
    import qspectral.sim.engine.product as product

    created, alive_at_fft = [], []
    real_zero, real_fft = product.zero_state, executor.fft_bits

    def zero_state(*args, **kwargs):
        state = real_zero(*args, **kwargs)
        created.append(weakref.ref(state))
        return state

    def fft_bits(*args, **kwargs):
        alive_at_fft.append(created[0]() is not None)
        return real_fft(*args, **kwargs)

    monkeypatch.setattr(product, "zero_state", zero_state)
    monkeypatch.setattr(executor, "fft_bits", fft_bits)
    circuit = qft(8)
    circuit.p(0.2, 3)
    circuit.compose(qft(8, inverse=True), inplace=True)
    with torch.no_grad():
        executor.execute(compile_circuit(circuit))
    assert alive_at_fft == [True, False]  # the first FFT reads it; it is gone before the second


def test_diagonal_runs_are_fused_into_one_multiply():
    circuit = qft(6)
    for q in range(6):
        circuit.p(0.1 * (q + 1), q)
        circuit.rz(0.2, q)
    circuit.cp(0.3, 0, 5)
    circuit.append(MCPhaseGate(0.4, 2), [1, 2, 3])
    circuit.append(DiagonalGate([1, 1j, -1, -1j]), [4, 0])
    circuit.rzz(0.5, 2, 4)
    circuit.compose(qft(6, inverse=True), inplace=True)
    assert [s.kind for s in compile_circuit(circuit).steps] == ["fft", "diagonal", "fft"]
    psi = random_state(6, np.random.default_rng(7))
    out = run_circuit(circuit, psi)[0].numpy()
    assert np.max(np.abs(out - Statevector(psi).evolve(circuit).data)) < 1e-12


# ---------------------------------------------------------------------------------------------
# parameters, batches and gradients
# ---------------------------------------------------------------------------------------------


def parameterised_circuit() -> tuple[QuantumCircuit, list[Parameter]]:
    a, b, c = Parameter("a"), Parameter("b"), Parameter("c")
    qc = QuantumCircuit(4)
    qc.ry(a, 0)
    qc.rx(2 * b + 0.5, 1)
    qc.cx(0, 2)
    qc.crz(c, 1, 3)
    qc.append(QFTBlock(3), [0, 1, 3])
    qc.rzz(a * c, 0, 3)
    qc.p(b, 2)
    qc.append(QFTBlock(4, inverse=True, do_swaps=False), [3, 2, 1, 0])
    qc.u(a, b, c, 2)
    qc.global_phase = a
    return qc, [a, b, c]


def test_batched_parameters_and_states_equal_one_by_one_runs():
    qc, params = parameterised_circuit()
    rng = np.random.default_rng(9)
    values = rng.uniform(-3, 3, (3, 5))
    states = random_state(4, rng, batch=(5,))
    batched = run_circuit(qc, states, parameters={p: torch.tensor(v) for p, v in zip(params, values)})
    for b in range(5):
        bound = qc.assign_parameters({p: float(v[b]) for p, v in zip(params, values)})
        single = run_circuit(bound, states[b])[0]
        assert torch.allclose(batched[b], single, atol=1e-13, rtol=0)
        assert np.max(np.abs(single.numpy() - Statevector(states[b]).evolve(bound).data)) < 1e-12
    # one state, a batch of parameter values (names work as keys too)
    by_name = run_circuit(qc, states[0], parameters={"a": torch.tensor(values[0]), "b": 0.3, "c": torch.tensor(0.2)})
    assert by_name.shape == (5, 16)


def test_gradients_match_finite_differences_and_pennylane_parameter_shift():
    a, b, c = Parameter("a"), Parameter("b"), Parameter("c")
    qc = QuantumCircuit(3)
    qc.ry(a, 0)
    qc.rx(b, 1)
    qc.cx(0, 1)
    qc.append(QFTBlock(3), [0, 1, 2])
    qc.crz(c, 1, 2)
    qc.rz(a, 0)
    qc.append(QFTBlock(3, inverse=True), [0, 1, 2])
    qc.ry(c, 2)
    z0 = torch.tensor([1.0 - 2 * (i & 1) for i in range(8)], dtype=torch.float64)

    def expval(values: torch.Tensor) -> torch.Tensor:
        state = run_circuit(qc, parameters=dict(zip((a, b, c), values)))[0]
        return (state.abs() ** 2 * z0).sum()

    point = torch.tensor([0.4, -0.9, 1.3], dtype=torch.float64, requires_grad=True)
    value = expval(point)
    (grad,) = torch.autograd.grad(value, point)

    eps = 1e-6
    finite = [
        float(expval(point.detach() + eps * e) - expval(point.detach() - eps * e)) / (2 * eps)
        for e in torch.eye(3, dtype=torch.float64)
    ]
    assert np.max(np.abs(grad.numpy() - finite)) < 1e-8

    device = qml.device("default.qubit", wires=3)

    @qml.qnode(device, diff_method="parameter-shift")
    def pennylane_circuit(x):
        qml.RY(x[0], wires=0)
        qml.RX(x[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.QFT(wires=[2, 1, 0])  # PennyLane's first wire is the most significant bit
        qml.CRZ(x[2], wires=[1, 2])
        qml.RZ(x[0], wires=0)
        qml.adjoint(qml.QFT(wires=[2, 1, 0]))
        qml.RY(x[2], wires=2)
        return qml.expval(qml.PauliZ(0))

    x = qml.numpy.array(point.detach().numpy(), requires_grad=True)
    assert abs(float(pennylane_circuit(x)) - float(value.detach())) < 1e-12
    shift = np.asarray(qml.gradients.param_shift(pennylane_circuit)(x))
    assert np.max(np.abs(shift)) > 0.05  # a non-trivial gradient
    assert np.max(np.abs(grad.numpy() - shift)) < 1e-10


def test_gradients_through_a_batch_in_complex64():
    qc, params = parameterised_circuit()
    values = torch.tensor([[0.1, 0.2], [0.3, -0.4], [1.0, 2.0]], dtype=torch.float32, requires_grad=True)
    out = run_circuit(qc, parameters=dict(zip(params, values)), dtype=torch.complex64)
    (out.abs() ** 2)[:, 5].sum().backward()
    reference = torch.tensor(values.detach().numpy().astype(np.float64), requires_grad=True)
    out128 = run_circuit(qc, parameters=dict(zip(params, reference)))
    (out128.abs() ** 2)[:, 5].sum().backward()
    assert out.dtype == torch.complex64
    assert torch.allclose(values.grad.double(), reference.grad, atol=1e-5)


def test_initial_state_is_not_modified_and_can_carry_gradients():
    rng = np.random.default_rng(10)
    psi = torch.from_numpy(random_state(4, rng))
    before = psi.clone()
    qc = QuantumCircuit(4)
    qc.h(0)
    qc.p(0.3, 1)
    qc.append(QFTBlock(4), range(4))
    qc.global_phase = 0.7
    run_circuit(qc, psi)
    assert torch.equal(psi, before)
    leaf = psi.clone().requires_grad_(True)
    run_circuit(qc, leaf)[0, 3].abs().backward()
    assert leaf.grad is not None and leaf.grad.abs().sum() > 0


# ---------------------------------------------------------------------------------------------
# gates without a native kernel, global phase, validation
# ---------------------------------------------------------------------------------------------


def test_custom_gates_opaque_unitaries_and_global_phase():
    rng = np.random.default_rng(11)
    inner = QuantumCircuit(3, global_phase=0.4)
    inner.h(0)
    inner.ccx(0, 1, 2)
    inner.append(QFTBlock(2), [2, 0])
    inner.rxx(0.3, 1, 2)
    custom = inner.to_gate(label="mine")
    qc = QuantumCircuit(5, global_phase=-1.1)
    qc.append(custom, [4, 0, 2])
    qc.append(UnitaryGate(random_unitary(8, seed=3)), [1, 3, 4])
    qc.mcx([0, 1, 2], 4)
    qc.cswap(3, 0, 1)
    qc.ecr(2, 3)
    qc.append(QFTGate(3), [1, 2, 0])
    impostor = QuantumCircuit(2)
    impostor.h(0)
    impostor.cz(0, 1)
    named_cx = impostor.to_gate()
    named_cx.name = "cx"  # a custom gate reusing a standard name runs by its definition
    qc.append(named_cx, [3, 1])
    qc.cx(2, 4, ctrl_state=0)
    psi = random_state(5, rng)
    out = simulate(qc, "engine", initial_state=psi)
    assert np.max(np.abs(out - Statevector(psi).evolve(qc).data)) < 1e-12


def test_transpiled_circuit_with_a_layout_on_the_engine():
    from qiskit.transpiler import CouplingMap

    qc = qft(4)
    qc.cx(0, 3)
    line = CouplingMap.from_line(6)
    t = transpile(qc, coupling_map=line, basis_gates=["cx", "u", "p", "h", "swap"], seed_transpiler=1)
    psi = random_state(4, np.random.default_rng(12))
    assert np.max(np.abs(simulate(t, "engine", initial_state=psi) - Statevector(psi).evolve(qc).data)) < 1e-12


def test_validation_errors_are_clear():
    theta = Parameter("theta")
    qc = QuantumCircuit(2)
    qc.rx(theta, 0)
    with pytest.raises(UnsupportedCircuitError, match=re.escape("parameter(s) without a value (theta)")):
        run_circuit(qc)
    with pytest.raises(UnsupportedCircuitError, match="'phi', which is not a parameter of the circuit"):
        run_circuit(qc, parameters={"theta": 0.1, "phi": 0.2})
    with pytest.raises(InvalidStateError, match="share one batch size"):
        run_circuit(qc, np.eye(4)[[0, 1, 2]], parameters={theta: torch.zeros(2)})
    with pytest.raises(InvalidStateError, match="real scalar or a 1-D batch"):
        run_circuit(qc, parameters={theta: torch.zeros(2, 2)})
    measured = QuantumCircuit(2, 2)
    measured.h(0)
    measured.measure(0, 0)
    with pytest.raises(UnsupportedCircuitError, match="not a unitary gate"):
        run_circuit(measured)
    with pytest.raises(InvalidStateError, match=re.escape("pass shape (4,) or (batch, 4)")):
        run_circuit(QuantumCircuit(2), np.ones(8) / 8**0.5)
    with pytest.raises(InvalidStateError, match="not normalised"):
        run_circuit(QuantumCircuit(2), np.ones(4))
    with pytest.raises(InvalidStateError, match="not normalised"):  # a batch: the second state is off
        run_circuit(QuantumCircuit(2), np.array([[1, 0, 0, 0], [0.6, 0.8j, 0.1, 0]]))
    with pytest.raises(InvalidStateError, match="NaN or infinite amplitudes"):
        run_circuit(QuantumCircuit(2), np.array([np.nan, 0, 0, 0]))
    with pytest.raises(InvalidStateError, match="NaN or infinite amplitudes"):
        run_circuit(QuantumCircuit(2), torch.tensor([1, 0, complex(0, np.inf), 0]))
    with pytest.raises(InvalidStateError, match="1e-06.*computed in float64"):  # complex64: 1e-5 off
        run_circuit(QuantumCircuit(1), np.array([1 + 1e-5, 0], dtype=np.complex64), dtype=torch.complex64)
    with pytest.raises(InvalidStateError, match="far from normalised"):
        run_circuit(QuantumCircuit(2), np.array([1e200, 0, 0, 0]))
    with pytest.raises(TypeError, match="complex64 or torch.complex128"):
        run_circuit(QuantumCircuit(2), dtype=torch.float32)
    opaque = QuantumCircuit(2)
    opaque.append(Gate("mystery", 2, []), [0, 1])
    with pytest.raises(UnsupportedCircuitError, match="'mystery' has neither a definition nor a matrix"):
        simulate(opaque, "engine")


def test_engine_gpu_matches_numpy_or_is_skipped_with_a_reason():
    reason = cuda_missing()
    if reason is not None:
        assert "CPU-only" in reason or "no CUDA device" in reason
        pytest.skip(f"engine.gpu: {reason}")
    rng = np.random.default_rng(13)
    psi = random_state(12, rng)
    out = simulate(qft(12, [3, 1, 7, 0]), "engine.gpu", initial_state=psi)
    assert np.max(np.abs(out - numpy_qft(psi, [3, 1, 7, 0]))) < 1e-12
    qc = random_circuit(8, 40, rng)
    psi = random_state(8, rng)
    assert np.max(np.abs(simulate(qc, "engine.gpu", initial_state=psi) - Statevector(psi).evolve(qc).data)) < 1e-10


def test_a_large_complex64_state_is_accepted_and_transformed():
    # A normalised single-precision state of 2**21 amplitudes: a float32 norm is off by ~3e-5 here
    # (by 3e-3 at 2**24), beyond the 1e-5 tolerance; the engine accumulates in float64.
    psi = random_state(21, seed=4)
    out = run_circuit(qft(21), torch.from_numpy(psi.astype(np.complex64)), dtype=torch.complex64)
    assert out.dtype == torch.complex64
    assert np.max(np.abs(out[0].numpy() - numpy_qft(psi))) < 1e-5


def test_long_qfts_run_in_place_on_the_cpu_and_match_numpy(monkeypatch):
    """QFTs of POCKETFFT_BITS or more bits run as two in-place pocketfft passes on the CPU: on any
    subset, inverse or not, in both precisions, one after another on the layout the last one left;
    the caller's state is never written to."""
    import qspectral.sim.engine.executor as engine

    calls = []
    real = engine.split_fft
    monkeypatch.setattr(engine, "split_fft", lambda *a, **k: calls.append(k["x_low_first"]) or real(*a, **k))
    n = engine.POCKETFFT_BITS + 2
    psi = random_state(n, seed=16)
    kept = psi.copy()
    subset = [1, 3, *range(4, n)]  # POCKETFFT_BITS qubits, not contiguous, not starting at 0
    upper = list(range(2, n))  # contiguous above bit 0: transformed where it lies
    phases = np.random.default_rng(3).uniform(-np.pi, np.pi, 2**n)
    shifted = qft(n, inverse=True)
    shifted.append(SpectralPhaseGate(phases), range(n))
    shifted.compose(qft(n), inplace=True)  # consumes the layout the inverse QFT left
    twice = qft(n, upper)
    twice.compose(qft(n, upper), inplace=True)
    for circuit, expected in (
        (qft(n), numpy_qft(psi)),
        (qft(n, inverse=True), numpy_qft(psi, inverse=True)),
        (qft(n, subset), numpy_qft(psi, subset)),
        (qft(n, upper, do_swaps=False), Statevector(psi).evolve(qft(n, upper, do_swaps=False)).data),
        (twice, numpy_qft(numpy_qft(psi, upper), upper)),
        (shifted, np.fft.ifft(np.exp(1j * phases) * np.fft.fft(psi))),
    ):
        calls.clear()
        out = run_circuit(circuit, psi).numpy()[0]
        assert calls and np.max(np.abs(out - expected)) < 1e-12
        single = run_circuit(circuit, psi.astype(np.complex64), dtype=torch.complex64).numpy()[0]
        assert np.max(np.abs(single - expected)) < 1e-5
    assert calls[:2] == [True, False]  # the second QFT read the rotated layout the first one left
    assert np.array_equal(psi, kept)


def test_conjugate_and_strided_inputs_reach_the_in_place_qft_correctly():
    import qspectral.sim.engine.executor as engine

    n = engine.POCKETFFT_BITS
    psi = random_state(n, seed=21, batch=(2,))
    conjugated = torch.from_numpy(psi).conj()  # a lazy conjugate view
    strided = torch.from_numpy(np.ascontiguousarray(psi.T)).T  # not contiguous
    assert conjugated.is_conj() and not strided.is_contiguous()
    out = run_circuit(qft(n), conjugated).numpy()
    assert np.max(np.abs(out[1] - numpy_qft(psi[1].conj()))) < 1e-12
    out = run_circuit(qft(n), strided).numpy()
    assert np.max(np.abs(out[0] - numpy_qft(psi[0]))) < 1e-12


def test_a_compiled_program_is_immutable_and_runs_again_in_another_precision():
    """The executor caches constant operators itself (per step, dtype, device), not in the program."""
    import dataclasses

    from qspectral.sim.engine import execute

    circuit = qft(6, [4, 0, 2])
    circuit.h(1)
    circuit.cx(1, 3)
    circuit.rz(0.3, 5)
    circuit.cp(0.7, 5, 3)
    program = compile_circuit(circuit)
    before = program.describe()
    expected = Statevector.from_int(0, 64).evolve(circuit).data
    for dtype, tol in ((torch.complex128, 1e-12), (torch.complex64, 1e-6), (torch.complex128, 1e-12)):
        out = execute(program, dtype=dtype)
        assert out.dtype == dtype and np.max(np.abs(out[0].numpy() - expected)) < tol
    assert program.describe() == before
    with pytest.raises(dataclasses.FrozenInstanceError):
        program.steps[0].wires = (0,)
