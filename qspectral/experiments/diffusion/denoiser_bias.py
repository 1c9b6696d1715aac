r"""Experiment ``denoiser-spectral-bias``: when a diffusion denoiser learns each principal component.

Wang & Pehlevan (2025), "An analytical theory of spectral bias in the learning dynamics of
diffusion models": a linear denoiser trained by gradient flow converges along principal
components, mode ``k`` at a rate :math:`\propto λ_k + σ^2`, so the generated distribution learns
mode ``k`` at :math:`τ^*_k \propto λ_k^{-α}` with :math:`α \approx 1` (their fits 1.05–1.13);
an MLP on FFHQ32 gives 0.35–0.48 and a U-Net no clean power law.

**Data.** ``train_samples`` zero-mean Gaussian vectors of dimension ``dim`` with covariance
eigenvalues :math:`λ_k = k^{-\mathrm{exponent}}` in a random orthonormal basis (``general``), or
translation invariant (``circulant``: the power law :math:`(1 + f^2)^{-\mathrm{exponent}/2}` over
the real Fourier modes; training rolls each sample by a fresh random circular shift, so the
covariance it sees is exactly circulant and its principal components are exactly the Fourier
modes). Everything is measured in the eigenbasis :math:`(\hat λ, \hat U)` of the covariance
gradient descent sees (the training set's, shift-averaged for ``circulant``).

**Denoisers** (:mod:`qspectral.classical.diffusion`), one output per noise level of a VP
schedule with ``levels`` log-spaced :math:`σ` from ``sigma_min`` to ``sigma_max``
(:func:`~qspectral.classical.diffusion.sigma_schedule`), trained full batch on the summed
denoising loss (:func:`~qspectral.classical.diffusion.train_denoiser`): a linear denoiser by
gradient descent (``*-linear-gd``, which the closed form describes) and by Adam
(``linear-adam``); a small MLP and a circular convolutional net on circulant data, by Adam.

**Measurement.** At ``records`` geometrically spaced steps, the variance of each mode in the
samples of the DDIM sampler on the same schedule: exact for linear denoisers (the sampler is the
matrix ``M``; :func:`~qspectral.classical.diffusion.ddim_sample` of ``sqrt(d) I``), from
``variance_samples`` fixed noise draws otherwise. Mode ``k``'s learning time is the step where
it first gets half-way from its initial variance to the variance the exact denoiser generates
(:func:`~qspectral.classical.diffusion.emergence_steps`); ``α`` is the negated slope of
:math:`\log τ_k` against :math:`\log \hat λ_k` with a 95 % Student-t interval
(:func:`~qspectral.spectral.analysis.fit_power_law`). For gradient descent the closed-form curves
(:func:`~qspectral.classical.diffusion.linear_denoiser_learning_curves`) are compared with the
trained ones, mode by mode and level by level.

Example:
    >>> cfg = EXPERIMENT.config("quick", dim=8, levels=4, train_samples=64, gd_steps=30, adam_steps=30,
    ...                         net_steps=5, records=6, variance_samples=16, net_width=8,
    ...                         models=("linear-gd", "circulant-mlp"))
    >>> result = EXPERIMENT.run(cfg, seed=0)
    >>> len(result.metrics["models"]["linear-gd"]["emergence_steps"]), len(result.claims)
    (8, 2)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qspectral.classical.diffusion import (
    ConvDenoiser,
    LinearDenoiser,
    MLPDenoiser,
    circular_shift_augmentation,
    ddim_sample,
    emergence_steps,
    generated_mode_variance,
    linear_denoiser_learning_curves,
    sigma_schedule,
    train_denoiser,
    vp_denoiser_gains,
)
from qspectral.errors import InvalidModelError
from qspectral.experiments.diffusion.common import finite_or_none, generator, seed_for
from qspectral.experiments.registry import Claim, Experiment, ExperimentResult
from qspectral.spectral.analysis import fit_power_law, paired_effect
from qspectral.spectral.stationary import empirical_spectrum, real_fourier_basis

#: model name -> (covariance, denoiser, optimizer)
MODELS = {
    "linear-gd": ("general", "linear", "gd"),
    "linear-adam": ("general", "linear", "adam"),
    "circulant-linear-gd": ("circulant", "linear", "gd"),
    "circulant-mlp": ("circulant", "mlp", "adam"),
    "circulant-conv": ("circulant", "conv", "adam"),
}
#: Wang & Pehlevan's fitted exponents, for the report.
PAPER_ALPHA = {"linear (d=256)": 1.08, "linear (d=512)": [1.05, 1.13], "MLP on FFHQ32": [0.35, 0.48],
               "U-Net": "no clear power law"}
ALPHA_RANGE = (0.8, 1.2)
#: The theory-vs-training claim: median over modes of the largest relative deviation.
CURVE_TOLERANCE = 0.1


@dataclass(frozen=True)
class DenoiserBiasConfig:
    """Sizes and budgets of one ``denoiser-spectral-bias`` run (module docstring)."""

    dim: int = 64
    exponent: float = 1.0
    levels: int = 12
    sigma_min: float = 0.002
    sigma_max: float = 80.0
    train_samples: int = 256
    models: tuple[str, ...] = tuple(MODELS)
    gd_lr: float = 0.1
    gd_steps: int = 1000
    adam_lr: float = 2e-3
    adam_steps: int = 1000
    net_samples: int = 128
    net_steps: int = 600
    net_lr: float = 1e-3
    net_width: int = 128
    conv_channels: int = 8
    conv_kernel: int = 5
    records: int = 30
    variance_samples: int = 256
    fraction: float = 0.5
    seeds: int = 10  # training seeds of the linear-GD models (the paper claim); ~77 s on one core


def _check(config: DenoiserBiasConfig) -> None:
    unknown = [m for m in config.models if m not in MODELS]
    if unknown or not config.models:
        raise InvalidModelError(f"unknown or missing model(s) {unknown}; choose from {', '.join(MODELS)}")
    if config.dim < 4 or config.levels < 2 or config.records < 3:
        raise InvalidModelError("need dim >= 4, levels >= 2 and records >= 3")
    if not 0 < config.sigma_min < config.sigma_max:
        raise InvalidModelError(f"need 0 < sigma_min < sigma_max, got {config.sigma_min}, {config.sigma_max}")


def record_steps(steps: int, records: int) -> list[int]:
    """Step 0 and about ``records`` geometrically spaced steps up to ``steps``.

    Example:
        >>> record_steps(100, 5)
        [0, 1, 3, 10, 32, 100]
    """
    return [0, *np.unique(np.rint(np.geomspace(1, steps, records)).astype(int)).tolist()]


def _population(kind: str, config: DenoiserBiasConfig, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Population eigenvalues (max 1) and orthonormal eigenbasis (columns) of the data covariance."""
    d = config.dim
    if kind == "circulant":
        basis, freqs = real_fourier_basis(d)
        return (1.0 + freqs.astype(float) ** 2) ** (-config.exponent / 2), basis
    gaussian = np.random.default_rng(seed_for(seed, 0)).normal(size=(d, d))
    basis, _ = np.linalg.qr(gaussian)
    return np.arange(1, d + 1, dtype=float) ** (-config.exponent), basis


