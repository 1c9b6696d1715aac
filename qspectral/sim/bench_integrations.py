"""``qspectral bench integrations``: the engine as a PennyLane device and as a Qiskit primitive, timed.

Three workloads. Each runner's check (the workload's value, and for the training step the loss
and gradient at the starting weights) is compared between the runners; then every runner is timed
with :func:`~qspectral.timing.time_calls` (one warm-up call, then the median of ``repeats``), all
in one process so the ratios (``time / engine time``) are the meaningful numbers on a shared
machine. :func:`write_outputs` writes the rows as JSON and CSV and a bar chart of the ratios
against the targets (PNG):

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
    >>> print(format_table(rows).splitlines()[0])
    workload    size                            runner             median s  x engine  target  agrees
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qspectral.timing import format_table as timing_table
from qspectral.timing import time_calls

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
            timings = {name: time_calls(call, repeats) for name, (call, _) in runners.items()}
        finally:
            torch.set_num_threads(threads)
        engine = next(iter(timings.values())).median
        for name, timing in timings.items():
            rows.append(IntegrationRow(workload, name, size, timing.median, timing.seconds,
                                       timing.median / engine, agrees))
    return rows


def format_table(rows: list[IntegrationRow]) -> str:
    """The rows as a text table with each workload's target, and the machine's CPU count and load."""
    columns = [("workload", "<11"), ("size", "<31"), ("runner", "<17"), ("median s", ">9"), ("x engine", ">9"),
               ("target", ">7"), ("agrees", "")]
    cells = [[r.workload, r.size, r.runner, f"{r.median_seconds:.4f}", f"{r.ratio:.2f}",
              f">={TARGETS[r.workload]:g}" if r.ratio != 1.0 else "", "yes" if r.agrees else "NO"] for r in rows]
    repeats = len(rows[0].seconds) if rows else 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (timing_table(columns, cells)
            + f"\n(nproc = {os.cpu_count()}, load average {load}; medians of {repeats} runs after a warm-up)")


def write_outputs(rows: list[IntegrationRow], directory: str | Path, name: str = "bench_integrations") -> list[Path]:
    """Write ``NAME.json`` and ``NAME.csv`` (every row, plus its target) and ``NAME.png`` (each workload's
    speed-up over the other runner as a bar, its target as a line) into ``directory``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qspectral.sim.bench import write_records

    records = [dict(asdict(r), target=TARGETS[r.workload], nproc=os.cpu_count()) for r in rows]
    paths = write_records(records, directory, name)
    others = [r for r in rows if r.ratio != 1.0]
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(others))
    ax.bar(x, [r.ratio for r in others], color=["tab:green" if r.ratio >= TARGETS[r.workload] else "tab:red"
                                                for r in others], label="measured: other / engine")
    for i, r in enumerate(others):
        ax.hlines(TARGETS[r.workload], i - 0.4, i + 0.4, colors="black", linestyles="--",
                  label="target" if i == 0 else None)
        ax.annotate(f"{r.ratio:.1f}x", (i, r.ratio), ha="center", va="bottom")
    ax.set_xticks(x, [f"{r.workload}\nvs {r.runner}" for r in others], fontsize="small")
    ax.set_ylabel("speed-up of the engine (x)")
    ax.set_title(f"qspectral bench integrations (nproc = {os.cpu_count()})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    fig.tight_layout()
    png = Path(directory) / f"{name}.png"
    fig.savefig(png, dpi=120)
    plt.close(fig)
    return [*paths, png]
