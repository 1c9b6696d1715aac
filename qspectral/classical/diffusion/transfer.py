r"""The DDIM sampler as a per-frequency filter, and schedules designed through it.

Schedules: :mod:`qspectral.classical.diffusion.schedules`; spectra: :mod:`qspectral.spectral.stationary`.

**DDIM as a per-frequency filter (Benita, Elad & Keshet 2025).** With the exact (Wiener)
denoiser of a Gaussian with spectrum ``S``, :math:`\hat x_0 = w_t x_t`,
:math:`w_t = \sqrt{ᾱ_t} S / (ᾱ_t S + 1 - ᾱ_t)`, the deterministic DDIM step
:math:`x_{t-1} = \sqrt{ᾱ_{t-1}} \hat x_0 + \sqrt{1-ᾱ_{t-1}}\, \hat\varepsilon`,
:math:`\hat\varepsilon = (x_t - \sqrt{ᾱ_t} \hat x_0)/\sqrt{1-ᾱ_t}`, multiplies mode ``ω`` by

.. math::

    a_t = \sqrt{ᾱ_{t-1}}\, w_t + \sqrt{\frac{1-ᾱ_{t-1}}{1-ᾱ_t}} (1 - \sqrt{ᾱ_t}\, w_t)
        = \frac{\sqrt{ᾱ_{t-1} ᾱ_t}\, S + \sqrt{(1-ᾱ_{t-1})(1-ᾱ_t)}}{ᾱ_t S + 1 - ᾱ_t},

using :math:`1 - ᾱ_t S/(ᾱ_t S + 1 - ᾱ_t) = (1-ᾱ_t)/(ᾱ_t S + 1 - ᾱ_t)`. The whole sampler, started
from unit white noise :math:`x_T`, is the filter :math:`H(ω) = \prod_{t=1}^T a_t(ω)`, and the
generated spectrum is :math:`H^2` (Benita et al.'s transfer function). The stochastic sampler
(``eta > 0``; ``eta = 1`` is DDPM) adds :math:`s_t z` with
:math:`s_t = η \sqrt{(1-ᾱ_{t-1})/(1-ᾱ_t)}\sqrt{1-ᾱ_t/ᾱ_{t-1}}` and uses
:math:`\sqrt{1-ᾱ_{t-1}-s_t^2}` in place of :math:`\sqrt{1-ᾱ_{t-1}}`; the generated spectrum then
follows :math:`v_{t-1} = a_t^2 v_t + s_t^2`, :math:`v_T = 1`.

Example:
    >>> import numpy as np
    >>> from qspectral.spectral.stationary import power_law_spectrum
    >>> S = power_law_spectrum(16, 1.0)
    >>> H = ddim_transfer_function(S, cosine_schedule(10))
    >>> bool(np.allclose(H ** 2, sampler_output_spectrum(S, cosine_schedule(10))))   # generated spectrum = H**2
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from qspectral.classical.diffusion.schedules import check_schedule, cosine_schedule
from qspectral.errors import InvalidModelError
from qspectral.spectral.stationary import check_spectrum, log_spectral_distance
from qspectral.validation import positive_int


def _levels(alpha_bar: Any, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(ᾱ_t, ᾱ_{t-1})`` shaped ``(T, 1, ..., 1)`` to broadcast against ``like`` (T, ...)."""
    if isinstance(alpha_bar, torch.Tensor) and alpha_bar.requires_grad:
        ab = alpha_bar.to(like.dtype)
    else:
        ab = torch.as_tensor(check_schedule(alpha_bar), dtype=like.dtype)
    prev = torch.cat([torch.ones(1, dtype=ab.dtype), ab[:-1]])
    shape = (-1,) + (1,) * (like.ndim - 1)
    return ab.reshape(shape), prev.reshape(shape)


def _to_tensor(values: Any) -> tuple[torch.Tensor, bool]:
    if isinstance(values, torch.Tensor):
        return values, False
    return torch.as_tensor(np.asarray(values, dtype=np.float64)), True


def _like_input(result: torch.Tensor, was_numpy: bool) -> Any:
    return result.detach().numpy() if was_numpy else result


def vp_denoiser_gains(spectrum: Any, alpha_bar: Any) -> Any:
    r"""Per-level gains :math:`w_t = \sqrt{ᾱ_t} S/(ᾱ_t S + 1 - ᾱ_t)` of the exact Gaussian denoiser.

    :math:`E[x_0 | x_t] = w_t x_t` mode by mode. Returns shape ``(T, *spectrum.shape)``;
    numpy in, numpy out; torch tensors (``alpha_bar`` may require grad) stay torch.

    Example:
        >>> vp_denoiser_gains([1.0], [0.25]).round(6).tolist()
        [[0.5]]
    """
    s, was_numpy = _to_tensor(spectrum)
    s = check_spectrum(s, grid=False)
    ab, _ = _levels(alpha_bar, s.unsqueeze(0))
    return _like_input(ab.sqrt() * s / (ab * s + 1 - ab), was_numpy)


