r"""Diffusion models in the Fourier domain: schedules, the DDIM transfer function, linear-denoiser theory.

**Noise convention (variance preserving, DDPM/DDIM).** A schedule is the array
``alpha_bar = [ᾱ_1, ..., ᾱ_T]`` of a sampler with ``T`` steps, strictly decreasing, with
``0 <= ᾱ_t < 1``; ``ᾱ_0 = 1`` (clean data) is implicit. Level ``t`` (array index ``t - 1``) noises
the data as :math:`x_t = \sqrt{ᾱ_t}\, x_0 + \sqrt{1-ᾱ_t}\, \varepsilon`, i.e. a signal-to-noise
ratio of :math:`σ_t^{-2}` with :math:`σ_t^2 = (1-ᾱ_t)/ᾱ_t`. A *denoiser* predicts :math:`x_0` from
:math:`(x_t, t)`.

**Spectrum convention.** A stationary Gaussian signal on a periodic grid (1-D of length ``N`` or
2-D of shape ``(H, W)``) has power spectrum ``S`` laid out on the full ``numpy.fft.fftn`` grid
(same shape as the signal, symmetric ``S[k] = S[-k]``) with the *unitary* transform:
``S = E|fftn(x, norm="ortho")|**2``. White noise of unit variance has ``S = 1``; the per-pixel
variance is ``mean(S)``. Because the DFT diagonalises a circulant covariance, every linear
operation below acts on each Fourier mode separately.

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

**Linear denoiser learning dynamics (Wang & Pehlevan 2025).** A linear denoiser
:math:`\hat x_0 = W_t x_t` per level, trained by gradient descent with step ``lr`` on
:math:`\sum_t E\|W_t x_t - x_0\|^2` for zero-mean data of covariance
:math:`Σ = U \mathrm{diag}(λ) U^T`, has gradient :math:`2(W_t C_t - \sqrt{ᾱ_t} Σ)`,
:math:`C_t = ᾱ_t Σ + (1-ᾱ_t) I`. In the eigenbasis :math:`\tilde W = U^T W U` column ``k``
relaxes independently at the rate :math:`c_{tk} = ᾱ_t λ_k + 1 - ᾱ_t = ᾱ_t (λ_k + σ_t^2)`:

.. math::

    \tilde W_{t,jk}(n) = \tilde W^*_{t,jk} + (\tilde W_{t,jk}(0) - \tilde W^*_{t,jk})(1 - 2\,\mathrm{lr}\, c_{tk})^n,
    \qquad \tilde W^*_t = \mathrm{diag}(\sqrt{ᾱ_t} λ_k / c_{tk})

after ``n`` steps (gradient flow is the limit ``lr -> 0``, :math:`e^{-2\,\mathrm{lr}\,c_{tk} n}`).
So mode ``k`` is learned at a time :math:`\propto 1/(λ_k + σ^2)`: the spectral bias. The generated
variance of mode ``k`` is the DDIM filter above with :math:`w_t` replaced by the learned weight.

Example:
    >>> import numpy as np
    >>> S = power_law_spectrum(16, 1.0)
    >>> H = ddim_transfer_function(S, cosine_schedule(1000))
    >>> bool(np.allclose(H ** 2, S, rtol=0.02))          # many steps: the sampler reproduces S
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from qspectral.classical.convnets import ConvNet
from qspectral.classical.nets import MLP
from qspectral.errors import InvalidModelError, InvalidSignalError
from qspectral.validation import positive_int

#: The number of training steps the heuristic schedules are defined on (DDPM's T).
TRAIN_STEPS = 1000

Denoiser = Callable[[torch.Tensor, int], torch.Tensor]


# ----------------------------------------------------------------------------------------------
# schedules
# ----------------------------------------------------------------------------------------------
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


# ----------------------------------------------------------------------------------------------
# spectra
# ----------------------------------------------------------------------------------------------
def _fft_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(-ndim, 0))


def power_law_spectrum(shape: int | Sequence[int], exponent: float, *, cutoff: float = 1.0) -> np.ndarray:
    r"""A power-law spectrum :math:`S(k) \propto (k_0^2 + |k|^2)^{-\mathrm{exponent}/2}`, mean 1.

    ``shape`` is the signal shape (``N`` or ``(H, W)``); ``|k|`` is the integer frequency on the
    ``numpy.fft.fftfreq`` grid (cycles per record), ``k_0 = cutoff``. Normalised so that
    ``mean(S) = 1``: unit per-pixel variance. Natural images have exponent about 2 in 2-D.

    Example:
        >>> S = power_law_spectrum(8, 2.0)
        >>> round(float(S.mean()), 12), bool(S[1] == S[-1]), bool(S[0] > S[1] > S[4])
        (1.0, True, True)
    """
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if len(dims) not in (1, 2) or any(isinstance(n, bool) or int(n) < 2 for n in dims):
        raise InvalidSignalError(f"shape must be N or (H, W) with sides >= 2, got {shape!r}")
    if not np.isfinite(exponent) or not cutoff > 0:
        raise InvalidSignalError(f"need a finite exponent and cutoff > 0, got {exponent!r}, {cutoff!r}")
    grids = np.meshgrid(*[np.fft.fftfreq(int(n), 1 / int(n)) for n in dims], indexing="ij")
    k2 = sum(g**2 for g in grids)
    spectrum = (cutoff**2 + k2) ** (-exponent / 2)
    return spectrum / spectrum.mean()


def _check_spectrum(spectrum: Any, *, grid: bool = True) -> torch.Tensor:
    """``spectrum`` as a tensor of positive mode variances; ``grid``: also a 1-D or 2-D fftn grid."""
    s = spectrum if isinstance(spectrum, torch.Tensor) else torch.as_tensor(np.asarray(spectrum, dtype=np.float64))
    if s.numel() == 0 or (grid and s.ndim not in (1, 2)):
        raise InvalidSignalError(
            f"a spectrum must be 1-D (N,) or 2-D (H, W) on the fftn grid, got shape {tuple(s.shape)}"
        )
    if not bool(torch.all(torch.isfinite(s))) or bool(torch.any(s <= 0)):
        raise InvalidSignalError(
            "a spectrum must be finite and strictly positive at every frequency (a zero-power mode "
            "has no log-spectral error and no Wiener gain); add a small floor"
        )
    return s


def sample_stationary(spectrum: Any, num_samples: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw ``num_samples`` real zero-mean Gaussian signals with power spectrum ``spectrum``.

    ``x = ifftn(sqrt(S) * fftn(z, norm="ortho"), norm="ortho").real`` for white ``z``; returns a
    float64 tensor of shape ``(num_samples, *spectrum.shape)``.

    Example:
        >>> import torch
        >>> x = sample_stationary(power_law_spectrum(16, 1.0), 4000, generator=torch.Generator().manual_seed(0))
        >>> round(float(x.var()), 1)
        1.0
    """
    s = _check_spectrum(spectrum).to(torch.float64)
    count = positive_int("num_samples", num_samples, error=InvalidModelError)
    axes = _fft_axes(s.ndim)
    z = torch.randn((count, *s.shape), generator=generator, dtype=torch.float64)
    return torch.fft.ifftn(s.sqrt() * torch.fft.fftn(z, dim=axes, norm="ortho"), dim=axes, norm="ortho").real


