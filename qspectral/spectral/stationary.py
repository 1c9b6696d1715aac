r"""Stationary Gaussian signals on a periodic grid: power spectra, sampling, estimation, distance.

**Spectrum convention.** A stationary Gaussian signal on a periodic grid (1-D of length ``N`` or
2-D of shape ``(H, W)``) has power spectrum ``S`` laid out on the full ``numpy.fft.fftn`` grid
(same shape as the signal, symmetric ``S[k] = S[-k]``) with the *unitary* transform:
``S = E|fftn(x, norm="ortho")|**2``. White noise of unit variance has ``S = 1``; the per-pixel
variance is ``mean(S)``. Because the DFT diagonalises a circulant covariance, every linear
operation below acts on each Fourier mode separately.

The real Fourier basis (:func:`real_fourier_basis`) diagonalises the same circulant covariances
with real vectors: the principal components of stationary data.

Example:
    >>> S = power_law_spectrum(16, 1.0)
    >>> round(log_spectral_distance(S, S), 12)
    0.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from qspectral.errors import InvalidModelError, InvalidSignalError
from qspectral.validation import positive_int


def fft_axes(ndim: int) -> tuple[int, ...]:
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


def check_spectrum(spectrum: Any, *, grid: bool = True) -> torch.Tensor:
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
    s = check_spectrum(spectrum).to(torch.float64)
    count = positive_int("num_samples", num_samples, error=InvalidModelError)
    axes = fft_axes(s.ndim)
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
    power = np.abs(np.fft.fftn(x, axes=fft_axes(ndim), norm="ortho")) ** 2
    return power.reshape(-1, *x.shape[-ndim:]).mean(axis=0)


def _spectra_pair(estimate: Any, reference: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two power spectra as float64 arrays of the same shape."""
    p = np.asarray(estimate.detach().cpu() if isinstance(estimate, torch.Tensor) else estimate, dtype=np.float64)
    q = np.asarray(reference.detach().cpu() if isinstance(reference, torch.Tensor) else reference, dtype=np.float64)
    if p.shape != q.shape:
        raise InvalidSignalError(f"estimate has shape {p.shape} but reference has {q.shape}; they must match")
    return p, q


def log_spectral_distance(estimate: Any, reference: Any) -> float:
    r"""Log-spectral distance in dB: :math:`\sqrt{\mathrm{mean}_ω (10 \log_{10} P(ω)/S(ω))^2}`.

    Both are power spectra on the same grid (positive). 0 means identical; 1 dB is a 26 % power
    ratio at every frequency.

    Example:
        >>> round(log_spectral_distance([10.0, 10.0], [1.0, 1.0]), 12)
        10.0
    """
    p, q = _spectra_pair(estimate, reference)
    if np.any(~np.isfinite(p)) or np.any(~np.isfinite(q)) or np.any(p <= 0) or np.any(q <= 0):
        raise InvalidSignalError("log-spectral distance needs finite, positive power at every frequency")
    return float(np.sqrt(np.mean((10 * np.log10(p / q)) ** 2)))


def gaussian_frechet_distance(estimate: Any, reference: Any) -> float:
    r"""Fréchet distance of two zero-mean stationary Gaussians, relative: :math:`\sum_ω (\sqrt{P}-\sqrt{S})^2 / \sum_ω S`.

    ``estimate`` and ``reference`` are power spectra on the same grid (non-negative). Both
    covariances are diagonal in the unitary DFT basis, so the Fréchet (2-Wasserstein) distance
    :math:`\mathrm{tr}(Σ_P + Σ_S - 2 (Σ_P Σ_S)^{1/2})` -- the Gaussian form of FID -- is the sum
    over frequencies of :math:`(\sqrt{P(ω)}-\sqrt{S(ω)})^2`; dividing by the total power
    :math:`\mathrm{tr}\,Σ_S` makes it scale free. Unlike :func:`log_spectral_distance` it weighs
    each frequency by its power: high-power (low) frequencies dominate.

    Example:
        >>> gaussian_frechet_distance([4.0, 1.0], [1.0, 1.0])      # (2 - 1)^2 / 2
        0.5
    """
    p, q = _spectra_pair(estimate, reference)
    if np.any(~np.isfinite(p)) or np.any(~np.isfinite(q)) or np.any(p < 0) or np.any(q < 0) or q.sum() <= 0:
        raise InvalidSignalError("the Fréchet distance needs finite, non-negative power spectra (reference not all 0)")
    return float(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / q.sum())


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