def ddim_noise_scales(alpha_bar: Any, eta: float = 0.0) -> np.ndarray:
    r"""The fresh-noise scale :math:`s_t = η\sqrt{(1-ᾱ_{t-1})/(1-ᾱ_t)}\sqrt{1-ᾱ_t/ᾱ_{t-1}}` per step.

    ``eta = 0`` is deterministic DDIM (all zero), ``eta = 1`` DDPM's ancestral sampler.

    Example:
        >>> ddim_noise_scales([0.5], 1.0).tolist()                   # the last step adds no noise
        [0.0]
    """
    if not 0 <= eta <= 1:
        raise InvalidModelError(f"eta must lie in [0, 1] (0: DDIM, 1: DDPM), got {eta!r}")
    ab = check_schedule(alpha_bar)
    prev = np.concatenate([[1.0], ab[:-1]])
    return eta * np.sqrt((1 - prev) / (1 - ab)) * np.sqrt(1 - ab / prev)


def ddim_step_gains(denoiser_gains: Any, alpha_bar: Any, *, eta: float = 0.0) -> Any:
    r"""Per-step gains :math:`a_t` of a DDIM step whose denoiser multiplies each mode by ``w_t``.

    :math:`a_t = \sqrt{ᾱ_{t-1}}\, w_t + \sqrt{1 - ᾱ_{t-1} - s_t^2}\,(1 - \sqrt{ᾱ_t} w_t)/\sqrt{1-ᾱ_t}`
    with ``s_t`` from :func:`ddim_noise_scales`. ``denoiser_gains`` has shape ``(T, ...)``, row
    ``t - 1`` for level ``t`` (any linear denoiser diagonal in the basis at hand: Wiener gains,
    or a trained denoiser's mode weights). Returns the same shape; numpy in, numpy out.

    Example:
        >>> ddim_step_gains([[0.0]], [0.75]).tolist()                 # w = 0 at the last step: output 0
        [[0.0]]
    """
    w, was_numpy = _to_tensor(denoiser_gains)
    if w.ndim < 1:
        raise InvalidModelError("denoiser_gains needs a leading level axis of length T")
    ab, prev = _levels(alpha_bar, w)
    if ab.shape[0] != w.shape[0]:
        raise InvalidModelError(
            f"denoiser_gains has {w.shape[0]} levels but alpha_bar has {ab.shape[0]}; one row per level"
        )
    if eta == 0:
        eps_coeff = (1 - prev).sqrt()
    else:
        scales = torch.as_tensor(ddim_noise_scales(alpha_bar, eta), dtype=w.dtype).reshape(ab.shape)
        eps_coeff = (1 - prev - scales**2).clamp_min(0).sqrt()
    return _like_input(prev.sqrt() * w + eps_coeff * (1 - ab.sqrt() * w) / (1 - ab).sqrt(), was_numpy)


def ddim_transfer_function(spectrum: Any, alpha_bar: Any) -> Any:
    r"""The DDIM sampler's per-frequency filter :math:`H(ω) = \prod_t a_t(ω)` for a Gaussian with spectrum ``S``.

    :math:`a_t = [\sqrt{ᾱ_{t-1}ᾱ_t} S + \sqrt{(1-ᾱ_{t-1})(1-ᾱ_t)}]/(ᾱ_t S + 1 - ᾱ_t)` (derivation in
    the module docstring). The generated sample is ``ifftn(H * fftn(x_T))``; its spectrum is
    ``H**2``. Differentiable in ``alpha_bar`` when that is a torch tensor.

    Example:
        >>> import numpy as np
        >>> ab = np.array([0.9, 0.1])
        >>> a1 = (np.sqrt(0.9) * 2.0 + 0) / (0.9 * 2.0 + 0.1)             # ᾱ_0 = 1
        >>> a2 = (np.sqrt(0.9 * 0.1) * 2.0 + np.sqrt(0.1 * 0.9)) / (0.1 * 2.0 + 0.9)
        >>> bool(np.isclose(ddim_transfer_function([2.0], ab)[0], a1 * a2))
        True
    """
    s, was_numpy = _to_tensor(spectrum)
    gains = ddim_step_gains(vp_denoiser_gains(s, alpha_bar), alpha_bar)
    return _like_input(gains.prod(dim=0), was_numpy)