def _dataset(kind: str, count: int, config: DenoiserBiasConfig, seed: int) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """Samples and the eigen-decomposition (descending) of the covariance training sees.

    ``general``: ``X^T X / n``. ``circulant``: training rolls every sample by a fresh random shift
    (:func:`~qspectral.classical.diffusion.circular_shift_augmentation`), so it sees the
    shift-averaged covariance: the real Fourier basis with the empirical power spectrum.
    """
    lam, basis = _population(kind, config, seed)
    z = torch.randn(count, config.dim, generator=generator(seed, 1, 0 if kind == "general" else 1), dtype=torch.float64)
    data = (z * torch.as_tensor(np.sqrt(lam))) @ torch.as_tensor(basis).T
    if kind == "circulant":
        values = empirical_spectrum(data)[real_fourier_basis(config.dim)[1]]
        vectors = basis
    else:
        values, vectors = np.linalg.eigh((data.T @ data).numpy() / count)
    order = np.argsort(values, kind="stable")[::-1]
    return data, values[order], vectors[:, order]


def _build(denoiser: str, config: DenoiserBiasConfig) -> nn.Module:
    if denoiser == "linear":
        return LinearDenoiser(config.levels, config.dim)
    if denoiser == "mlp":
        return MLPDenoiser(config.dim, config.levels, hidden_features=config.net_width)
    return ConvDenoiser(config.levels, hidden_channels=config.conv_channels, kernel_size=config.conv_kernel)


def _fit(eigenvalues: np.ndarray, times: np.ndarray) -> dict[str, Any]:
    ok = np.isfinite(times) & (times > 0)
    if ok.sum() < 3:
        return {"alpha": None, "alpha_interval": None, "r_squared": None, "modes_fitted": int(ok.sum())}
    fit = fit_power_law(eigenvalues[ok], times[ok])
    low, high = fit.exponent_interval
    return {"alpha": -fit.exponent, "alpha_interval": [-high, -low], "r_squared": fit.r_squared,
            "modes_fitted": int(ok.sum())}


