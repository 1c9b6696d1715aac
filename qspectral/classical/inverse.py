r"""Linear inverse problems :math:`y = A x (+ n)`: operators, sparse recovery, Deep Image Prior, self-diffusion.

**Operators.** Each :class:`LinearOperator` maps a batch of signals of shape
``(batch, *input_shape)`` to measurements ``(batch, *output_shape)`` (torch tensors) and has the
exact adjoint: :math:`\langle A x, y\rangle = \langle x, A^T y\rangle`.

**Self-diffusion** (Luo et al. 2025, "Self-diffusion for solving inverse problems", Algorithm 1).
One randomly initialised network :math:`f` and the current estimate :math:`\hat x`, initially
pure noise :math:`ε_0 \sim N(0, I)`. For ``t = T..1``: draw :math:`\tilde x_t = \hat x + σ_t ε_t`
with :math:`σ_t = \sqrt{1-ᾱ_t}` (:math:`ε_t` fixed within the level), train :math:`f` for ``K``
Adam steps on the loss :math:`L(f(\tilde x_t))` (network and optimizer kept from level to level),
then set :math:`\hat x = f(\tilde x_t)`. The noise schedule modulates the network's spectral
bias: large noise lets only coarse structure through, small noise refines.

**Deep Image Prior** (Ulyanov et al. 2018): the same network fed a fixed random input ``z``,
trained on :math:`L(f(z))`; no noise schedule.

**Loss** of both: :math:`L(x) = \|A x - y\|^2 + λ \sum_k (|\mathrm{Re}\,X_k| + |\mathrm{Im}\,X_k|)`,
:math:`X = F x` the orthonormal DFT over all signal axes (``torch.fft.fftn(norm="ortho")``),
``λ = fourier_l1`` (default 0: data fidelity only), plus ``tv`` times the total variation
:math:`\sum |x_{i+1} - x_i|` along each signal axis (not wrapping round; default 0).
``loss_form="authors"`` is the loss of the authors' code (ggluo/Self-Diffusion,
``simulation.py``, 1-D): the data term unsquared, :math:`\|A x - y\|`, and the Fourier penalty on
the moduli of the unnormalised FFT, :math:`λ \sum_k |X_k|` with :math:`X` = ``torch.fft.fftn(x)``
(their code adds 1e-10 under the square root; we use the exact modulus). The paper "enhances" both losses with an L1
penalty in the frequency domain for its 1-D compressed-sensing example. For a real 1-D signal
this penalty is the L1 norm of its coefficients in the real Fourier basis (cos/sin pairs,
:func:`sparsifying_basis` ``"fourier"``), weighted :math:`\sqrt2` except at 0 and Nyquist: the
basis in which a sum of ``s`` sinusoids is ``2s``-sparse. (The L1 norm of the complex moduli
:math:`|X_k|` instead is a group penalty on each cos/sin pair, a weaker prior for such signals.)

**Sparse recovery.** :func:`basis_pursuit` solves :math:`\min \|c\|_1` s.t. :math:`A \Psi c = y`
exactly as a linear program (``scipy.optimize.linprog``, HiGHS); :func:`lasso` minimises
:math:`\tfrac12\|A \Psi c - y\|^2 + λ\|c\|_1` by FISTA with the orthonormal DCT
(``scipy.fft.dctn``) as :math:`\Psi^T`.

Example:
    >>> import torch
    >>> op = GaussianSensing(3, 8, generator=torch.Generator().manual_seed(0))
    >>> x, y = torch.randn(2, 8, dtype=torch.float64), torch.randn(2, 3, dtype=torch.float64)
    >>> bool(torch.isclose((op.forward(x) * y).sum(), (x * op.adjoint(y)).sum()))
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft
import torch
from scipy.optimize import linprog
from torch import nn

from qspectral.classical.diffusion import check_schedule
from qspectral.errors import InvalidModelError, InvalidSignalError
from qspectral.spectral.stationary import real_fourier_basis
from qspectral.validation import positive_int

Callback = Callable[[int, torch.Tensor], None]


class LinearOperator:
    """A linear measurement operator with its adjoint; see the module docstring for shapes."""

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _check_input(self, x: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
        if tuple(x.shape[-len(shape):]) != shape or x.ndim != len(shape) + 1:
            raise InvalidSignalError(
                f"{type(self).__name__}.{what} expects shape (batch, {', '.join(map(str, shape))}), "
                f"got {tuple(x.shape)}; add a leading batch axis with x[None]"
            )


class GaussianSensing(LinearOperator):
    r"""Compressed sensing :math:`y = A x`, :math:`A_{ij} \sim N(0, 1/m)` i.i.d., ``m`` measurements of ``n``.

    Example:
        >>> import torch
        >>> op = GaussianSensing(2, 5, generator=torch.Generator().manual_seed(1))
        >>> tuple(op.matrix.shape), tuple(op.forward(torch.zeros(4, 5, dtype=torch.float64)).shape)
        ((2, 5), (4, 2))
    """

    def __init__(self, num_measurements: int, size: int, *, generator: torch.Generator | None = None) -> None:
        for name, value in [("num_measurements", num_measurements), ("size", size)]:
            positive_int(name, value, error=InvalidModelError)
        self.matrix = torch.randn(num_measurements, size, generator=generator, dtype=torch.float64)
        self.matrix /= math.sqrt(num_measurements)
        self.input_shape, self.output_shape = (size,), (num_measurements,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x, self.input_shape, "forward")
        return x @ self.matrix.to(x).T

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        self._check_input(y, self.output_shape, "adjoint")
        return y @ self.matrix.to(y)


class Inpainting(LinearOperator):
    """Keep the pixels where ``mask`` is 1 and zero the rest (a self-adjoint projection).

    Example:
        >>> import torch
        >>> op = Inpainting(torch.tensor([1.0, 0.0, 1.0]))
        >>> op.forward(torch.tensor([[5.0, 6.0, 7.0]])).tolist()
        [[5.0, 0.0, 7.0]]
    """

    def __init__(self, mask: Any) -> None:
        m = torch.as_tensor(np.asarray(mask, dtype=np.float64))
        if m.numel() == 0 or not bool(torch.all((m == 0) | (m == 1))):
            raise InvalidSignalError("mask must be a non-empty array of 0 (missing) and 1 (observed) entries")
        self.mask = m
        self.input_shape = self.output_shape = tuple(m.shape)

    @staticmethod
    def random(shape: tuple[int, ...], observed_fraction: float, *, generator: torch.Generator | None = None) -> Inpainting:
        """An operator observing each pixel independently with probability ``observed_fraction``."""
        if not 0 < observed_fraction <= 1:
            raise InvalidSignalError(f"observed_fraction must lie in (0, 1], got {observed_fraction!r}")
        return Inpainting((torch.rand(shape, generator=generator, dtype=torch.float64) < observed_fraction).double())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x, self.input_shape, "forward")
        return x * self.mask.to(x)

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        self._check_input(y, self.output_shape, "adjoint")
        return y * self.mask.to(y)


class Denoising(LinearOperator):
    """The identity: ``y = x + n`` (denoising).

    Example:
        >>> import torch
        >>> Denoising((2,)).forward(torch.tensor([[1.0, 2.0]])).tolist()
        [[1.0, 2.0]]
    """

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.input_shape = self.output_shape = tuple(int(s) for s in shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x, self.input_shape, "forward")
        return x

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        self._check_input(y, self.output_shape, "adjoint")
        return y


# ----------------------------------------------------------------------------------------------
# classical sparse recovery
# ----------------------------------------------------------------------------------------------
SPARSE_BASES = ("dct", "fourier")


def sparsifying_basis(n: int, kind: str) -> np.ndarray:
    """Orthonormal synthesis basis (columns) of :math:`\\mathbb{R}^n`: ``"dct"`` (DCT-II) or ``"fourier"``.

    ``"fourier"`` is :func:`~qspectral.classical.diffusion.real_fourier_basis` (cos/sin pairs), in
    which a sum of ``s`` integer-frequency sinusoids is at most ``2s``-sparse.

    Example:
        >>> B = sparsifying_basis(4, "dct")
        >>> bool(np.allclose(B.T @ B, np.eye(4)))
        True
    """
    if kind == "dct":
        return scipy.fft.idct(np.eye(n), norm="ortho", axis=0)
    if kind == "fourier":
        return real_fourier_basis(n)[0]
    raise InvalidModelError(f"unknown basis {kind!r}; choose one of {', '.join(SPARSE_BASES)}")


def basis_pursuit(matrix: Any, y: Any, *, basis: str = "dct") -> np.ndarray:
    r"""Basis pursuit :math:`\min_c \|c\|_1` s.t. :math:`A\Psi c = y`; returns :math:`x = \Psi c`.

    Solved exactly as the linear program over :math:`c = u - v`, :math:`u, v \ge 0` with
    ``scipy.optimize.linprog`` (HiGHS). ``matrix`` is ``A`` (``m x n``), ``basis`` names
    :math:`\Psi` (:func:`sparsifying_basis`).

    Raises:
        InvalidSignalError: shapes do not match, or the program has no solution.

    Example:
        >>> A = np.random.default_rng(0).normal(size=(12, 32))
        >>> x = sparsifying_basis(32, "dct")[:, [3, 7]] @ [1.0, -2.0]        # 2-sparse in the DCT
        >>> bool(np.allclose(basis_pursuit(A, A @ x), x, atol=1e-7))
        True
    """
    a = np.asarray(matrix.detach().cpu() if isinstance(matrix, torch.Tensor) else matrix, dtype=np.float64)
    b = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y, dtype=np.float64).ravel()
    if a.ndim != 2 or a.shape[0] != b.size:
        raise InvalidSignalError(f"matrix must be (m, n) with m = len(y) = {b.size}, got shape {a.shape}")
    psi = sparsifying_basis(a.shape[1], basis)
    ap = a @ psi
    n = ap.shape[1]
    result = linprog(np.ones(2 * n), A_eq=np.hstack([ap, -ap]), b_eq=b, bounds=(0, None), method="highs")
    if not result.success:
        raise InvalidSignalError(f"basis pursuit failed: {result.message}; check that y lies in the range of A")
    return psi @ (result.x[:n] - result.x[n:])


def _soft(values: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(values) * np.maximum(np.abs(values) - threshold, 0.0)


def lasso(operator: LinearOperator, y: torch.Tensor, lam: float, *, iterations: int = 300) -> torch.Tensor:
    r"""FISTA for :math:`\min_c \tfrac12\|A\,\mathrm{idctn}(c) - y\|^2 + λ\|c\|_1`; returns :math:`\mathrm{idctn}(c)`.

    The DCT is orthonormal (``scipy.fft.dctn(norm="ortho")`` over all signal axes), so with
    :math:`A = I` one step is the exact solution (DCT soft thresholding). The step size is
    :math:`1/\|A\|^2`, estimated by 30 power iterations. ``y`` has shape ``(1, *output_shape)``.

    Example:
        >>> import torch
        >>> y = torch.full((1, 4), 1.5)                  # orthonormal DCT: only c_0 = 3, shrunk to 2.5
        >>> lasso(Denoising((4,)), y, 0.5).numpy().round(6).tolist()
        [[1.25, 1.25, 1.25, 1.25]]
    """
    if not lam >= 0:
        raise InvalidModelError(f"lam must be non-negative, got {lam!r}")
    shape = operator.input_shape
    axes = tuple(range(1, len(shape) + 1))

    def apply(c: np.ndarray) -> np.ndarray:
        x = torch.as_tensor(scipy.fft.idctn(c, axes=axes, norm="ortho"))
        return operator.forward(x).numpy()

    def apply_t(r: np.ndarray) -> np.ndarray:
        return scipy.fft.dctn(operator.adjoint(torch.as_tensor(r)).numpy(), axes=axes, norm="ortho")

    target = y.detach().cpu().double().numpy()
    v = np.random.default_rng(0).normal(size=(1, *shape))
    for _ in range(30):
        v = apply_t(apply(v))
        v /= np.linalg.norm(v)
    lipschitz = max(float(np.linalg.norm(apply_t(apply(v)))), 1e-12)
    c = apply_t(target)
    z, t = c.copy(), 1.0
    for _ in range(iterations):
        c_new = _soft(z - apply_t(apply(z) - target) / lipschitz, lam / lipschitz)
        t_new = (1 + math.sqrt(1 + 4 * t * t)) / 2
        z = c_new + (t - 1) / t_new * (c_new - c)
        c, t = c_new, t_new
    return torch.as_tensor(scipy.fft.idctn(c, axes=axes, norm="ortho"))


# ----------------------------------------------------------------------------------------------
# network priors
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriorResult:
    """The estimate of :func:`self_diffusion` / :func:`deep_image_prior` and the loss (module docstring) per step."""

    estimate: torch.Tensor
    losses: np.ndarray


def _as_net_input(x: torch.Tensor) -> torch.Tensor:
    return x.unsqueeze(1)  # (batch, *shape) -> (batch, 1 channel, *shape)


#: The two forms of the prior loss (module docstring): ours, and the one of the authors' code.
LOSS_FORMS = ("ours", "authors")


def _prior_loss(
    operator: LinearOperator, estimate: torch.Tensor, target: torch.Tensor, fourier_l1: float,
    tv: float = 0.0, loss_form: str = "ours",
) -> torch.Tensor:
    r"""The loss :math:`L` of the module docstring for ``estimate`` of shape ``(1, *input_shape)``."""
    squared = ((operator.forward(estimate) - target) ** 2).sum()
    loss = squared if loss_form == "ours" else torch.sqrt(squared)
    axes = tuple(range(1, estimate.ndim))
    if fourier_l1 and loss_form == "ours":
        loss = loss + fourier_l1 * torch.view_as_real(torch.fft.fftn(estimate, dim=axes, norm="ortho")).abs().sum()
    elif fourier_l1:
        loss = loss + fourier_l1 * torch.fft.fftn(estimate, dim=axes).abs().sum()
    if tv:
        loss = loss + tv * sum(torch.diff(estimate, dim=axis).abs().sum() for axis in axes)
    return loss


def progressive_sigmas(
    levels: int, *, beta_start: float, beta_end: float, factors: tuple[int, ...] = (1,), min_levels: int = 1
) -> np.ndarray:
    r"""The noise levels :math:`σ` of the authors' progressive self-diffusion schedule, in the order applied.

    As ``SigmaScheduler`` (DDPM type) with ``progressive_params`` in ggluo/Self-Diffusion: stage
    ``f`` of ``factors`` runs :math:`n_f = \max(\lfloor T/f \rfloor, \text{min\_levels})` levels
    with :math:`β` linear from ``beta_start / f`` to ``beta_end / f`` over :math:`n_f` entries;
    its level ``i = 0..n_f-1`` has :math:`σ = \sqrt{1 - \prod_{s \le n_f-1-i} (1-β_s)}`
    (decreasing within a stage; each later stage starts lower). With ``factors=(1,)`` this is
    :math:`\sqrt{1-ᾱ_t}`, ``t = T..1``, of :func:`~qspectral.classical.diffusion.linear_schedule`
    with ``train_steps = T``.

    Example:
        >>> sig = progressive_sigmas(40, beta_start=1e-6, beta_end=4e-3, factors=(1, 2, 4, 8), min_levels=10)
        >>> sig.size, round(float(sig[0]), 4), round(float(sig[40]), 4), round(float(sig[-1]), 6)
        (80, 0.2775, 0.1408, 0.000354)
    """
    levels = positive_int("levels", levels, error=InvalidModelError)
    min_levels = positive_int("min_levels", min_levels, error=InvalidModelError)
    if not factors or any(int(f) != f or f < 1 for f in factors):
        raise InvalidModelError(f"factors must be positive integers (one per stage), got {factors!r}")
    if not 0 < beta_start < beta_end < 1:
        raise InvalidModelError(f"need 0 < beta_start < beta_end < 1, got {beta_start}, {beta_end}")
    out = []
    for factor in factors:
        count = max(levels // int(factor), min_levels)
        alpha_bar = np.cumprod(1 - np.linspace(beta_start / factor, beta_end / factor, count))
        out.append(np.sqrt(1 - alpha_bar[::-1]))
    return np.concatenate(out)


def _check_prior_args(net: nn.Module, operator: LinearOperator, y: torch.Tensor, lr: float,
                      fourier_l1: float, tv: float = 0.0, loss_form: str = "ours") -> torch.Tensor:
    """Validate the arguments; return an empty tensor with the network's dtype and device."""
    if loss_form not in LOSS_FORMS:
        raise InvalidModelError(f"loss_form must be one of {', '.join(LOSS_FORMS)}, got {loss_form!r}")
    if not 0 <= tv < math.inf:
        raise InvalidModelError(f"tv must be a finite number >= 0 (0 turns the penalty off), got {tv!r}")
    if not isinstance(net, nn.Module):
        raise InvalidModelError(f"net must be a torch.nn.Module, got {type(net).__name__}")
    if tuple(y.shape) != (1, *operator.output_shape):
        raise InvalidSignalError(
            f"y must have shape (1, {', '.join(map(str, operator.output_shape))}) for this operator, "
            f"got {tuple(y.shape)}"
        )
    if not lr > 0:
        raise InvalidModelError(f"lr must be positive, got {lr!r}")
    if not 0 <= fourier_l1 < math.inf:
        raise InvalidModelError(
            f"fourier_l1 must be a finite number >= 0 (0 turns the penalty off), got {fourier_l1!r}"
        )
    return next(net.parameters()).new_empty(0)


