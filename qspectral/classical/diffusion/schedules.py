r"""Noise schedules of a variance-preserving diffusion sampler (DDPM/DDIM).

**Noise convention (variance preserving, DDPM/DDIM).** A schedule is the array
``alpha_bar = [ᾱ_1, ..., ᾱ_T]`` of a sampler with ``T`` steps, strictly decreasing, with
``0 <= ᾱ_t < 1``; ``ᾱ_0 = 1`` (clean data) is implicit. Level ``t`` (array index ``t - 1``) noises
the data as :math:`x_t = \sqrt{ᾱ_t}\, x_0 + \sqrt{1-ᾱ_t}\, \varepsilon`, i.e. a signal-to-noise
ratio of :math:`σ_t^{-2}` with :math:`σ_t^2 = (1-ᾱ_t)/ᾱ_t`. A *denoiser* predicts :math:`x_0` from
:math:`(x_t, t)`.

Example:
    >>> import numpy as np
    >>> ab = cosine_schedule(10)
    >>> bool(np.all(np.diff(ab) < 0)), check_schedule(ab).shape
    (True, (10,))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from qspectral.errors import InvalidModelError
from qspectral.validation import positive_int


#: The number of training steps the heuristic schedules are defined on (DDPM's T).
TRAIN_STEPS = 1000


def _timesteps(num_steps: int, train_steps: int) -> np.ndarray:
    """DDIM's evenly spaced sub-sequence ``round(i * train_steps / num_steps)``, ``i = 1..num_steps``."""
    num_steps = positive_int("num_steps", num_steps, error=InvalidModelError)
    train_steps = positive_int("train_steps", train_steps, error=InvalidModelError)
    if num_steps > train_steps:
        raise InvalidModelError(
            f"num_steps={num_steps} exceeds train_steps={train_steps}; a sampler cannot take more "
            "steps than the training schedule has levels"
        )
    return np.rint(np.arange(1, num_steps + 1) * train_steps / num_steps).astype(int)


def linear_schedule(
    num_steps: int, *, train_steps: int = TRAIN_STEPS, beta_start: float = 1e-4, beta_end: float = 0.02
) -> np.ndarray:
    r"""DDPM's linear-β schedule (Ho et al. 2020) at ``num_steps`` evenly spaced DDIM timesteps.

    :math:`β_s` runs linearly from ``beta_start`` to ``beta_end`` over ``s = 1..train_steps`` and
    :math:`ᾱ(τ) = \prod_{s \le τ} (1 - β_s)`; the sampler uses :math:`τ_i = \mathrm{round}(i\,
    \mathrm{train\_steps}/\mathrm{num\_steps})`. Returns ``[ᾱ(τ_1), ..., ᾱ(τ_T)]`` (decreasing).

    Example:
        >>> np.round(linear_schedule(4), 4).tolist()
        [0.5241, 0.0786, 0.0034, 0.0]
    """
    taus = _timesteps(num_steps, train_steps)
    if not 0 < beta_start < beta_end < 1:
        raise InvalidModelError(
            f"need 0 < beta_start < beta_end < 1, got beta_start={beta_start}, beta_end={beta_end}"
        )
    betas = np.linspace(beta_start, beta_end, train_steps)
    return np.cumprod(1 - betas)[taus - 1]


def cosine_schedule(num_steps: int, *, train_steps: int = TRAIN_STEPS, offset: float = 0.008) -> np.ndarray:
    r"""Nichol & Dhariwal's cosine schedule at ``num_steps`` evenly spaced DDIM timesteps.

    :math:`ᾱ(τ) = f(τ)/f(0)`, :math:`f(τ) = \cos^2\!\big(\frac{τ/\mathrm{train\_steps} + s}{1+s}
    \frac{π}{2}\big)`, with each :math:`β_τ = 1 - ᾱ(τ)/ᾱ(τ-1)` clipped at 0.999 as in their paper
    (so the last level is small but not 0). Returns ``[ᾱ(τ_1), ..., ᾱ(τ_T)]``.

    Example:
        >>> np.round(cosine_schedule(4), 4).tolist()
        [0.847, 0.4938, 0.1443, 0.0]
    """
    taus = _timesteps(num_steps, train_steps)
    if not offset > 0:
        raise InvalidModelError(f"offset must be positive, got {offset!r}")
    t = np.arange(train_steps + 1) / train_steps
    f = np.cos((t + offset) / (1 + offset) * np.pi / 2) ** 2
    betas = np.clip(1 - f[1:] / f[:-1], 0, 0.999)
    return np.cumprod(1 - betas)[taus - 1]


def sigma_schedule(sigmas: Sequence[float] | np.ndarray) -> np.ndarray:
    r"""The VP schedule with noise-to-signal ratios ``sigmas`` (increasing): :math:`ᾱ = 1/(1+σ^2)`.

    :math:`x_t/\sqrt{ᾱ_t} = x_0 + σ_t ε`, so these are the levels of a variance-exploding model with
    noise ``σ_t`` (e.g. EDM's log-spaced ``σ`` from 0.002 to 80).

    Example:
        >>> sigma_schedule([0.0, 1.0, 3.0]).tolist()
        [1.0, 0.5, 0.1]
    """
    s = np.asarray(sigmas, dtype=np.float64)
    return 1.0 / (1.0 + s**2)


def check_schedule(alpha_bar: Any) -> np.ndarray:
    """Return ``alpha_bar`` as a float64 array after checking it is a valid sampler schedule.

    A schedule is 1-D, finite, strictly decreasing, with ``0 <= ᾱ_t < 1`` (``ᾱ_0 = 1`` is implicit).

    Example:
        >>> check_schedule([0.9, 0.5, 0.1]).tolist()
        [0.9, 0.5, 0.1]
    """
    values = alpha_bar.detach().cpu().numpy() if isinstance(alpha_bar, torch.Tensor) else alpha_bar
    ab = np.asarray(values, dtype=np.float64)
    if ab.ndim != 1 or ab.size == 0 or not np.all(np.isfinite(ab)):
        raise InvalidModelError(
            f"alpha_bar must be a non-empty 1-D array of finite values [ᾱ_1, ..., ᾱ_T], got shape {ab.shape}"
        )
    if np.any(ab < 0) or np.any(ab >= 1):
        raise InvalidModelError(
            f"every ᾱ_t must lie in [0, 1) (ᾱ_0 = 1 is implicit), got min {ab.min():g}, max {ab.max():g}; "
            "drop a leading 1 (the clean level) from the schedule"
        )
    if np.any(np.diff(ab) >= 0):
        raise InvalidModelError(
            "alpha_bar must be strictly decreasing (ᾱ_1 > ᾱ_2 > ... > ᾱ_T: more noise at later steps); "
            "reverse it if it is increasing"
        )
    return ab
