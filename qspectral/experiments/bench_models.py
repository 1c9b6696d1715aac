"""Benchmarks of :class:`~qspectral.quantum.models.ReuploadingModel` against PennyLane ``default.qubit``.

Behind ``qspectral bench train`` and ``qspectral bench coefficients``. The model is the parallel
Pauli re-uploading model with three ``Rot`` + CNOT-ring sublayers per trainable block (the block
size of PennyLane's Fourier-series tutorial); PennyLane runs the identical circuit
(:meth:`~qspectral.quantum.models.ReuploadingModel.qnode`) with the same weights, so each
benchmark also checks that both give the same numbers.

* ``train``: one training step (forward, MSE loss, backward) on a batch of inputs; PennyLane uses
  parameter broadcasting and torch backprop. Agreement: max |gradient difference|.
* ``coefficients``: all ``2d + 1`` Fourier coefficients, one batched evaluation + FFT
  (:func:`~qspectral.quantum.models.fourier_coefficients`) against
  :func:`pennylane.fourier.coefficients`. Agreement: max |coefficient difference|.

``qspectral bench train|coefficients --qubits 2:6`` runs one benchmark per size and writes a
table, ``bench_<name>.json``, ``.csv`` and ``.png`` (:func:`write_model_outputs`).

Times are medians over repeats after a warm-up, measured in one process with one torch thread on
both sides (the tensors are tiny: more intra-op threads only add synchronisation, badly so on a
shared machine).

Example:
    >>> result = benchmark_coefficients(num_qubits=1, num_layers=1, repeats=1)
    >>> result.max_abs_diff < 1e-12
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import torch

from qspectral.quantum.models import ReuploadingModel, fourier_coefficients
from qspectral.kernels.threads import torch_threads
from qspectral.timing import time_calls


@dataclass(frozen=True)
class BenchmarkResult:
    """Median seconds of qspectral and of the reference, their agreement, and the target speed-up."""

    name: str
    description: str
    seconds: float
    reference: str
    reference_seconds: float
    target_speedup: float
    max_abs_diff: float
    tolerance: float
    threads: int
    device: str
    num_qubits: int = 0

    @property
    def speedup(self) -> float:
        """``reference_seconds / seconds``."""
        return self.reference_seconds / self.seconds

    @property
    def passed(self) -> bool:
        """Fast enough and in agreement with the reference."""
        return self.speedup >= self.target_speedup and self.max_abs_diff <= self.tolerance

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (with ``speedup`` and ``passed``)."""
        return {**asdict(self), "speedup": self.speedup, "passed": self.passed}


def _race(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int, **fields: Any
) -> BenchmarkResult:
    """Check agreement once, then time both on one torch thread (ours 10 calls per repeat)."""
    with torch_threads(1):
        mine, reference = ours(), theirs()
        diff = float((torch.as_tensor(mine).cpu() - torch.as_tensor(reference)).abs().max())
        seconds = time_calls(ours, repeats, inner=10).median
        reference_seconds = time_calls(theirs, repeats).median
    return BenchmarkResult(
        seconds=seconds, reference_seconds=reference_seconds, max_abs_diff=diff, tolerance=1e-10, threads=1, **fields
    )


def _model(num_qubits: int, num_layers: int, depth: int, seed: int, device: str) -> ReuploadingModel:
    torch.manual_seed(seed)
    return ReuploadingModel(num_qubits, num_layers, encoding="parallel", depth=depth).to(device)