def empirical_spectrum(samples: Any, ndim: int = 1) -> np.ndarray:
    """Mean of ``|fftn(x, norm="ortho")|**2`` over the leading (sample) axes, transforming the last ``ndim``.

    The estimate of ``S`` in this module's convention from samples of a stationary signal.

    Example:
        >>> import numpy as np
        >>> np.round(empirical_spectrum(np.array([[1.0, -1.0], [1.0, 1.0]])), 12).tolist()
        [1.0, 1.0]
    """
    x = samples.detach().cpu().numpy() if isinstance(samples, torch.Tensor) else np.asarray(samples, dtype=np.float64)
    if x.ndim < ndim + 1:
        raise InvalidSignalError(f"samples need shape (num_samples, ...{ndim} signal axes), got {x.shape}")
    power = np.abs(np.fft.fftn(x, axes=_fft_axes(ndim), norm="ortho")) ** 2
    return power.reshape(-1, *x.shape[-ndim:]).mean(axis=0)


def log_spectral_distance(estimate: Any, reference: Any) -> float:
    r"""Log-spectral distance in dB: :math:`\sqrt{\mathrm{mean}_ω (10 \log_{10} P(ω)/S(ω))^2}`.

    Both are power spectra on the same grid (positive). 0 means identical; 1 dB is a 26 % power
    ratio at every frequency.

    Example:
        >>> round(log_spectral_distance([10.0, 10.0], [1.0, 1.0]), 12)
        10.0
    """
    p = np.asarray(estimate.detach().cpu() if isinstance(estimate, torch.Tensor) else estimate, dtype=np.float64)
    q = np.asarray(reference.detach().cpu() if isinstance(reference, torch.Tensor) else reference, dtype=np.float64)
    if p.shape != q.shape:
        raise InvalidSignalError(f"estimate has shape {p.shape} but reference has {q.shape}; they must match")
    if np.any(~np.isfinite(p)) or np.any(~np.isfinite(q)) or np.any(p <= 0) or np.any(q <= 0):
        raise InvalidSignalError("log-spectral distance needs finite, positive power at every frequency")
    return float(np.sqrt(np.mean((10 * np.log10(p / q)) ** 2)))


