r"""Experiment ``fourier-degree``: a model with ``L`` Pauli encodings fits degree ``L``, no more.

Schuld, Sweke & Meyer (2021), "The effect of data encoding on the expressive power of variational
quantum machine learning models": ``L`` serial Pauli encodings give a Fourier series of degree
``L``, so a degree-5 target needs ``L >= 5``.

**Target**: :math:`g(x)=\sum_{n=-5}^{5} c_n e^{inx}` with :math:`c_n = 0.05+0.05i` for
``n = 1..5``, :math:`c_{-n}=\bar c_n` and :math:`c_0 = 0`, on ``samples`` points of
``[0, 2 pi)``. **Models**: :class:`~qspectral.quantum.models.ReuploadingModel` with serial
encoding (``RX(x)`` on qubit 0, ``L = 1..6`` times) on ``num_qubits`` qubits, trained by
full-batch Adam from ``restarts`` seeded initialisations; the best final MSE counts. By Parseval
no degree-``L`` series beats :math:`\sum_{n>L} 2|c_n|^2 = 0.01\,(5-L)` for ``L < 5``: that bound
is reported next to each MSE.

Example:
    >>> cfg = EXPERIMENT.config("quick", num_layers=(1,), steps=2, restarts=1)
    >>> result = EXPERIMENT.run(cfg, seed=0)
    >>> result.metrics["lower_bound"]["1"]
    0.04
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from qspectral.errors import InvalidModelError
from qspectral.experiments.registry import Claim, Experiment, ExperimentResult
from qspectral.experiments.training import train
from qspectral.quantum.models import ReuploadingModel
from qspectral.seeding import seed_for

TARGET_DEGREE = 5
COEFFICIENT = 0.05 + 0.05j
#: final MSE below which a model "fits" (2 % of the target's mean square 0.05)
FIT_MSE = 1e-3


@dataclass(frozen=True)
class FourierDegreeConfig:
    """Sizes and budgets of one ``fourier-degree`` run."""

    num_layers: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    samples: int = 64
    num_qubits: int = 2
    depth: int = 3
    steps: int = 300
    lr: float = 0.05
    restarts: int = 10  # paired initialisations: 10 fit the quick budget (~19 s on one core)


def target(x: np.ndarray) -> np.ndarray:
    r"""The degree-5 target :math:`2\,\mathrm{Re}\sum_{n=1}^{5} c\, e^{inx}`.

    Example:
        >>> round(float(target(np.array([0.0]))[0]), 12)          # 2 * 5 * 0.05
        0.5
    """
    n = np.arange(1, TARGET_DEGREE + 1)
    return 2 * np.real(COEFFICIENT * np.exp(1j * np.outer(x, n))).sum(axis=1)


def lower_bound(num_layers: int) -> float:
    """The smallest MSE any degree-``num_layers`` Fourier series reaches on the target (Parseval)."""
    return round(2 * abs(COEFFICIENT) ** 2 * max(TARGET_DEGREE - num_layers, 0), 15)


def run(config: FourierDegreeConfig, *, seed: int, device: str = "cpu", progress: bool = False) -> ExperimentResult:
    """Fit the target with each ``L`` in ``config.num_layers``; report the best final MSE per ``L``."""
    if not config.num_layers or any(L < 1 for L in config.num_layers):
        raise InvalidModelError(f"num_layers must list positive integers, got {config.num_layers}")
    if config.samples <= 2 * TARGET_DEGREE:
        raise InvalidModelError(f"samples must exceed {2 * TARGET_DEGREE} to resolve the target")
    if config.restarts < 1 or config.steps < 1:
        raise InvalidModelError("steps and restarts must be positive integers")
    x = 2 * math.pi * np.arange(config.samples) / config.samples
    inputs = torch.tensor(x, dtype=torch.float64, device=device)
    targets = torch.tensor(target(x), dtype=torch.float64, device=device)
    mse: dict[str, float] = {}
    all_runs: dict[str, list[float]] = {}
    for L in config.num_layers:
        losses = []
        for restart in range(config.restarts):
            torch.manual_seed(seed_for(seed, L, restart))
            model = ReuploadingModel(config.num_qubits, L, encoding="serial", depth=config.depth).to(device)
            losses.append(train(model, inputs, targets, steps=config.steps, lr=config.lr,
                                progress=progress, description=f"L={L} restart {restart + 1}"))
        all_runs[str(L)] = losses
        mse[str(L)] = min(losses)
    fits = sorted(int(L) for L, value in mse.items() if value < FIT_MSE)
    expected = sorted(L for L in config.num_layers if L >= TARGET_DEGREE)
    claims = [Claim(
        text=f"A model with L serial Pauli encodings fits a degree-{TARGET_DEGREE} Fourier series "
             f"only if L >= {TARGET_DEGREE} (Schuld, Sweke & Meyer 2021)",
        criterion=f"final MSE < {FIT_MSE:g} exactly for L in {expected}",
        measured={"final_mse": mse, "fits": fits},
        holds=fits == expected,
        kind="paper",
        source="Schuld, Sweke & Meyer 2021",
        paper_value="the spectrum of L serial Pauli encodings is {-L..L} (a theorem; no error number)",
        seeds=config.restarts,
        effect={"name": f"final MSE at L = {TARGET_DEGREE} (best of restarts)",
                "mean": mse.get(str(TARGET_DEGREE)), "ci_low": None, "ci_high": None, "seeds": config.restarts},
    )]
    metrics = {
        "target": {"degree": TARGET_DEGREE, "coefficient": [COEFFICIENT.real, COEFFICIENT.imag], "c0": 0.0},
        "final_mse": mse,
        "restart_mse": all_runs,
        "lower_bound": {str(L): lower_bound(L) for L in config.num_layers},
        "fit_threshold": FIT_MSE,
    }
    return ExperimentResult(claims=claims, metrics=metrics, curves={"final_mse": mse})


def plot(result: ExperimentResult, out_dir: Path) -> list[Path]:
    """Final MSE against L (log scale) with the Parseval lower bound."""
    from matplotlib.figure import Figure

    layers = [int(L) for L in result.metrics["final_mse"]]
    mse = list(result.metrics["final_mse"].values())
    bound = [result.metrics["lower_bound"][str(L)] for L in layers]
    fig = Figure(figsize=(4.5, 3.2), layout="constrained")
    ax = fig.subplots()
    ax.semilogy(layers, np.maximum(mse, 1e-16), "o-", label="best final MSE")
    ax.semilogy(layers, np.maximum(bound, 1e-16), "k--", label="lower bound 0.01 max(5 - L, 0)")
    ax.axhline(FIT_MSE, color="grey", lw=0.8, label=f"fit threshold {FIT_MSE:g}")
    ax.set_xlabel("L (serial Pauli encodings)")
    ax.set_ylabel("MSE")
    ax.set_title("degree-5 target", fontsize=10)
    ax.legend(fontsize=8)
    path = Path(out_dir) / "mse_per_layers.png"
    fig.savefig(path, dpi=110)
    return [path]


EXPERIMENT = Experiment(
    name="fourier-degree",
    paper="Schuld, Sweke & Meyer 2021",
    claim=f"L serial Pauli encodings fit a degree-{TARGET_DEGREE} Fourier series only if L >= {TARGET_DEGREE}",
    quick=FourierDegreeConfig(),
    full=FourierDegreeConfig(samples=128, steps=1000, restarts=10),
    seed=0,
    run=run,
    plot=plot,
)