def benchmark_train(
    *,
    num_qubits: int = 4,
    num_layers: int = 3,
    batch: int = 128,
    depth: int = 3,
    repeats: int = 5,
    seed: int = 0,
    device: str = "cpu",
) -> BenchmarkResult:
    """Time one training step of the model against ``default.qubit`` with torch backprop."""
    model = _model(num_qubits, num_layers, depth, seed, device)
    generator = torch.Generator().manual_seed(seed)
    x = 2 * torch.pi * torch.rand(batch, generator=generator, dtype=torch.float64)
    y = torch.rand(batch, generator=generator, dtype=torch.float64) * 2 - 1
    qnode = model.qnode("default.qubit", interface="torch", diff_method="backprop")
    reference_weights = model.weights.detach().cpu().clone().requires_grad_(True)

    def ours() -> torch.Tensor:
        model.zero_grad()
        torch.mean((model(x.to(device)) - y.to(device)) ** 2).backward()
        return model.weights.grad

    def theirs() -> torch.Tensor:
        reference_weights.grad = None
        torch.mean((qnode(x, reference_weights) - y) ** 2).backward()
        return reference_weights.grad

    return _race(
        ours, theirs, repeats,
        name="train",
        description=f"train step, n={num_qubits}, L={num_layers}, depth={depth}, batch={batch}",
        reference="default.qubit (torch backprop)",
        target_speedup=10.0,
        device=device,
        num_qubits=num_qubits,
    )


def benchmark_coefficients(
    *,
    num_qubits: int = 4,
    num_layers: int = 6,
    depth: int = 3,
    repeats: int = 3,
    seed: int = 0,
    device: str = "cpu",
) -> BenchmarkResult:
    """Time all Fourier coefficients of the model against :func:`pennylane.fourier.coefficients`."""
    import pennylane as qml

    model = _model(num_qubits, num_layers, depth, seed, device)
    qnode = model.qnode("default.qubit", interface="auto")
    weights = model.weights.detach().cpu().numpy()

    def ours() -> torch.Tensor:
        return fourier_coefficients(model)

    def theirs():
        return qml.fourier.coefficients(partial(qnode, weights=weights), 1, model.degree)

    return _race(
        ours, theirs, repeats,
        name="coefficients",
        description=f"{2 * model.degree + 1} Fourier coefficients, n={num_qubits}, L={num_layers}, depth={depth}",
        reference="qml.fourier.coefficients (default.qubit)",
        target_speedup=20.0,
        device=device,
        num_qubits=num_qubits,
    )


def format_results(results: list[BenchmarkResult]) -> str:
    """A fixed-width table of benchmark results."""
    header = (f"{'benchmark':<13} {'qspectral':>11} {'reference':>11} {'speed-up':>9} {'target':>7} "
              f"{'max |delta|':>11}  {'verdict':<7} reference")
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<13} {r.seconds * 1e3:>9.3f}ms {r.reference_seconds * 1e3:>9.2f}ms "
            f"{r.speedup:>8.1f}x {r.target_speedup:>6.0f}x {r.max_abs_diff:>11.2e}  "
            f"{'pass' if r.passed else 'FAIL':<7} {r.reference}"
        )
        lines.append(f"{'':<13} {r.description}; {r.threads} thread(s), {r.device}")
    return "\n".join(lines)


#: The model benchmarks by name (``qspectral bench NAME``).
MODEL_BENCHMARKS = {"train": benchmark_train, "coefficients": benchmark_coefficients}


def run_models(
    name: str, qubit_counts: list[int], *, repeats: int = 3, seed: int = 0, device: str = "cpu"
) -> list[BenchmarkResult]:
    """Run the benchmark ``name`` (``train`` or ``coefficients``) once per register size."""
    run = MODEL_BENCHMARKS[name]
    return [run(num_qubits=n, repeats=repeats, seed=seed, device=device) for n in qubit_counts]


def write_model_outputs(results: list[BenchmarkResult], directory: str | Path, name: str) -> list[Path]:
    """``NAME.json``, ``NAME.csv`` and ``NAME.png`` (qspectral and reference seconds vs qubits)."""
    from qspectral.sim.bench import write_result_files

    records = [r.to_dict() for r in results]
    series = {
        "qspectral (engine)": [(r.num_qubits, r.seconds) for r in results],
        results[0].reference if results else "reference": [(r.num_qubits, r.reference_seconds) for r in results],
    }
    return write_result_files(records, directory, name, series, title=f"qspectral bench {name}",
                              ylabel="median wall time (s)")
