r"""Closed-form learning dynamics of a linear denoiser (Wang & Pehlevan 2025) and what it generates.

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
    >>> w = linear_denoiser_learning_curves([4.0, 0.25], [0.5], [0, 10, 10**6], lr=0.1)
    >>> bool(w[1, 0, 0] / w[2, 0, 0] > w[1, 0, 1] / w[2, 0, 1])    # the high-variance mode is learned first
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qspectral.classical.diffusion.schedules import check_schedule
from qspectral.classical.diffusion.transfer import ddim_step_gains
from qspectral.errors import InvalidModelError, InvalidSignalError


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
        >>> from qspectral.classical.diffusion import cosine_schedule, ddim_transfer_function, vp_denoiser_gains
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
