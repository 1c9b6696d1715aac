"""The ``qspectral.engine`` PennyLane device against ``default.qubit`` (and PennyLane's own device suite)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pennylane as qml
import pytest
import torch

from qspectral.errors import BackendUnavailableError, InsufficientMemoryError, UnsupportedCircuitError

ONE = [qml.Hadamard, qml.PauliX, qml.PauliY, qml.S, qml.T, qml.SX]
ONE_PARAM = {qml.RX: 1, qml.RY: 1, qml.RZ: 1, qml.PhaseShift: 1, qml.Rot: 3, qml.U3: 3}
TWO = [qml.CNOT, qml.CZ, qml.SWAP, qml.ISWAP]
TWO_PARAM = {qml.ControlledPhaseShift: 1, qml.CRX: 1, qml.CRY: 1, qml.IsingXX: 1, qml.IsingZZ: 1, qml.CRot: 3}


def _pick(rng, wires: list, k: int) -> list:
    return [wires[i] for i in rng.choice(len(wires), size=k, replace=False)]


def _random_ops(rng, wires: list, depth: int, params=None) -> list:
    """Mixed gates plus qml.QFT / its adjoint on random wire subsets; ``params`` replaces random angles."""
    ops = []
    angles = iter(params) if params is not None else None
    for _ in range(depth):
        kind = rng.integers(5)
        if kind == 0 and len(wires) >= 2:
            subset = _pick(rng, wires, int(rng.integers(2, len(wires) + 1)))
            ops.append(qml.QFT(wires=subset) if rng.random() < 0.6 else qml.adjoint(qml.QFT(wires=subset)))
        elif kind == 1:
            ops.append(ONE[rng.integers(len(ONE))](wires=wires[rng.integers(len(wires))]))
        elif kind == 2 or len(wires) < 2:
            gate = list(ONE_PARAM)[rng.integers(len(ONE_PARAM))]
            data = [rng.uniform(-np.pi, np.pi) for _ in range(ONE_PARAM[gate])]
            data = [next(angles) for _ in data] if angles else data
            ops.append(gate(*data, wires=wires[rng.integers(len(wires))]))
        else:
            pair = _pick(rng, wires, 2)
            pool = TWO_PARAM if kind == 4 else {g: 0 for g in TWO}
            gate = list(pool)[rng.integers(len(pool))]
            data = [rng.uniform(-np.pi, np.pi) for _ in range(pool[gate])]
            data = [next(angles) for _ in data] if angles else data
            ops.append(gate(*data, wires=pair))
    return ops


def _pauli_word(rng, wires):
    chosen = _pick(rng, wires, int(rng.integers(1, min(4, len(wires)) + 1)))
    letters = [qml.PauliX, qml.PauliY, qml.PauliZ]
    return qml.prod(*[letters[rng.integers(3)](w) for w in chosen]) if len(chosen) > 1 else letters[rng.integers(3)](chosen[0])


def _random_measurements(rng, wires):
    word = _pauli_word(rng, wires)
    hamiltonian = qml.Hamiltonian(list(rng.normal(size=3)), [_pauli_word(rng, wires) for _ in range(3)])
    subset = _pick(rng, wires, int(rng.integers(1, min(3, len(wires)) + 1)))
    measurements = [qml.expval(word), qml.expval(hamiltonian), qml.var(_pauli_word(rng, wires)), qml.probs(wires=subset)]
    # without qml.state(), every measurement reads a subset: the device runs only their light cone
    return measurements + [qml.state()] if rng.random() < 0.5 else measurements


def _labels(rng, n: int) -> list:
    pool = ["a", "b", 7, 3, "x", "t1", 0.5, "q", 11, "z"]
    return _pick(rng, pool, n) if rng.random() < 0.5 else list(range(n))


def test_random_qnodes_agree_with_default_qubit():
    rng = np.random.default_rng(2024)
    for case in range(200):
        n = int(rng.integers(1, 11))
        wires = _labels(rng, n)
        tape = qml.tape.QuantumScript(_random_ops(rng, wires, int(rng.integers(3, 16))), _random_measurements(rng, wires))
        got = qml.execute([tape], qml.device("qspectral.engine", wires=wires))[0]
        ref = qml.execute([tape], qml.device("default.qubit", wires=wires))[0]
        for g, r in zip(got, ref):
            np.testing.assert_allclose(g, r, atol=1e-10, err_msg=f"case {case}: {tape.operations}")


def test_measurements_read_the_layout_a_long_qft_leaves():
    """From 18 wires a QFT leaves its two halves of bits exchanged; expectation values, variances,
    probabilities and samples read the qubits where they lie, states are put in order first."""
    n = 18
    wires = [f"w{j}" for j in range(n)]
    rng = np.random.default_rng(21)
    angles = rng.uniform(0, np.pi, n)
    word = qml.PauliZ("w0") @ qml.PauliX("w5") @ qml.PauliY("w17")

    def circuit(measurements):
        for w, a in zip(wires, angles):
            qml.RY(a, wires=w)
        qml.QFT(wires=wires)
        qml.CNOT(wires=["w3", "w12"])
        return measurements()

    def analytic():
        return (qml.expval(word), qml.var(qml.PauliX("w9")), qml.probs(wires=["w3", "w17", "w8"]), qml.state())

    ours = qml.QNode(circuit, qml.device("qspectral.engine", wires=wires))(analytic)
    reference = qml.QNode(circuit, qml.device("lightning.qubit", wires=wires))(analytic)
    for got, want in zip(ours, reference):
        assert np.max(np.abs(np.asarray(got) - np.asarray(want))) < 1e-10
    shots = 20_000
    counts = qml.QNode(circuit, qml.device("qspectral.engine", wires=wires, shots=shots, seed=3))(
        lambda: qml.counts(wires=["w17", "w3"]))
    exact = qml.QNode(circuit, qml.device("lightning.qubit", wires=wires))(lambda: qml.probs(wires=["w17", "w3"]))
    for k, p in enumerate(exact):
        frequency = counts.get(f"{k:02b}", 0) / shots
        assert abs(frequency - p) < 5 * np.sqrt(p * (1 - p) / shots) + 1e-12


def test_qnode_with_hermitian_projector_and_state_prep_matches_default_qubit():
    rng = np.random.default_rng(8)
    h = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    h = h + h.conj().T
    state = rng.normal(size=8) + 1j * rng.normal(size=8)
    state /= np.linalg.norm(state)

    def circuit():
        qml.StatePrep(state, wires=[0, 1, 2])
        qml.QFT(wires=[2, 0])
        qml.CRot(0.1, 0.2, 0.3, wires=[1, 2])
        return (qml.expval(qml.Hermitian(h, wires=[2, 1])), qml.var(qml.Hermitian(h, wires=[0, 2])),
                qml.expval(qml.Projector([1, 0], wires=[0, 1])), qml.probs(op=qml.PauliX(1)), qml.density_matrix([0]))

    got = qml.QNode(circuit, qml.device("qspectral.engine", wires=3))()
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=3))()
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, atol=1e-10)


def test_broadcast_parameters_match_default_qubit():
    x = np.linspace(-1.0, 2.0, 5)

    def circuit(x):
        qml.RY(x, wires=0)
        qml.QFT(wires=[0, 1, 2])
        qml.CRX(x / 2, wires=[1, 2])
        return qml.expval(qml.PauliZ(1) @ qml.PauliX(2)), qml.probs(wires=[2, 0]), qml.state()

    got = qml.QNode(circuit, qml.device("qspectral.engine", wires=3))(x)
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=3))(x)
    assert got[0].shape == (5,) and got[2].shape == (5, 8)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, atol=1e-10)


def test_torch_backprop_gradients_match_default_qubit():
    rng = np.random.default_rng(77)
    nonzero = 0
    for case in range(25):
        n = int(rng.integers(2, 7))
        wires = list(range(n))
        probe = _random_ops(np.random.default_rng(case), wires, 10)
        count = sum(len(op.data) for op in probe)
        values = rng.uniform(-np.pi, np.pi, size=max(count, 1))
        batch = 3 if case % 3 == 0 else None
        obs = qml.Hamiltonian(list(rng.normal(size=2)), [_pauli_word(rng, wires) for _ in range(2)])

        def circuit(params, seed=case):
            qml.RY(params[-1], wires=0)
            for op in _random_ops(np.random.default_rng(seed), wires, 10, params=list(params[:count])):
                qml.apply(op)
            return qml.expval(obs)

        grads = []
        for name in ("qspectral.engine", "default.qubit"):
            last = np.tile(values[-1], (batch, 1))[:, 0] if batch else values[-1]
            params = [torch.tensor(v, requires_grad=True) for v in values[:count]]
            extra = torch.tensor(last, requires_grad=True)
            node = qml.QNode(lambda *p: circuit(list(p)), qml.device(name, wires=n), interface="torch",
                             diff_method="backprop")
            out = node(*params, extra)
            out.sum().backward()
            grads.append([p.grad.numpy() if p.grad is not None else 0.0 for p in params + [extra]])
        nonzero += any(np.any(np.abs(g) > 1e-6) for g in grads[1])
        for g, r in zip(*grads):
            np.testing.assert_allclose(g, r, atol=1e-8, err_msg=f"case {case}")
    assert nonzero >= 20  # the comparison is not between zeros


def test_parameter_shift_and_finite_diff_match_backprop():
    def circuit(a, b):
        qml.RX(a, wires=0)
        qml.QFT(wires=[0, 1, 2])
        qml.IsingZZ(b, wires=[0, 2])
        return qml.expval(qml.PauliZ(0) @ qml.PauliY(1))

    as_param = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)  # noqa: E731
    ref_a, ref_b = as_param(0.4), as_param(-1.2)
    qml.QNode(circuit, qml.device("default.qubit", wires=3), interface="torch")(ref_a, ref_b).backward()
    for method, tol in (("parameter-shift", 1e-10), ("finite-diff", 1e-5)):
        a, b = as_param(0.4), as_param(-1.2)
        node = qml.QNode(circuit, qml.device("qspectral.engine", wires=3), interface="torch", diff_method=method)
        node(a, b).backward()
        np.testing.assert_allclose([a.grad, b.grad], [ref_a.grad, ref_b.grad], atol=tol)


def test_qfts_run_as_one_fft_step():
    dev = qml.device("qspectral.engine", wires=4)
    written = [qml.Hadamard(0), qml.ControlledPhaseShift(np.pi / 2, wires=[1, 0]),
               qml.ControlledPhaseShift(np.pi / 4, wires=[2, 0]), qml.Hadamard(1),
               qml.ControlledPhaseShift(np.pi / 2, wires=[2, 1]), qml.Hadamard(2), qml.SWAP(wires=[0, 2])]
    for ops in ([qml.QFT(wires=[3, 1, 0])], [qml.adjoint(qml.QFT(wires=[0, 1, 2, 3]))], written):
        steps = dev.program(qml.tape.QuantumScript(ops)).describe()
        assert len(steps) == 1 and steps[0].startswith("fft"), steps
    # and the written-out QFT gives default.qubit's state
    tape = qml.tape.QuantumScript([qml.PauliX(1)] + written, [qml.state()])
    np.testing.assert_allclose(qml.execute([tape], dev)[0],
                               qml.execute([tape], qml.device("default.qubit", wires=4))[0], atol=1e-12)


def test_gates_outside_the_measured_wires_light_cone_are_not_run():
    """Measuring one wire, the device runs only the gates that can reach it: the final layer shrinks
    to that wire's gates. Values and torch gradients stay default.qubit's (the left-out angles'
    gradients are 0 there too); qml.state() still runs every gate."""
    wires = 6

    def circuit(x, w):
        for q in range(wires):
            qml.RY(x[:, q], wires=q)
            qml.RZ(w[0, q], wires=q)
        for q in range(wires):
            qml.CNOT(wires=[q, (q + 1) % wires])
        qml.QFT(wires=range(wires))
        for q in range(wires):
            qml.RY(w[1, q], wires=q)
        return qml.expval(qml.PauliZ(2) @ qml.PauliX(3))

    generator = torch.Generator().manual_seed(5)
    x = torch.rand((4, wires), generator=generator, dtype=torch.float64)
    dev = qml.device("qspectral.engine", wires=wires)
    tape = qml.workflow.construct_tape(qml.QNode(circuit, dev))(x, torch.rand((2, wires), dtype=torch.float64))
    (tape,), _ = dev.preprocess_transforms()((tape,))
    def after_fft(program):
        kinds = [s.kind for s in program.steps]
        return [(s.kind, sorted(s.wires)) for s in program.steps[len(kinds) - kinds[::-1].index("fft"):]]

    assert after_fft(dev.program(tape)) == [("layer", [2, 3])]  # PennyLane wire w is qubit 5 - w
    full = qml.tape.QuantumScript(tape.operations, [qml.state()])
    assert sum(len(wires) for _, wires in after_fft(dev.program(full))) == wires
    results = []
    for device in (dev, qml.device("default.qubit", wires=wires)):
        w = torch.rand((2, wires), generator=torch.Generator().manual_seed(6), dtype=torch.float64).requires_grad_(True)
        value = qml.QNode(circuit, device, interface="torch", diff_method="backprop")(x, w)
        value.sum().backward()
        results.append((value.detach().numpy(), w.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], atol=1e-10)
    np.testing.assert_allclose(results[0][1], results[1][1], atol=1e-10)
    assert np.all(results[0][1][1, [0, 1, 4, 5]] == 0) and np.all(np.abs(results[0][1][1, [2, 3]]) > 1e-6)


def test_mid_circuit_measurements_are_deferred():
    def circuit(x):
        qml.RY(x, wires=0)
        m = qml.measure(0)
        qml.cond(m, qml.PauliX)(1)
        qml.Hadamard(0)
        return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0, 1])

    got = qml.QNode(circuit, qml.device("qspectral.engine", wires=3))(0.7)  # wire 2 holds the measurement
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=3))(0.7)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, atol=1e-12)


def test_shots_are_seeded_and_unbiased():
    def circuit():
        qml.Hadamard(0)
        qml.QFT(wires=[0, 1])
        qml.RY(0.7, wires=1)
        return qml.sample(wires=[0, 1]), qml.expval(qml.PauliZ(1)), qml.counts(wires=[1])

    def run(seed, shots=4000):
        return qml.set_shots(qml.QNode(circuit, qml.device("qspectral.engine", wires=2, seed=seed)), shots=shots)()

    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    def exact_z():
        qml.Hadamard(0)
        qml.QFT(wires=[0, 1])
        qml.RY(0.7, wires=1)
        return qml.expval(qml.PauliZ(1))

    exact = qml.QNode(exact_z, qml.device("default.qubit", wires=2))()
    assert abs(first[1] - exact) < 4 / np.sqrt(4000)  # 4 standard errors (|Z| <= 1)
    assert sum(first[2].values()) == 4000
    vector = run(3, shots=(100, 100, 300))
    assert len(vector) == 3 and vector[2][0].shape == (300, 2)


def test_bad_input_gives_clear_errors():
    dev = qml.device("qspectral.engine", wires=2)

    @qml.qnode(dev)
    def beyond():
        qml.Hadamard(5)
        return qml.state()

    with pytest.raises(qml.exceptions.WireError, match="5"):
        beyond()

    @qml.qnode(dev)
    def mixed():
        qml.QubitDensityMatrix(np.eye(2) / 2, wires=0)
        return qml.state()

    with pytest.raises(UnsupportedCircuitError, match="QubitDensityMatrix.*supported: "):
        mixed()
    with pytest.raises(InsufficientMemoryError, match="bytes"):
        qml.device("qspectral.engine", wires=60)
    if not torch.cuda.is_available():
        with pytest.raises(BackendUnavailableError, match="pip install torch"):
            qml.device("qspectral.engine", wires=2, device="cuda")


#: PennyLane device-suite tests that need autograd to differentiate through the device (deselected).
AUTOGRAD_BACKPROP = ["test_basic_grad", "test_backprop_state", "test_probs", "test_multi_meas", "test_hessian"]


def _device_suite(shots: str, seed: int | None) -> str:
    from pennylane.devices.tests import get_device_tests

    seeded = [] if seed is None else ["--device-kwargs", f"seed={seed}"]
    cmd = [sys.executable, "-m", "pytest", ".", "--device=qspectral.engine", f"--shots={shots}", *seeded,
           "--skip-ops", "--no-flaky-report", "-q", "-p", "no:cacheprovider",
           # from an installed pennylane, --import-mode=importlib keeps pytest from putting site-packages
           # first on sys.path (which could shadow this checkout's entry points)
           "--import-mode=importlib",
           # autograd cannot backpropagate through torch: backprop needs interface="torch" (see README)
           *[f"--deselect=test_gradients_autograd.py::TestGradients::{name}[device_kwargs0-backprop]"
             for name in AUTOGRAD_BACKPROP]]
    # run from the suite's folder (PennyLane's pl-device-test does the same), where node ids are relative
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=get_device_tests(),
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 0, done.stdout[-4000:]
    assert not re.search(r"\b\d+ (failed|errors?)\b", summary), summary
    return summary


@pytest.mark.slow
# PennyLane's suite compares sampled values with atol 0.05 and sizes that for its own default of 10**6
# shots (conftest.N_SHOTS): with 10**4 shots an unseeded device fails a run now and then (a 4-sigma draw
# among ~1000 comparisons), so the 10**4 run uses a fixed device seed (the first one tried) and the
# unseeded run uses the suite's 10**6
@pytest.mark.parametrize(("shots", "seed"), [("None", None), ("10000", 2026), ("1000000", None)])
def test_pennylane_device_suite_passes(shots, seed):
    summary = _device_suite(shots, seed)
    assert int(re.search(r"(\d+) passed", summary).group(1)) > 350, summary
    if shots == "None":
        assert f"{len(AUTOGRAD_BACKPROP)} deselected" in summary, summary


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA build of torch and an NVIDIA GPU")
def test_cuda_device_matches_cpu():
    def circuit(x):
        qml.RY(x, wires=0)
        qml.QFT(wires=range(6))
        qml.CRX(0.3, wires=[2, 5])
        return qml.expval(qml.PauliX(1) @ qml.PauliY(4)), qml.probs(wires=[5, 0])

    x = torch.linspace(0, 1, 4, dtype=torch.float64, device="cuda", requires_grad=True)
    got = qml.QNode(circuit, qml.device("qspectral.engine", wires=6, device="cuda"), interface="torch")(x)
    got[0].sum().backward()
    x_cpu = x.detach().cpu().requires_grad_(True)
    ref = qml.QNode(circuit, qml.device("default.qubit", wires=6), interface="torch")(x_cpu)
    ref[0].sum().backward()
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.detach().cpu().numpy(), r.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(x.grad.cpu().numpy(), x_cpu.grad.numpy(), atol=1e-8)

    def coin():
        qml.Hadamard(0)
        return qml.sample(wires=[0])

    run = lambda: qml.set_shots(qml.QNode(coin, qml.device("qspectral.engine", wires=1, device="cuda", seed=3)),  # noqa: E731
                                shots=1000)()
    first = run()
    np.testing.assert_array_equal(first, run())  # seeded on the GPU too
    assert 400 < first.sum() < 600