def self_diffusion(
    net: nn.Module,
    operator: LinearOperator,
    y: torch.Tensor,
    alpha_bar: Any = None,
    *,
    steps_per_level: int,
    lr: float = 1e-3,
    fourier_l1: float = 0.0,
    tv: float = 0.0,
    loss_form: str = "ours",
    sigmas: Any = None,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
) -> PriorResult:
    r"""Self-diffusion (module docstring): levels ``t = T..1`` with :math:`σ_t = \sqrt{1-ᾱ_t}`, ``K`` Adam steps each.

    Give the schedule either as ``alpha_bar`` (one decreasing stage) or as ``sigmas``, the noise
    levels in the order applied (any positive sequence, e.g. :func:`progressive_sigmas`; the
    ``callback``'s ``level`` then counts down from ``len(sigmas) - 1`` to 0).

    ``net`` maps ``(1, 1, *shape)`` to ``(1, 1, *shape)`` (e.g. a
    :class:`~qspectral.classical.convnets.ConvNet` with one input and one output channel);
    ``y`` has shape ``(1, *operator.output_shape)`` and is moved to the network's device and dtype
    (the initial estimate and the noise are drawn from ``generator`` on the CPU, in that order).
    ``fourier_l1`` is the weight λ of the frequency-domain L1 penalty, ``tv`` that of the total
    variation, ``loss_form`` ``"ours"`` or ``"authors"`` (module docstring).
    ``callback(level, estimate)`` runs after each level (``level = t - 1``, counting down to 0).
    ``losses`` has ``T * steps_per_level`` entries.

    Example:
        >>> import torch
        >>> from qspectral.classical.convnets import ConvNet
        >>> _ = torch.manual_seed(0)
        >>> op = Inpainting(torch.tensor([1.0, 1.0, 0.0, 1.0] * 4))
        >>> y = op.forward(torch.ones(1, 16))
        >>> out = self_diffusion(ConvNet(1, 1, 1, hidden_channels=8), op, y, [0.9, 0.5], steps_per_level=20,
        ...                      lr=1e-2, generator=torch.Generator().manual_seed(0))
        >>> out.estimate.shape, len(out.losses), bool(out.losses[-1] < out.losses[0])
        (torch.Size([1, 16]), 40, True)
    """
    like = _check_prior_args(net, operator, y, lr, fourier_l1, tv, loss_form)
    noise_levels = _noise_levels(alpha_bar, sigmas)
    positive_int("steps_per_level", steps_per_level, error=InvalidModelError)
    target = y.to(like)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, foreach=True)
    estimate = torch.randn((1, *operator.input_shape), generator=generator, dtype=like.dtype).to(like.device)
    losses = []
    for index, sigma in enumerate(noise_levels):
        level = noise_levels.size - 1 - index
        noise = torch.randn(estimate.shape, generator=generator, dtype=like.dtype).to(like.device)
        noisy = estimate + float(sigma) * noise
        for _ in range(steps_per_level):
            loss = _prior_loss(operator, net(_as_net_input(noisy))[:, 0], target, fourier_l1, tv, loss_form)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
        with torch.no_grad():
            estimate = net(_as_net_input(noisy))[:, 0]
        if callback is not None:
            callback(level, estimate)
    return PriorResult(estimate=estimate, losses=np.asarray(losses))