def _train_one(name: str, config: DenoiserBiasConfig, alpha_bar: np.ndarray, seed: int, index: int,
               device: str = "cpu") -> dict[str, Any]:
    kind, denoiser, optimizer = MODELS[name]
    is_linear = denoiser == "linear"
    count = config.train_samples if is_linear else config.net_samples
    data, eigenvalues, basis = _dataset(kind, count, config, seed)
    steps = (config.gd_steps if optimizer == "gd" else config.adam_steps) if is_linear else config.net_steps
    lr = (config.gd_lr if optimizer == "gd" else config.adam_lr) if is_linear else config.net_lr
    recorded = record_steps(steps, config.records)
    u = torch.as_tensor(basis)
    if is_linear:
        noise = math.sqrt(config.dim) * torch.eye(config.dim, dtype=torch.float64)
    else:
        noise = torch.randn(config.variance_samples, config.dim, generator=generator(seed, 2, index), dtype=torch.float64)
    torch.manual_seed(seed_for(seed, 3, index))
    model = _build(denoiser, config).to(device)
    like = next(model.parameters())
    variances, weights = [], []

    def on_record(step: int, model: nn.Module) -> None:
        out = ddim_sample(model, noise.to(like), alpha_bar).double().cpu()
        variances.append(((out @ u) ** 2).mean(0).numpy())
        if is_linear:
            with torch.no_grad():
                weights.append(torch.einsum("dk,lde,ek->lk", u, model.weight.double().cpu(), u).numpy())

    augment = circular_shift_augmentation(generator(seed, 5, index)) if kind == "circulant" else None
    losses = train_denoiser(model, data, alpha_bar, steps=steps, lr=lr, optimizer=optimizer,
                            generator=generator(seed, 4, index), record_steps=recorded, on_record=on_record,
                            augment=augment)
    v = np.asarray(variances)
    target = generated_mode_variance(vp_denoiser_gains(eigenvalues, alpha_bar), alpha_bar)
    times = emergence_steps(recorded, v, target, fraction=config.fraction)
    entry: dict[str, Any] = {
        **_fit(eigenvalues, times),
        "emergence_steps": finite_or_none(times),
        "covariance": kind,
        "denoiser": denoiser,
        "optimizer": optimizer,
        "steps": steps,
        "lr": lr,
        "train_samples": count,
        "final_loss": float(losses[-1]),
        "final_variance_ratio": finite_or_none(v[-1] / target),
    }
    curves = {"steps": recorded, "eigenvalues": eigenvalues, "variance": v, "target": target, "times": times}
    if is_linear and optimizer == "gd":
        theory_w = linear_denoiser_learning_curves(eigenvalues, alpha_bar, recorded, lr)
        theory_v = generated_mode_variance(theory_w, alpha_bar)
        w = np.asarray(weights)
        deviation = np.max(np.abs(v - theory_v), axis=0) / target
        theory_times = emergence_steps(recorded, theory_v, target, fraction=config.fraction)
        entry["theory"] = {
            **_fit(eigenvalues, theory_times),
            "weight_max_abs_deviation": float(np.max(np.abs(w - theory_w))),
            "weight_rms_deviation": float(np.sqrt(np.mean((w - theory_w) ** 2))),
            "variance_max_relative_deviation_median": float(np.median(deviation)),
            "variance_max_relative_deviation_max": float(np.max(deviation)),
            "emergence_steps": finite_or_none(theory_times),
        }
        curves["theory_variance"] = theory_v
    return {"metrics": entry, "curves": curves}


def run(config: DenoiserBiasConfig, *, seed: int, device: str = "cpu", progress: bool = False) -> ExperimentResult:
    """Train every model of ``config`` and measure its per-mode learning times (module docstring)."""
    _check(config)
    alpha_bar = sigma_schedule(np.geomspace(config.sigma_min, config.sigma_max, config.levels))
    models, curves = {}, {}
    for index, name in enumerate(config.models):
        out = _train_one(name, config, alpha_bar, seed, index, device)
        models[name] = out["metrics"]
        curves[name] = out["curves"]
        if MODELS[name][1:] == ("linear", "gd"):  # the paper claim's model: more seeds (new data and init)
            models[name]["alpha_per_seed"] = [models[name]["alpha"]] + [
                _train_one(name, config, alpha_bar, seed_for(seed, 50, repeat), index, device)["metrics"]["alpha"]
                for repeat in range(1, config.seeds)]
    metrics = {"alpha_bar": alpha_bar.tolist(), "paper_alpha": PAPER_ALPHA, "models": models}
    return ExperimentResult(claims=_claims(models), metrics=metrics, curves=curves)


