"""EngineEstimator / EngineSampler against Qiskit's StatevectorEstimator / StatevectorSampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import ParameterVector
from qiskit.circuit.library import QFTGate
from qiskit.primitives import StatevectorEstimator, StatevectorSampler
from qiskit.quantum_info import SparsePauliOp, Statevector

from qspectral import EngineEstimator, EngineSampler
from qspectral.errors import (
    BackendUnavailableError,
    InsufficientMemoryError,
    InvalidParameterError,
    UnsupportedCircuitError,
)


def _random_circuit(rng, n: int) -> QuantumCircuit:
    theta = ParameterVector("t", int(rng.integers(1, 4)))
    qc = QuantumCircuit(n)
    for _ in range(int(rng.integers(3, 10))):
        kind = rng.integers(4)
        q = int(rng.integers(n))
        if kind == 0 and n >= 2:
            subset = [int(x) for x in rng.choice(n, size=rng.integers(2, n + 1), replace=False)]
            gate = QFTGate(len(subset))
            qc.append(gate if rng.random() < 0.6 else gate.inverse(), subset)
        elif kind == 1:
            getattr(qc, ["rx", "ry", "rz", "p"][rng.integers(4)])(theta[int(rng.integers(len(theta)))] * rng.normal(), q)
        elif kind == 2 and n >= 2:
            a, b = (int(x) for x in rng.choice(n, size=2, replace=False))
            getattr(qc, ["cx", "cz", "swap"][rng.integers(3)])(a, b)
            qc.crz(theta[0] + rng.normal(), a, b)
        else:
            getattr(qc, ["h", "s", "t", "sx"][rng.integers(4)])(q)
    return qc


def _random_observable(rng, n: int) -> SparsePauliOp:
    terms = int(rng.integers(1, 6))
    labels = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(terms)]
    return SparsePauliOp(labels, rng.normal(size=terms))


def _random_pub(rng):
    n = int(rng.integers(1, 7))
    qc = _random_circuit(rng, n)
    shapes = [((), ()), ((3,), ()), ((), (2,)), ((4,), (4,)), ((2, 1), (3,)), ((3,), (2, 1)), ((1,), (2, 2))]
    pshape, oshape = shapes[rng.integers(len(shapes))]
    params = rng.uniform(-np.pi, np.pi, size=pshape + (qc.num_parameters,))
    observables = np.empty(oshape, dtype=object)
    for index in np.ndindex(oshape):
        observables[index] = _random_observable(rng, n)
    return qc, (observables if oshape else observables[()]), params


def test_random_pubs_agree_with_statevector_estimator():
    rng = np.random.default_rng(11)
    pubs = [_random_pub(rng) for _ in range(200)]
    got = EngineEstimator().run(pubs).result()
    ref = StatevectorEstimator().run(pubs).result()
    for k, (g, r) in enumerate(zip(got, ref)):
        assert g.data.evs.shape == r.data.evs.shape, k
        np.testing.assert_allclose(g.data.evs, r.data.evs, atol=1e-10, err_msg=f"pub {k}")
        np.testing.assert_array_equal(g.data.stds, r.data.stds)


def test_observables_that_share_pauli_words_share_their_evaluation(monkeypatch):
    """12 observables on 6 qubits (each Z_i, and Z_i Z_{i+1} - X_0) on 3 parameter sets: the PUB's 13
    distinct Pauli words are evaluated once on the 3 states (one kernel call), and the values are
    StatevectorEstimator's; zipped pairs (each state with its own observable) stay separate calls."""
    from qspectral.sim import primitives

    calls = []
    real = primitives.pauli_term_values
    monkeypatch.setattr(primitives, "pauli_term_values", lambda states, words: calls.append(
        (states.shape[0], len(words.x))) or real(states, words))
    rng = np.random.default_rng(3)
    n = 6
    qc = _random_circuit(rng, n)
    params = rng.uniform(-np.pi, np.pi, size=(3, 1, qc.num_parameters))
    observables = [SparsePauliOp.from_sparse_list([("Z", [i], 1.0)], n) for i in range(n)] + [
        SparsePauliOp.from_sparse_list([("ZZ", [i, (i + 1) % n], 0.5), ("X", [0], -1.0)], n) for i in range(n)]
    pub = (qc, observables, params)
    got = EngineEstimator().run([pub]).result()[0].data.evs
    np.testing.assert_allclose(got, StatevectorEstimator().run([pub]).result()[0].data.evs, atol=1e-10)
    assert got.shape == (3, 2 * n) and calls == [(3, 2 * n + 1)]
    calls.clear()
    zipped = (qc, observables[:3], params[:, 0])
    got = EngineEstimator().run([zipped]).result()[0].data.evs
    np.testing.assert_allclose(got, StatevectorEstimator().run([zipped]).result()[0].data.evs, atol=1e-10)
    assert calls == [(1, 1)] * 3