def wiener_gains(spectrum: Any, noise_variance: float) -> Any:
    r"""The Wiener filter :math:`S/(S+σ^2)`: the optimal linear estimate of ``x`` from ``x + σ n``.

    For stationary Gaussian data this is the minimum-MSE denoiser, diagonal in the Fourier basis;
    its gains lie in ``(0, 1)``, so a block encoding needs no rescaling. numpy in, numpy out.

    Example:
        >>> wiener_gains([3.0, 1.0], 1.0).tolist()
        [0.75, 0.5]
    """
    if not noise_variance > 0:
        raise InvalidSignalError(f"noise_variance must be positive, got {noise_variance!r}")
    s = spectrum if isinstance(spectrum, torch.Tensor) else np.asarray(spectrum, dtype=np.float64)
    return s / (s + noise_variance)


def wiener_filter(noisy: torch.Tensor, spectrum: Any, noise_variance: float) -> torch.Tensor:
    """Apply :func:`wiener_gains` to real signals ``noisy`` (last 1 or 2 axes) with torch's FFT.

    Example:
        >>> import torch
        >>> y = torch.tensor([1.0, 1.0, 1.0, 1.0])                   # pure DC
        >>> wiener_filter(y, [3.0, 1.0, 1.0, 1.0], 1.0).tolist()
        [0.75, 0.75, 0.75, 0.75]
    """
    s = _check_spectrum(spectrum).to(noisy.dtype)
    axes = _fft_axes(s.ndim)
    gains = wiener_gains(s, noise_variance)
    return torch.fft.ifftn(gains * torch.fft.fftn(noisy, dim=axes), dim=axes).real