def _noise_levels(alpha_bar: Any, sigmas: Any) -> np.ndarray:
    """The noise levels in the order applied, from exactly one of ``alpha_bar`` and ``sigmas``."""
    if (alpha_bar is None) == (sigmas is None):
        raise InvalidModelError("give the schedule as alpha_bar or as sigmas (exactly one of them)")
    if alpha_bar is not None:
        return np.sqrt(1 - check_schedule(alpha_bar))[::-1]
    levels = np.asarray(sigmas, dtype=np.float64)
    if levels.ndim != 1 or levels.size == 0 or not np.all(np.isfinite(levels)) or np.any(levels < 0):
        raise InvalidModelError(f"sigmas must be a non-empty 1-D sequence of finite values >= 0, got {sigmas!r}")
    return levels


def deep_image_prior(
    net: nn.Module,
    operator: LinearOperator,
    y: torch.Tensor,
    *,
    steps: int,
    lr: float = 1e-3,
    input_scale: float = 0.1,
    fourier_l1: float = 0.0,
    tv: float = 0.0,
    loss_form: str = "ours",
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
    callback_every: int = 0,
) -> PriorResult:
    r"""Deep Image Prior: minimise the loss :math:`L(f(z))` over ``net``, fixed input ``z ~ input_scale * N(0, 1)``.

    Same conventions as :func:`self_diffusion`; ``callback(step, estimate)`` runs every
    ``callback_every`` steps (0: never) and after the last step.

    Example:
        >>> import torch
        >>> from qspectral.classical.convnets import ConvNet
        >>> _ = torch.manual_seed(0)
        >>> op = Denoising((16,))
        >>> out = deep_image_prior(ConvNet(1, 1, 1, hidden_channels=8), op, torch.ones(1, 16), steps=30, lr=1e-2)
        >>> len(out.losses), bool(out.losses[-1] < out.losses[0])
        (30, True)
    """
    like = _check_prior_args(net, operator, y, lr, fourier_l1, tv, loss_form)
    positive_int("steps", steps, error=InvalidModelError)
    target = y.to(like)
    z = input_scale * torch.randn((1, *operator.input_shape), generator=generator, dtype=like.dtype).to(like.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr, foreach=True)
    losses = []
    for step in range(1, steps + 1):
        loss = _prior_loss(operator, net(_as_net_input(z))[:, 0], target, fourier_l1, tv, loss_form)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        if callback is not None and ((callback_every and step % callback_every == 0) or step == steps):
            with torch.no_grad():
                callback(step, net(_as_net_input(z))[:, 0])
    with torch.no_grad():
        estimate = net(_as_net_input(z))[:, 0]
    return PriorResult(estimate=estimate, losses=np.asarray(losses))