def test_primitives_read_the_layout_a_long_qft_leaves():
    """From 18 qubits the engine's QFT leaves its halves of bits exchanged: the estimator's Pauli
    masks and the sampler's bits follow the qubits there (against Aer's estimator and the exact
    distribution)."""
    from qiskit_aer.primitives import EstimatorV2 as AerEstimator

    n = 18
    rng = np.random.default_rng(5)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.ry(rng.uniform(0, np.pi), q)
    qc.append(QFTGate(n), range(n))
    qc.cx(2, 15)
    observable = SparsePauliOp(["Z" + "I" * (n - 1), "I" * 10 + "XIZIIYII", "I" * (n - 3) + "XXZ"], [0.7, -1.1, 0.4])
    ours = EngineEstimator().run([(qc, observable)]).result()[0].data.evs
    reference = AerEstimator().run([(qc.decompose(["qft"]), observable)]).result()[0].data.evs
    assert abs(float(ours) - float(reference)) < 1e-10
    measured = qc.copy()
    creg = ClassicalRegister(3, "c")
    measured.add_register(creg)
    measured.measure([17, 0, 9], creg)
    shots = 20_000
    counts = EngineSampler(seed=4).run([measured], shots=shots).result()[0].data.c.get_counts()
    probs = Statevector(qc.decompose(["qft"])).probabilities([17, 0, 9])  # index bit j = the j-th listed qubit = clbit j
    for k, p in enumerate(probs):
        frequency = counts.get(format(k, "03b"), 0) / shots
        assert abs(frequency - p) < 5 * np.sqrt(p * (1 - p) / shots) + 1e-12


def test_precision_adds_seeded_noise_of_that_size():
    qc = QuantumCircuit(2)
    qc.h(0)
    obs = [SparsePauliOp("ZI")] * 4000
    exact = 1.0
    first = EngineEstimator(seed=3).run([(qc, obs)], precision=0.05).result()[0].data.evs
    again = EngineEstimator(seed=3).run([(qc, obs)], precision=0.05).result()[0].data.evs
    other = EngineEstimator(seed=4).run([(qc, obs)], precision=0.05).result()[0].data.evs
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert abs(first.mean() - exact) < 4 * 0.05 / np.sqrt(4000)
    assert abs(first.std() - 0.05) < 0.005


def _measured_circuit(rng, n: int) -> QuantumCircuit:
    body = _random_circuit(rng, n)
    qr = QuantumRegister(n)
    alpha, beta = ClassicalRegister(2, "alpha"), ClassicalRegister(n, "beta")
    qc = QuantumCircuit(qr, alpha, beta)
    qc.compose(body, inplace=True)
    qc.barrier()
    qc.measure(n - 1, alpha[0])  # alpha[1] is never written: always 0
    order = [int(q) for q in rng.permutation(n)]
    for k, q in enumerate(order):
        qc.measure(q, beta[k])
    return qc