# ----------------------------------------------------------------------------------------------
# the DDIM transfer function
# ----------------------------------------------------------------------------------------------
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
    s = _check_spectrum(s, grid=False)
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
        >>> S = power_law_spectrum(32, 1.0)
        >>> d = design_schedule(S, 5, iterations=50)
        >>> d.log_spectral_distance <= d.initial_log_spectral_distance, d.alpha_bar.shape
        (True, (5,))
    """
    s = _check_spectrum(spectrum).to(torch.float64)
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

    optimizer = torch.optim.Adam([z, delta], lr=lr)
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


# ----------------------------------------------------------------------------------------------
# samplers and denoisers
# ----------------------------------------------------------------------------------------------
class GaussianDenoiser:
    """The exact denoiser :math:`E[x_0|x_t]` of a stationary Gaussian: :func:`vp_denoiser_gains` by FFT.

    Call it as ``denoiser(x_t, level)`` with ``x_t`` of shape ``(batch, *spectrum.shape)`` and the
    0-based level index (``level = t - 1``).

    Example:
        >>> import torch
        >>> den = GaussianDenoiser([1.0, 1.0], [0.25])
        >>> den(torch.tensor([[2.0, 2.0]]), 0).tolist()                 # gain 0.5 at both modes
        [[1.0, 1.0]]
    """

    def __init__(self, spectrum: Any, alpha_bar: Any) -> None:
        self.spectrum = _check_spectrum(spectrum).to(torch.float64)
        self.gains = vp_denoiser_gains(self.spectrum, check_schedule(alpha_bar))
        self.axes = _fft_axes(self.spectrum.ndim)

    def __call__(self, x: torch.Tensor, level: int) -> torch.Tensor:
        gains = self.gains[level].to(x)
        return torch.fft.ifftn(gains * torch.fft.fftn(x, dim=self.axes), dim=self.axes).real


def ddim_sample(
    denoiser: Denoiser,
    noise: torch.Tensor,
    alpha_bar: Any,
    *,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""Run the DDIM (``eta = 0``) / DDPM (``eta = 1``) sampler from ``noise`` (= :math:`x_T`).

    For ``t = T..1``: :math:`\hat x_0 = ` ``denoiser(x, t - 1)``,
    :math:`\hat ε = (x - \sqrt{ᾱ_t}\hat x_0)/\sqrt{1-ᾱ_t}`,
    :math:`x \leftarrow \sqrt{ᾱ_{t-1}}\hat x_0 + \sqrt{1-ᾱ_{t-1}-s_t^2}\,\hat ε + s_t z`.
    Runs under ``torch.no_grad()``; ``generator`` draws ``z`` for ``eta > 0``. For a linear
    denoiser, ``noise = sqrt(d) * eye(d)`` returns ``sqrt(d) M^T`` for the sampler's matrix ``M``,
    so the generated covariance :math:`MM^T` comes out exactly.

    Example:
        >>> import torch
        >>> ab = cosine_schedule(10)
        >>> x = ddim_sample(GaussianDenoiser([4.0, 4.0], ab), torch.ones(1, 2), ab)
        >>> bool(torch.allclose(x, torch.full((1, 2), float(ddim_transfer_function([4.0], ab)[0]))))
        True
    """
    ab = check_schedule(alpha_bar)
    scales = ddim_noise_scales(ab, eta)
    x = noise
    with torch.no_grad():
        for level in range(ab.size - 1, -1, -1):
            a, prev = float(ab[level]), 1.0 if level == 0 else float(ab[level - 1])
            x0 = denoiser(x, level)
            eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
            s = float(scales[level])
            x = math.sqrt(prev) * x0 + math.sqrt(max(1 - prev - s * s, 0.0)) * eps
            if s > 0:
                x = x + s * torch.randn(x.shape, generator=generator, dtype=x.dtype).to(x.device)
    return x


class LinearDenoiser(nn.Module):
    r"""One linear map per level, :math:`\hat x_0 = W_t x_t` (no bias: the data is zero-mean).

    ``weight`` has shape ``(num_levels, dim, dim)`` and starts at zero (the initial condition of
    the closed form :func:`linear_denoiser_learning_curves`). Call as ``model(x, level)`` with
    ``x`` of shape ``(batch, dim)``.

    Example:
        >>> import torch
        >>> LinearDenoiser(3, 4)(torch.ones(2, 4, dtype=torch.float64), 1).shape
        torch.Size([2, 4])
    """

    def __init__(self, num_levels: int, dim: int, *, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(positive_int("num_levels", num_levels, error=InvalidModelError), positive_int("dim", dim, error=InvalidModelError),
                                               dim, dtype=dtype))

    def forward(self, x: torch.Tensor, level: int) -> torch.Tensor:
        return x @ self.weight[level].T


class MLPDenoiser(nn.Module):
    """An :class:`~qspectral.classical.nets.MLP` on ``[x_t, one_hot(level)]`` predicting ``x_0``.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> MLPDenoiser(8, 3, hidden_features=16)(torch.zeros(5, 8), 2).shape
        torch.Size([5, 8])
    """

    def __init__(self, dim: int, num_levels: int, *, hidden_features: int = 128, hidden_layers: int = 2) -> None:
        super().__init__()
        self.num_levels = positive_int("num_levels", num_levels, error=InvalidModelError)
        self.mlp = MLP(dim + num_levels, dim, hidden_features, hidden_layers, activation="relu")

    def forward(self, x: torch.Tensor, level: int) -> torch.Tensor:
        code = torch.zeros(x.shape[0], self.num_levels, dtype=x.dtype, device=x.device)
        code[:, level] = 1
        return self.mlp(torch.cat([x, code], dim=-1))


