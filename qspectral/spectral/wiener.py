r"""The Wiener filter: the minimum-MSE linear denoiser of a stationary Gaussian, one gain per Fourier mode.

Spectra follow :mod:`qspectral.spectral.stationary` (unitary ``fftn`` grid, ``S = E|fftn(x, norm="ortho")|**2``).

Example:
    >>> wiener_gains([1.0, 3.0], 1.0).tolist()
    [0.5, 0.75]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qspectral.errors import InvalidSignalError
from qspectral.spectral.stationary import check_spectrum, fft_axes


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
    s = check_spectrum(spectrum).to(noisy.dtype)
    axes = fft_axes(s.ndim)
    gains = wiener_gains(s, noise_variance)
    return torch.fft.ifftn(gains * torch.fft.fftn(noisy, dim=axes), dim=axes).real