def _claims(models: dict[str, Any]) -> list[Claim]:
    claims = []
    gd = [name for name in models if MODELS[name][1:] == ("linear", "gd")]
    if gd:
        measured = {name: {"alpha": models[name]["alpha"], "95% CI": models[name]["alpha_interval"],
                           "theory alpha": models[name]["theory"]["alpha"]} for name in gd}
        alphas = {n: [a for a in models[n]["alpha_per_seed"] if a is not None] for n in gd}
        seeds = len(models[gd[0]]["alpha_per_seed"])
        if seeds == 1:
            effect = {"name": f"alpha ({gd[0]}; 95% CI of the log-log fit over modes, one training run)",
                      "mean": models[gd[0]]["alpha"], "ci_low": (models[gd[0]]["alpha_interval"] or [None])[0],
                      "ci_high": (models[gd[0]]["alpha_interval"] or [None, None])[1], "seeds": 1}
        else:
            effect = {"name": f"alpha ({gd[0]}; mean over training seeds)", **paired_effect(alphas[gd[0]])}
        claims.append(Claim(
            "A linear denoiser trained by gradient descent learns mode k at tau_k ~ lambda_k^-alpha with alpha ~ 1 "
            "(Wang & Pehlevan: 1.08 at d=256, 1.05-1.13 at d=512)",
            f"fitted alpha of the trained linear denoiser(s) in [{ALPHA_RANGE[0]}, {ALPHA_RANGE[1]}] (mean over "
            f"{seeds} training seed(s), each a new data set and initialisation; every seed must give a fit)",
            {**measured, **({n: {**measured[n], "alpha_per_seed": alphas[n]} for n in gd} if seeds > 1 else {})},
            all(len(alphas[n]) == seeds and ALPHA_RANGE[0] <= float(np.mean(alphas[n])) <= ALPHA_RANGE[1]
                for n in gd),
            kind="paper",
            source="Wang & Pehlevan 2025",
            paper_value="alpha = 1.08 at d = 256; 1.05-1.13 at d = 512",
            seeds=seeds,
            effect=effect,
        ))
        deviation = {name: models[name]["theory"]["variance_max_relative_deviation_median"] for name in gd}
        claims.append(Claim(
            "The closed-form learning curves of the linear denoiser match gradient-descent training, mode by mode",
            "median over modes of max_step |v_train - v_theory| / v_target <= "
            f"{CURVE_TOLERANCE} (generated variance per mode)",
            deviation,
            all(value <= CURVE_TOLERANCE for value in deviation.values()),
            kind="check",
        ))
    return claims


def plot(result: ExperimentResult, out_dir: Path) -> list[Path]:
    """Learning time against eigenvalue (log-log) per model, and the linear-GD curves against theory."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, curve in result.curves.items():
        alpha = result.metrics["models"][name]["alpha"]
        label = f"{name} (alpha={alpha:.2f})" if alpha is not None else f"{name} (no fit)"
        left.loglog(curve["eigenvalues"], curve["times"], "o", ms=3, label=label)
    left.set_xlabel("eigenvalue lambda_k")
    left.set_ylabel("learning time (steps)")
    left.legend(fontsize=7)
    gd = next((n for n in result.curves if "theory_variance" in result.curves[n]), None)
    if gd is not None:
        curve = result.curves[gd]
        steps = np.maximum(np.asarray(curve["steps"], dtype=float), 0.5)
        modes = np.unique(np.linspace(0, len(curve["eigenvalues"]) - 1, 6).astype(int))
        for i, k in enumerate(modes):
            ratio = np.asarray(curve["variance"])[:, k] / curve["target"][k]
            theory = np.asarray(curve["theory_variance"])[:, k] / curve["target"][k]
            right.semilogx(steps, ratio, "o", ms=3, color=f"C{i}")
            right.semilogx(steps, theory, "-", color=f"C{i}", label=f"mode {k + 1}")
        right.set_xlabel("GD step (0 drawn at 0.5)")
        right.set_ylabel("generated variance / target")
        right.set_title(f"{gd}: training (dots) vs closed form (lines)", fontsize=9)
        right.legend(fontsize=7)
    path = Path(out_dir) / "denoiser_bias.png"
    fig.savefig(path, dpi=110)
    return [path]


EXPERIMENT = Experiment(
    name="denoiser-spectral-bias",
    paper="Wang & Pehlevan 2025 (an analytical theory of spectral bias in diffusion learning dynamics)",
    claim=(
        "Linear denoisers learn principal components at times ~ lambda^-alpha with alpha ~ 1, exactly as the "
        "closed-form gradient-descent solution says; nonlinear denoisers depart from it"
    ),
    quick=DenoiserBiasConfig(),
    full=DenoiserBiasConfig(dim=256, levels=20, train_samples=2048, gd_steps=6000, adam_steps=6000,
                            net_samples=512, net_steps=4000, net_width=256, conv_channels=32, records=60,
                            variance_samples=2048, seeds=10),
    seed=0,
    run=run,
    plot=plot,
)