class ConvDenoiser(nn.Module):
    """A circular 1-D :class:`~qspectral.classical.convnets.ConvNet` on ``[x_t, level channel]``.

    The second input channel is the constant ``level / (num_levels - 1)``; translation
    equivariant, as suits stationary (circulant) data.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> ConvDenoiser(3, hidden_channels=8)(torch.zeros(5, 16), 2).shape
        torch.Size([5, 16])
    """

    def __init__(self, num_levels: int, *, hidden_channels: int = 32, depth: int = 3, kernel_size: int = 9) -> None:
        super().__init__()
        self.num_levels = positive_int("num_levels", num_levels, error=InvalidModelError)
        self.net = ConvNet(1, 2, 1, hidden_channels=hidden_channels, depth=depth, kernel_size=kernel_size,
                           padding_mode="circular")

    def forward(self, x: torch.Tensor, level: int) -> torch.Tensor:
        code = torch.full_like(x, level / max(self.num_levels - 1, 1))
        return self.net(torch.stack([x, code], dim=1))[:, 0]


def train_denoiser(
    model: nn.Module,
    data: torch.Tensor,
    alpha_bar: Any,
    *,
    steps: int,
    lr: float,
    optimizer: str = "gd",
    generator: torch.Generator | None = None,
    record_steps: Sequence[int] = (),
    on_record: Callable[[int, nn.Module], None] | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> np.ndarray:
    r"""Train ``model(x_t, level)`` on :math:`\sum_t \mathrm{mean}_b \|f(x_{t,b}, t) - x_{0,b}\|^2`, full batch.

    ``data`` is moved to the model's device and dtype; noise comes from ``generator`` (a CPU
    generator, so runs are reproducible on any device).

    Every step uses all of ``data`` (shape ``(n, dim)``) at every level with fresh noise
    :math:`x_t = \sqrt{ᾱ_t} x_0 + \sqrt{1-ᾱ_t} ε`. ``optimizer`` is ``"gd"`` (plain gradient
    descent, the setting of :func:`linear_denoiser_learning_curves`) or ``"adam"``.
    ``on_record(step, model)`` is called before the update of each step in ``record_steps``
    (step 0 is the initial model) and after the last one if ``steps`` is listed. ``augment``, if
    given, maps the clean batch to a fresh augmented copy at every step (e.g.
    :func:`circular_shift_augmentation`). Returns the loss of every step.

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> data = torch.randn(64, 2, generator=g, dtype=torch.float64)
        >>> losses = train_denoiser(LinearDenoiser(2, 2), data, [0.9, 0.5], steps=50, lr=0.1, generator=g)
        >>> bool(losses[-1] < losses[0])
        True
    """
    ab = check_schedule(alpha_bar)
    steps = positive_int("steps", steps, error=InvalidModelError)
    if data.ndim != 2:
        raise InvalidModelError(f"data must have shape (num_samples, dim), got {tuple(data.shape)}")
    if not lr > 0:
        raise InvalidModelError(f"lr must be positive, got {lr!r}")
    if optimizer not in ("gd", "adam"):
        raise InvalidModelError(f"optimizer must be 'gd' or 'adam', got {optimizer!r}")
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr) if optimizer == "gd" else torch.optim.Adam(params, lr=lr)
    record = frozenset(int(s) for s in record_steps)
    signal, noise = torch.as_tensor(np.sqrt(ab)), torch.as_tensor(np.sqrt(1 - ab))
    x0 = data.to(params[0])
    losses = np.empty(steps)
    for step in range(steps + 1):
        if on_record is not None and step in record:
            on_record(step, model)
        if step == steps:
            break
        clean = x0 if augment is None else augment(x0)
        eps = torch.randn((ab.size, *clean.shape), generator=generator, dtype=clean.dtype).to(clean.device)
        loss = sum(
            ((model(float(signal[t]) * clean + float(noise[t]) * eps[t], t) - clean) ** 2).sum(-1).mean()
            for t in range(ab.size)
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses[step] = float(loss.detach())
    return losses


def circular_shift_augmentation(generator: torch.Generator | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    r"""An ``augment`` for :func:`train_denoiser`: roll each sample by its own uniform random shift.

    For data ``X`` with covariance ``Σ``, the augmented data have the shift-averaged covariance
    :math:`\frac1d \sum_s P_s Σ P_s^T`, which is circulant, so its principal components are exactly
    the Fourier modes (:func:`real_fourier_basis`) and its eigenvalues the empirical power
    spectrum :func:`empirical_spectrum`.

    Example:
        >>> import torch
        >>> x = torch.arange(4.0).repeat(3, 1)
        >>> out = circular_shift_augmentation(torch.Generator().manual_seed(0))(x)
        >>> all(any(torch.equal(row, torch.roll(x[0], s)) for s in range(4)) for row in out)
        True
    """

    def augment(x: torch.Tensor) -> torch.Tensor:
        d = x.shape[-1]
        shifts = torch.randint(d, (x.shape[0],), generator=generator)
        index = (torch.arange(d)[None, :] - shifts[:, None]) % d
        return torch.gather(x, -1, index.to(x.device))

    return augment


def linear_denoiser_learning_curves(
    eigenvalues: Sequence[float] | np.ndarray,
    alpha_bar: Any,
    steps: Sequence[int] | np.ndarray,
    lr: float,
    *,
    initial: float = 0.0,
) -> np.ndarray:
    r"""Closed-form mode weights :math:`\tilde W_{t,kk}` of a linear denoiser after each of ``steps`` GD steps.

    :math:`\tilde W_{t,kk}(n) = w^*_{tk} + (\mathrm{initial} - w^*_{tk})(1 - 2\,\mathrm{lr}\,c_{tk})^n`
    with :math:`c_{tk} = ᾱ_t λ_k + 1 - ᾱ_t` and :math:`w^*_{tk} = \sqrt{ᾱ_t}λ_k/c_{tk}` (module
    docstring); the expectation of :func:`train_denoiser` with ``optimizer="gd"`` on data of
    covariance eigenvalues ``eigenvalues``. Returns shape ``(len(steps), T, d)``.

    Example:
        >>> w = linear_denoiser_learning_curves([1.0], [0.5], [0, 1, 10**6], lr=0.1)
        >>> np.round(w[:, 0, 0], 6).tolist()                # c = 1, w* = sqrt(0.5): 0, 0.2 w*, w*
        [0.0, 0.141421, 0.707107]
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or np.any(lam < 0) or not np.all(np.isfinite(lam)):
        raise InvalidSignalError("eigenvalues must be a 1-D array of finite, non-negative variances")
    ab = check_schedule(alpha_bar)[:, None]
    n = np.asarray(steps, dtype=np.float64).reshape(-1, 1, 1)
    if np.any(n < 0):
        raise InvalidModelError("steps must be non-negative step counts")
    rate = ab * lam + 1 - ab
    factor = 1 - 2 * lr * rate
    if np.any(np.abs(factor) >= 1):
        raise InvalidModelError(
            f"lr={lr} makes gradient descent diverge or stall (need 0 < lr < 1/max(c) = "
            f"{1 / rate.max():.4g}); lower the learning rate"
        )
    target = np.sqrt(ab) * lam / rate
    return target + (initial - target) * factor[None] ** n


def generated_mode_variance(mode_weights: Any, alpha_bar: Any) -> np.ndarray:
    r"""Variance of each mode in the DDIM samples of a linear denoiser diagonal in the mode basis.

    ``mode_weights`` has shape ``(..., T, d)`` (e.g. :func:`linear_denoiser_learning_curves`);
    the result, shape ``(..., d)``, is :math:`(\prod_t a_t)^2` with :math:`a_t` from
    :func:`ddim_step_gains`.

    Example:
        >>> import numpy as np
        >>> S, ab = np.array([0.5, 2.0]), cosine_schedule(8)
        >>> bool(np.allclose(generated_mode_variance(vp_denoiser_gains(S, ab), ab), ddim_transfer_function(S, ab) ** 2))
        True
    """
    w = np.asarray(mode_weights, dtype=np.float64)
    if w.ndim < 2:
        raise InvalidModelError(f"mode_weights needs shape (..., T, d), got {w.shape}")
    moved = np.moveaxis(w, -2, 0)
    gains = ddim_step_gains(moved, alpha_bar)
    return np.prod(gains, axis=0) ** 2


def emergence_steps(steps: Sequence[int], values: Any, targets: Any, *, fraction: float = 0.5) -> np.ndarray:
    r"""When each mode's curve first crosses ``v(0) + fraction (target - v(0))``, interpolated.

    The threshold criterion of Wang & Pehlevan (``fraction = 0.5``: half-way from the initial
    value to the target). ``values`` has shape ``(len(steps), d)`` with ``steps`` increasing and
    ``steps[0]`` the initial model; the crossing is located between two recorded steps by linear
    interpolation in ``log(step)`` (in ``step`` when the earlier one is 0). NaN where the curve
    never crosses.

    Example:
        >>> emergence_steps([0, 1, 10, 100], [[0.0], [0.2], [0.4], [0.9]], [1.0]).tolist()
        [15.848931924611136]
    """
    s = np.asarray(steps, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] != s.size or s.size < 2 or np.any(np.diff(s) <= 0):
        raise InvalidSignalError(
            f"values must have shape (len(steps), d) with at least two increasing steps, got {v.shape} "
            f"for {s.size} steps"
        )
    if not 0 < fraction < 1:
        raise InvalidSignalError(f"fraction must lie in (0, 1), got {fraction!r}")
    target = np.broadcast_to(np.asarray(targets, dtype=np.float64), v.shape[1:])
    start = v[0]
    direction = np.sign(target - start)
    gap = (v - (start + fraction * (target - start))) * direction
    out = np.full(v.shape[1], np.nan)
    for k in range(v.shape[1]):
        if direction[k] == 0:
            continue
        hits = np.flatnonzero(gap[1:, k] >= 0)
        if hits.size == 0:
            continue
        i = hits[0] + 1
        lo, hi = gap[i - 1, k], gap[i, k]
        u = -lo / (hi - lo) if hi != lo else 1.0
        if s[i - 1] > 0:
            out[k] = float(np.exp(np.log(s[i - 1]) + u * (np.log(s[i]) - np.log(s[i - 1]))))
        else:
            out[k] = float(s[i - 1] + u * (s[i] - s[i - 1]))
    return out


def real_fourier_basis(n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Orthonormal real Fourier basis of :math:`\mathbb{R}^n` (columns) and each column's frequency.

    Columns, in order: the constant :math:`1/\sqrt n`; for ``k = 1..ceil(n/2)-1`` the pair
    :math:`\sqrt{2/n}\cos(2πkj/n)`, :math:`\sqrt{2/n}\sin(2πkj/n)`; for even ``n`` the Nyquist
    column :math:`(-1)^j/\sqrt n`. It diagonalises every symmetric circulant matrix: the
    principal components of stationary data.

    Example:
        >>> B, k = real_fourier_basis(4)
        >>> bool(np.allclose(B.T @ B, np.eye(4))), k.tolist()
        (True, [0, 1, 1, 2])
    """
    n = positive_int("n", n, error=InvalidModelError)
    j = np.arange(n)
    columns, freqs = [np.full(n, 1 / np.sqrt(n))], [0]
    for k in range(1, (n + 1) // 2):
        columns += [np.sqrt(2 / n) * np.cos(2 * np.pi * k * j / n), np.sqrt(2 / n) * np.sin(2 * np.pi * k * j / n)]
        freqs += [k, k]
    if n % 2 == 0 and n > 1:
        columns.append((-1.0) ** j / np.sqrt(n))
        freqs.append(n // 2)
    return np.stack(columns, axis=1), np.asarray(freqs)
