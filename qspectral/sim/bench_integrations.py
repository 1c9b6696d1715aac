"""``qspectral bench integrations``: the engine as a PennyLane device and as a Qiskit primitive, timed.

Three workloads, each run once to warm up and to check that the runners agree, then timed
``repeats`` more times (median kept), all in one process so the ratios (``time / engine time``)
are the meaningful numbers on a shared machine:

- ``qnode-qft``: a QNode with one ``RY`` and ``qml.QFT`` on ``qubits`` wires returning
  ``qml.expval(qml.PauliZ(0))``, on ``qspectral.engine`` and ``lightning.qubit`` (target: >= 5x);
- ``train-step``: one torch Adam step (forward, backprop, update) of a ``train_wires``-wire
  variational circuit (broadcast ``RY`` data encoding of ``batch`` inputs, two trainable
  ``RY``/``RZ`` layers around a ``CNOT`` ring and a ``qml.QFT``), on ``qspectral.engine`` and
  ``default.qubit``, both ``diff_method="backprop"``, with one torch thread for both (on a shared
  machine a second thread mostly measures waiting for it; target: >= 10x);
- ``estimator``: ``EngineEstimator`` against qiskit-aer's ``EstimatorV2`` on a ``qubits``-qubit circuit
  (``RY`` layer, a QFT written as h/cp/swap gates, ``RZ`` layer) with a ``terms``-term
  ``SparsePauliOp`` of random Pauli words of weight 1 to 4 (target: >= 5x).

Example:
    >>> rows = run_integrations(qubits=4, train_wires=3, batch=4, terms=5, repeats=1)
    >>> sorted({r.workload for r in rows}) == ["estimator", "qnode-qft", "train-step"]
    True
    >>> all(r.agrees for r in rows)
    True
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

#: Speed-up over the other runner that each workload targets.
TARGETS = {"qnode-qft": 5.0, "train-step": 10.0, "estimator": 5.0}
#: Agreement required between the engine and the other runner (complex128).
TOLERANCE = 1e-8


@dataclass
class IntegrationRow:
    """One runner on one workload: median seconds, every repeat, ratio to the engine, agreement."""

    workload: str
    runner: str
    size: str
    median_seconds: float
    seconds: list[float]
    ratio: float
    agrees: bool


def _time(call: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def _qnode_qft(qubits: int, seed: int) -> dict[str, tuple[Callable, Callable]]:
    import pennylane as qml

    angle = float(np.random.default_rng(seed).uniform(0.2, 1.2))

    def circuit():
        qml.RY(angle, wires=qubits - 1)  # cos|0> + sin|1> on the least significant wire: <Z_0> != 0
        qml.QFT(wires=range(qubits))
        return qml.expval(qml.PauliZ(0))

    nodes = {name: qml.QNode(circuit, qml.device(name, wires=qubits), diff_method=None)
             for name in ("qspectral.engine", "lightning.qubit")}
    return {name: (node, node) for name, node in nodes.items()}


def _train_step(wires: int, batch: int, seed: int) -> dict[str, tuple[Callable, Callable]]:
    import pennylane as qml
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = torch.rand((batch, wires), generator=generator, dtype=torch.float64) * np.pi
    y = torch.rand(batch, generator=generator, dtype=torch.float64) * 2 - 1
    start = torch.randn((2, wires, 2), generator=generator, dtype=torch.float64)

    def circuit(x, w):
        for q in range(wires):
            qml.RY(x[:, q], wires=q)
        for layer in range(2):
            for q in range(wires):
                qml.RY(w[layer, q, 0], wires=q)
                qml.RZ(w[layer, q, 1], wires=q)
            if layer == 0:
                for q in range(wires):
                    qml.CNOT(wires=[q, (q + 1) % wires])
                qml.QFT(wires=range(wires))
        return qml.expval(qml.PauliZ(0))

    runners = {}
    for name in ("qspectral.engine", "default.qubit"):
        node = qml.QNode(circuit, qml.device(name, wires=wires), interface="torch", diff_method="backprop")
        weights = start.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([weights], lr=0.01)

        def step(node=node, weights=weights, optimizer=optimizer):
            optimizer.zero_grad()
            loss = ((node(x, weights) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            return loss

        def check(node=node):  # loss and gradient at the starting weights
            w = start.clone().requires_grad_(True)
            loss = ((node(x, w) - y) ** 2).mean()
            loss.backward()
            return np.concatenate([[loss.item()], w.grad.numpy().ravel()])

        runners[name] = (step, check)
    return runners


def _estimator(qubits: int, terms: int, seed: int) -> dict[str, tuple[Callable, Callable]]:
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import QFTGate
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer.primitives import EstimatorV2

    from qspectral.sim.primitives import EngineEstimator

    rng = np.random.default_rng(seed)
    qc = QuantumCircuit(qubits)
    for q in range(qubits):
        qc.ry(rng.uniform(0, np.pi), q)
    qc.append(QFTGate(qubits), range(qubits))
    qc = qc.decompose(["qft"])  # h / cp / swap gates, which Aer runs and the engine recognises
    for q in range(qubits):
        qc.rz(rng.uniform(0, np.pi), q)
    labels = []
    for _ in range(terms):
        label = ["I"] * qubits
        for q in rng.choice(qubits, size=rng.integers(1, min(4, qubits) + 1), replace=False):
            label[qubits - 1 - q] = "XYZ"[rng.integers(3)]
        labels.append("".join(label))
    pub = (qc, SparsePauliOp(labels, rng.normal(size=terms)))
    runners = {}
    for name, estimator in (("EngineEstimator", EngineEstimator()), ("aer EstimatorV2", EstimatorV2())):
        def run(estimator=estimator):
            return estimator.run([pub]).result()[0].data.evs

        runners[name] = (run, run)
    return runners


def run_integrations(
    *, qubits: int = 20, train_wires: int = 10, batch: int = 64, terms: int = 50, repeats: int = 5, seed: int = 0
) -> list[IntegrationRow]:
    """Time the three workloads (see the module docstring); the engine's runner comes first in each."""
    import torch

    workloads = {
        "qnode-qft": (f"{qubits} wires", lambda: _qnode_qft(qubits, seed)),
        "train-step": (f"{train_wires} wires, batch {batch}, 1 thread", lambda: _train_step(train_wires, batch, seed)),
        "estimator": (f"{qubits} qubits, {terms} terms", lambda: _estimator(qubits, terms, seed)),
    }
    rows = []
    for workload, (size, build) in workloads.items():
        runners = build()
        checks = {name: np.asarray(check(), dtype=float) for name, (_, check) in runners.items()}
        reference = next(iter(checks.values()))
        agrees = all(np.allclose(value, reference, atol=TOLERANCE, rtol=0) for value in checks.values())
        threads = torch.get_num_threads()
        if workload == "train-step":  # both runners are torch: one thread each, see the module doc
            torch.set_num_threads(1)
        try:
            times = {name: _time(call, repeats) for name, (call, _) in runners.items()}
        finally:
            torch.set_num_threads(threads)
        engine = statistics.median(next(iter(times.values())))
        for name, seconds in times.items():
            median = statistics.median(seconds)
            rows.append(IntegrationRow(workload, name, size, median, seconds, median / engine, agrees))
    return rows


def format_table(rows: list[IntegrationRow]) -> str:
    """The rows as a text table with each workload's target, and the machine's CPU count."""
    lines = [f"{'workload':<11} {'size':<31} {'runner':<17} {'median s':>9} {'x engine':>9} {'target':>7} agrees",
             "-" * 95]
    for r in rows:
        target = f">={TARGETS[r.workload]:g}" if r.ratio != 1.0 else ""
        lines.append(f"{r.workload:<11} {r.size:<31} {r.runner:<17} {r.median_seconds:>9.4f} {r.ratio:>9.2f} "
                     f"{target:>7} {'yes' if r.agrees else 'NO'}")
    lines.append(f"(nproc = {os.cpu_count()}; medians of {len(rows[0].seconds) if rows else 0} runs after a warm-up)")
    return "\n".join(lines)


def write_json(rows: list[IntegrationRow], folder: str | Path) -> Path:
    """Write the rows to ``folder/bench_integrations.json`` and return the path."""
    path = Path(folder) / "bench_integrations.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"targets": TARGETS, "nproc": os.cpu_count(), "rows": [asdict(r) for r in rows]},
                               indent=2))
    return path