def sampler_output_spectrum(spectrum: Any, alpha_bar: Any, *, eta: float = 0.0) -> Any:
    r"""Spectrum of the samples of DDIM (``eta = 0``) or DDPM (``eta = 1``) with the exact Gaussian denoiser.

    :math:`v_{t-1} = a_t^2 v_t + s_t^2` from :math:`v_T = 1`; for ``eta = 0`` this is
    ``ddim_transfer_function(...)**2``.

    Example:
        >>> import numpy as np
        >>> S, ab = np.array([2.0, 0.5]), cosine_schedule(20)
        >>> bool(np.allclose(sampler_output_spectrum(S, ab), ddim_transfer_function(S, ab) ** 2))
        True
    """
    s, was_numpy = _to_tensor(spectrum)
    gains = ddim_step_gains(vp_denoiser_gains(s, alpha_bar), alpha_bar, eta=eta)
    noise = torch.as_tensor(ddim_noise_scales(alpha_bar, eta) if eta else np.zeros(gains.shape[0]), dtype=gains.dtype)
    power = torch.ones_like(s, dtype=gains.dtype)
    for t in range(gains.shape[0] - 1, -1, -1):
        power = gains[t] ** 2 * power + noise[t] ** 2
    return _like_input(power, was_numpy)


@dataclass(frozen=True)
class ScheduleDesign:
    """A schedule designed by :func:`design_schedule`: ``alpha_bar`` and its log-spectral distance (dB)."""

    alpha_bar: np.ndarray
    log_spectral_distance: float
    initial_log_spectral_distance: float
    history: np.ndarray


def _logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def design_schedule(
    spectrum: Any,
    num_steps: int,
    *,
    init: np.ndarray | None = None,
    iterations: int = 400,
    lr: float = 0.05,
    min_alpha_bar: float = 1e-6,
) -> ScheduleDesign:
    r"""Optimise a ``num_steps``-step DDIM schedule so the generated spectrum ``H**2`` matches ``S``.

    Minimises :math:`\mathrm{mean}_ω \ln^2(H^2(ω)/S(ω))` (the squared log-spectral distance up to
    the dB factor) by Adam through :func:`ddim_transfer_function`, over the monotone
    parametrisation :math:`\mathrm{logit}\,ᾱ_1 = z`,
    :math:`\mathrm{logit}\,ᾱ_t = \mathrm{logit}\,ᾱ_{t-1} - \mathrm{softplus}(δ_t)` (strictly
    decreasing by construction). ``init`` (default :func:`cosine_schedule`) is the starting point,
    clipped to ``[min_alpha_bar, 1 - min_alpha_bar]``; the best iterate is returned, so the result
    is never worse than the (clipped) start. Deterministic.

    Example:
        >>> from qspectral.spectral.stationary import power_law_spectrum
        >>> S = power_law_spectrum(32, 1.0)
        >>> d = design_schedule(S, 5, iterations=50)
        >>> d.log_spectral_distance <= d.initial_log_spectral_distance, d.alpha_bar.shape
        (True, (5,))
    """
    s = check_spectrum(spectrum).to(torch.float64)
    num_steps = positive_int("num_steps", num_steps, error=InvalidModelError)
    iterations = positive_int("iterations", iterations, error=InvalidModelError)
    start = cosine_schedule(num_steps) if init is None else check_schedule(init)
    if start.size != num_steps:
        raise InvalidModelError(f"init has {start.size} levels but num_steps is {num_steps}")
    start = np.clip(start, min_alpha_bar, 1 - min_alpha_bar)
    logits = _logit(start)
    gaps = np.maximum(-np.diff(logits), 1e-6)
    z = torch.tensor([logits[0]], dtype=torch.float64, requires_grad=True)
    delta = torch.tensor(np.log(np.expm1(gaps)), dtype=torch.float64, requires_grad=True)
    log_target = s.log()

    def schedule() -> torch.Tensor:
        steps = torch.cat([torch.zeros(1, dtype=torch.float64), torch.nn.functional.softplus(delta)])
        return torch.sigmoid(z - torch.cumsum(steps, 0))

    def loss_of(ab: torch.Tensor) -> torch.Tensor:
        h = ddim_transfer_function(s, ab)
        return ((2 * h.abs().clamp_min(1e-300).log() - log_target) ** 2).mean()

    optimizer = torch.optim.Adam([z, delta], lr=lr, foreach=True)
    history = []
    best_loss, best = math.inf, None
    for _ in range(iterations + 1):
        ab = schedule()
        loss = loss_of(ab)
        value = float(loss.detach())
        history.append(value)
        if value < best_loss:
            best_loss, best = value, ab.detach().numpy().copy()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    to_db = 10 / math.log(10)
    return ScheduleDesign(
        alpha_bar=best,
        log_spectral_distance=to_db * math.sqrt(best_loss),
        initial_log_spectral_distance=to_db * math.sqrt(history[0]),
        history=to_db * np.sqrt(np.asarray(history)),
    )