def test_sampler_counts_follow_the_exact_distribution():
    rng = np.random.default_rng(5)
    shots = 20000
    for case in range(12):
        n = int(rng.integers(2, 6))
        qc = _measured_circuit(rng, n)
        params = rng.uniform(-np.pi, np.pi, size=(2, qc.num_parameters))
        result = EngineSampler(seed=case).run([(qc, params)], shots=shots).result()[0]
        assert result.data.beta.shape == (2,) and result.data.beta.num_shots == shots
        for b in range(2):
            bound = qc.assign_parameters(params[b]).remove_final_measurements(inplace=False)
            state = Statevector(bound)
            # beta[k] = qubit order[k]: the exact distribution of the register value
            order = [qc.find_bit(inst.qubits[0]).index for inst in qc.data
                     if inst.operation.name == "measure" and inst.clbits[0] in qc.cregs[1]]
            exact = state.probabilities(order)
            counts = result.data.beta[b].get_int_counts()
            freq = np.zeros(2**n)
            for value, count in counts.items():
                freq[value] = count / shots
            tv = 0.5 * np.abs(freq - exact).sum()
            # E[TV] <= 0.5 * sqrt(2**n / shots) (at most 0.02 here); allow three times that
            assert tv < 1.5 * np.sqrt(2**n / shots), (case, b, tv)
            alpha = result.data.alpha[b].get_int_counts()
            assert set(alpha) <= {0, 1}  # bit 1 of alpha is never measured


def test_sampler_bit_order_equals_statevector_sampler():
    qr = QuantumRegister(4)
    a, b = ClassicalRegister(3, "a"), ClassicalRegister(2, "b")
    qc = QuantumCircuit(qr, a, b)
    qc.x([0, 3])  # a deterministic outcome: qubits 0 and 3 are 1
    qc.measure([3, 1, 0], [a[0], a[1], a[2]])
    qc.measure([2, 0], [b[0], b[1]])
    got = EngineSampler(seed=1).run([qc], shots=50).result()[0].data
    ref = StatevectorSampler(seed=1).run([qc], shots=50).result()[0].data
    assert got.a.get_counts() == ref.a.get_counts() == {"101": 50}
    assert got.b.get_counts() == ref.b.get_counts() == {"10": 50}


def test_sampler_seed_reproduces_samples():
    qc = QuantumCircuit(3)
    qc.h(range(3))
    qc.append(QFTGate(3), range(3))
    qc.ry(0.3, 1)
    qc.measure_all()
    run = lambda seed: EngineSampler(seed=seed).run([qc], shots=500).result()[0].data.meas.get_bitstrings()  # noqa: E731
    assert run(9) == run(9)
    assert run(9) != run(10)


def test_bad_input_gives_clear_errors():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.measure(0, 0)
    qc.x(0)
    qc.measure(0, 1)
    with pytest.raises(UnsupportedCircuitError, match="after a measurement"):
        EngineSampler().run([qc])
    reset = QuantumCircuit(1, 1)
    reset.reset(0)
    reset.measure(0, 0)
    with pytest.raises(UnsupportedCircuitError, match="reset"):
        EngineSampler().run([reset])
    theta = ParameterVector("t", 1)
    pqc = QuantumCircuit(1)
    pqc.rx(theta[0], 0)
    with pytest.raises(InvalidParameterError, match=r"\(3,\).*\(2,\)"):
        EngineEstimator().run([(pqc, [SparsePauliOp("Z")] * 3, [[0.1], [0.2]])])
    with pytest.raises(UnsupportedCircuitError, match="without measurements"):
        EngineEstimator().run([(qc, SparsePauliOp("ZZ"))])
    two = QuantumCircuit(2)
    two.rx(theta[0], 1)
    with pytest.raises(UnsupportedCircuitError, match="'0X' is not a Pauli word"):  # a projector label
        EngineEstimator().run([(two, ["ZZ", "0X"], [0.1])])
    big = QuantumCircuit(60)
    big.h(0)
    with pytest.raises(InsufficientMemoryError, match="bytes"):
        EngineEstimator().run([(big, SparsePauliOp("Z" * 60))])
    big.measure_all()
    with pytest.raises(InsufficientMemoryError, match="bytes"):
        EngineSampler().run([big])
    if not torch.cuda.is_available():
        with pytest.raises(BackendUnavailableError, match="pip install torch"):
            EngineSampler(device="cuda")


