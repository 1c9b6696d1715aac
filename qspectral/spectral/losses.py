r"""Fourier-domain losses and spectral regularisers, as differentiable torch functions.

**Convention.** Signals are real (or complex) samples on a uniform periodic grid along ``dim``;
frequency ``k`` is ``k`` cycles per record, laid out in ``torch.fft.fft`` order
(``0, 1, ..., -1``), i.e. ``|k| = abs(numpy.fft.fftfreq(N, 1 / N))``.

* :func:`fourier_loss` uses the unitary transform (``norm="ortho"``), so with no weights it equals
  the mean squared error exactly (Parseval).
* :func:`high_frequency_penalty` uses the Fourier coefficients ``c_k = fft(f)[k] / N``
  (``norm="forward"``), so ``A sin(2 pi k0 j / N)`` has ``|c_{+-k0}| = A / 2``.

Example:
    >>> import torch
    >>> pred, target = torch.randn(3, 16), torch.randn(3, 16)
    >>> bool(torch.isclose(fourier_loss(pred, target), torch.nn.functional.mse_loss(pred, target)))
    True
"""

from __future__ import annotations

import torch

from qspectral.errors import InvalidSignalError


def _frequency_magnitudes(n: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    return torch.fft.fftfreq(n, 1.0 / n, device=device, dtype=dtype).abs()


def fourier_loss(
    prediction: torch.Tensor,
    target: torch.Tensor,
    weights: torch.Tensor | None = None,
    *,
    dim: int = -1,
) -> torch.Tensor:
    """Mean of ``w_k |F_k(prediction - target)|**2`` with the unitary FFT along ``dim``.

    ``weights`` (length ``N`` along ``dim``, fft order, broadcast over the other axes) emphasise
    frequencies; ``None`` gives every frequency weight 1 and the loss equals the MSE.

    Example:
        >>> import torch
        >>> w = high_frequency_weights(8, cutoff=1)                  # ignore |k| <= 1
        >>> j = torch.arange(8.0)
        >>> round(float(fourier_loss(torch.cos(2 * torch.pi * j / 8), torch.zeros(8), w)), 6)
        0.0
    """
    if prediction.shape != target.shape:
        raise InvalidSignalError(
            f"prediction has shape {tuple(prediction.shape)} but target has {tuple(target.shape)}; "
            "they must match"
        )
    spectrum = torch.fft.fft(prediction - target, dim=dim, norm="ortho")
    energy = spectrum.real**2 + spectrum.imag**2
    if weights is None:
        return energy.mean()
    n = prediction.shape[dim]
    if weights.ndim != 1 or weights.shape[0] != n:
        raise InvalidSignalError(
            f"weights must be one-dimensional of length {n} (the size of dim {dim}), got shape "
            f"{tuple(weights.shape)}"
        )
    shape = [1] * prediction.ndim
    shape[dim] = n
    return (energy * weights.to(energy).reshape(shape)).mean()


def high_frequency_weights(
    n: int,
    cutoff: float,
    *,
    power: float = 2.0,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> torch.Tensor:
    """Weights ``(|k| / cutoff) ** power`` for ``|k| > cutoff`` and 0 below, in fft order.

    ``dtype`` defaults to torch's default float type.

    Example:
        >>> high_frequency_weights(6, cutoff=1, power=1).tolist()
        [0.0, 0.0, 2.0, 3.0, 2.0, 0.0]
    """
    if n < 1:
        raise InvalidSignalError(f"n must be a positive number of samples, got {n}")
    if not cutoff > 0:
        raise InvalidSignalError(f"cutoff must be a positive frequency, got {cutoff!r}")
    k = _frequency_magnitudes(
        n, torch.device(device) if device is not None else torch.device("cpu"), dtype or torch.get_default_dtype()
    )
    return torch.where(k > cutoff, (k / cutoff) ** power, torch.zeros_like(k))


def high_frequency_penalty(
    signal: torch.Tensor, cutoff: float, *, power: float = 2.0, dim: int = -1
) -> torch.Tensor:
    r"""Spectral regulariser :math:`\sum_{|k|>k_c} (|k|/k_c)^p |c_k|^2`, averaged over other axes.

    ``c_k`` are the Fourier coefficients along ``dim`` (``fft / N``). A model output with no
    energy above ``cutoff`` costs nothing; energy at ``k`` costs more the higher ``k`` is.

    Example:
        >>> import torch
        >>> j = torch.arange(32.0)
        >>> float(high_frequency_penalty(torch.sin(2 * torch.pi * 4 * j / 32), cutoff=2))   # 2 * (4/2)**2 / 4
        2.0
    """
    n = signal.shape[dim]
    coefficients = torch.fft.fft(signal, dim=dim, norm="forward")
    energy = coefficients.real**2 + coefficients.imag**2
    shape = [1] * signal.ndim
    shape[dim] = n
    weights = high_frequency_weights(n, cutoff, power=power, device=signal.device, dtype=energy.dtype)
    return (energy * weights.reshape(shape)).sum(dim=dim).mean()