def test_readme_snippets_run_and_match_references():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Use the engine from PennyLane and Qiskit", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python")[1:]]
    assert len(blocks) == 2
    import pennylane as qml

    pl_space: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), pl_space)
    ref = qml.QNode(pl_space["circuit"].func, qml.device("default.qubit", wires=4), interface="torch")
    x = torch.tensor([0.1, 0.7], requires_grad=True)
    ref(x).sum().backward()
    np.testing.assert_allclose(pl_space["x"].grad.numpy(), x.grad.numpy(), atol=1e-8)
    qk_space: dict = {}
    exec(compile(blocks[1], "README.md", "exec"), qk_space)
    qc = qk_space["qc"].remove_final_measurements(inplace=False)
    ref_evs = StatevectorEstimator().run([(qc, SparsePauliOp(["ZII", "XXI"]), np.linspace(0, 1, 5))]).result()
    np.testing.assert_allclose(qk_space["evs"], ref_evs[0].data.evs, atol=1e-10)
    assert sum(qk_space["counts"].values()) == 1000


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA build of torch and an NVIDIA GPU")
def test_cuda_primitives_match_statevector_references():
    rng = np.random.default_rng(21)
    pubs = [_random_pub(rng) for _ in range(20)]
    got = EngineEstimator(device="cuda").run(pubs).result()
    ref = StatevectorEstimator().run(pubs).result()
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g.data.evs, r.data.evs, atol=1e-10)
    got32 = EngineEstimator(device="cuda", dtype="complex64").run(pubs).result()
    for g, r in zip(got32, ref):
        np.testing.assert_allclose(g.data.evs, r.data.evs, atol=1e-4)
    qc = _measured_circuit(rng, 4)
    params = rng.uniform(-np.pi, np.pi, size=qc.num_parameters)
    first = EngineSampler(seed=2, device="cuda").run([(qc, params)], shots=20000).result()[0].data.beta
    again = EngineSampler(seed=2, device="cuda").run([(qc, params)], shots=20000).result()[0].data.beta
    assert first.get_bitstrings() == again.get_bitstrings()
    order = [qc.find_bit(i.qubits[0]).index for i in qc.data if i.operation.name == "measure" and i.clbits[0] in qc.cregs[1]]
    exact = Statevector(qc.assign_parameters(params).remove_final_measurements(inplace=False)).probabilities(order)
    freq = np.zeros(16)
    for value, count in first.get_int_counts().items():
        freq[value] = count / 20000
    assert 0.5 * np.abs(freq - exact).sum() < 1.5 * np.sqrt(16 / 20000)


def test_engine_jobs_run_on_one_reused_worker_thread_and_report_status():
    import threading

    from qiskit.providers import JobStatus

    from qspectral.sim.primitive_job import EngineJob

    names = {EngineJob(lambda: threading.current_thread().name).result() for _ in range(3)}
    assert len(names) == 1 and next(iter(names)).startswith("qspectral-engine")
    qc = QuantumCircuit(2)
    qc.h(0)
    job = EngineEstimator().run([(qc, SparsePauliOp(["IX"]))])
    assert abs(float(job.result()[0].data.evs) - 1.0) < 1e-12
    assert job.status() == JobStatus.DONE and job.done() and job.in_final_state() and not job.cancelled()
    failing = EngineJob(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        failing.result()
    assert failing.status() == JobStatus.ERROR and failing.in_final_state()
