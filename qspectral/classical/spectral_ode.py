r"""A NeuSA-style spectral neural ODE trained on the PDE residual (the PINN baseline: :mod:`qspectral.classical.pinn`).

It solves a :class:`~qspectral.classical.pde_problems.PDEProblem` :math:`\partial_t^p u = S(u)`
and evaluates :math:`S` with the problem's own :meth:`~PDEProblem.rhs`; ``u`` is represented by its
Fourier coefficients.

:class:`SpectralODESolver` (after Bizzi et al. 2025, "Neuro-Spectral Architectures for Causal
Physics-Informed Networks", NeuSA): the state is the Fourier projection
:math:`\hat u = \text{rfftn}(u)/N` (real and imaginary parts), its dynamics
:math:`\partial_t^p\hat u = \Lambda\odot\hat u + \varepsilon\,\text{MLP}(\hat u)` with the
multiplier :math:`\Lambda` initialised from the problem's linear(ised) symbol, integrated by
``torchdiffeq.odeint`` (RK4; ``adjoint=True`` for the adjoint method) from the exact initial
coefficients. Training minimises only the PDE residual on the grid, ``mean((d/dt of the state
from the vector field) - S(u))^2`` over the output times; causality comes from the integrator.

Example:
    >>> from qspectral.classical.pde_problems import make_problem
    >>> problem = make_problem("heat", t_final=0.5)
    >>> node = SpectralODESolver(problem, points=32, times=[0.0, 0.25, 0.5], steps=2, seed=0).fit()
    >>> node.predict().shape
    (3, 1, 32)
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qspectral.classical.nets import MLP
from qspectral.classical.pde_problems import PDEProblem
from qspectral.classical.pde_reference import check_times, initial_state
from qspectral.errors import InvalidModelError
from qspectral.validation import int_at_least, non_negative

#: RK4's stability interval on the imaginary and negative real axes is about 2.8; keep a margin.
RK4_STABLE_STEP = 2.0


class SpectralVectorField(nn.Module):
    r"""NeuSA's vector field on real spectral states: :math:`\Lambda\odot\hat u + \varepsilon\,\text{MLP}(\hat u)`.

    A state is ``(..., time_order * size)`` reals: ``view_as_real`` of the complex coefficients
    ``(components, *spectral_shape)``, flattened (then the same for :math:`\hat u_t` when
    ``time_order == 2``, where the field is :math:`(\hat v, \Lambda\odot\hat u + \varepsilon\,
    \text{MLP}(\hat u))`). ``symbol`` is the initial :math:`\Lambda`, shape ``spectral_shape``;
    the MLP (tanh) has ``hidden_layers`` layers of ``hidden_features`` units (default twice the
    state size).
    """

    def __init__(
        self,
        symbol: np.ndarray,
        components: int,
        time_order: int,
        *,
        epsilon: float = 0.1,
        hidden_features: int | None = None,
        hidden_layers: int = 2,
        learn_linear: bool = True,
    ) -> None:
        super().__init__()
        self.spectral_shape = tuple(symbol.shape)
        self.components = components
        self.time_order = time_order
        self.size = 2 * components * int(np.prod(self.spectral_shape))
        self.epsilon = epsilon
        lam = torch.as_tensor(np.broadcast_to(symbol, (components, *self.spectral_shape)).copy())
        lam = torch.view_as_real(lam.to(torch.complex128)).float()
        self.symbol = nn.Parameter(lam, requires_grad=learn_linear)
        width = 2 * self.size if hidden_features is None else hidden_features
        self.mlp = MLP(self.size, self.size, width, hidden_layers, activation="tanh")

    def linear(self, h: torch.Tensor) -> torch.Tensor:
        """:math:`\\Lambda\\odot\\hat u` on a real state of ``size`` entries."""
        c = torch.view_as_complex(h.reshape(*h.shape[:-1], self.components, *self.spectral_shape, 2).contiguous())
        out = c * torch.view_as_complex(self.symbol.to(h.dtype).contiguous())
        return torch.view_as_real(out).reshape(h.shape)

    def forward(self, t: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        if self.time_order == 1:
            return self.linear(h) + self.epsilon * self.mlp(h)
        hu, hv = h.split(self.size, dim=-1)
        return torch.cat([hv, self.linear(hu) + self.epsilon * self.mlp(hu)], dim=-1)


class SpectralODESolver:
    """Train a NeuSA-style spectral neural ODE on ``problem`` (configuration here, work in :meth:`fit`).

    Args:
        problem: the PDE.
        points: grid points per axis (even; the Fourier projection keeps every resolved mode).
        times: the output times the residual is evaluated at (default 101 in ``[0, t_final]``).
        epsilon: weight of the MLP correction (NeuSA: 0.1).
        hidden_features, hidden_layers: MLP width (default twice the state size) and depth.
        learn_linear: train the multiplier :math:`\\Lambda` (initialised from the linear symbol).
        steps, learning_rate, gamma: Adam iterations, initial rate, per-step decay (NeuSA: 0.999).
        substeps: RK4 steps per output interval (default: enough for RK4's stability given the
            linear symbol and, for nonlinear first-order problems, the advective rate
            ``max|u0| * k_max``).
        adjoint: back-propagate with ``torchdiffeq.odeint_adjoint``.
        seed, dtype, device: as for :class:`PINNSolver`.

    After :meth:`fit`: ``losses`` (residual loss per step) and ``train_seconds``.
    """

    def __init__(
        self,
        problem: PDEProblem,
        *,
        points: int | Sequence[int] = 64,
        times: Sequence[float] | np.ndarray | None = None,
        epsilon: float = 0.1,
        hidden_features: int | None = None,
        hidden_layers: int = 2,
        learn_linear: bool = True,
        steps: int = 1000,
        learning_rate: float = 0.01,
        gamma: float = 0.999,
        substeps: int | None = None,
        adjoint: bool = False,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ) -> None:
        self.problem = problem
        self.grid = problem.grid(points)
        self.times = check_times(problem, np.linspace(0, problem.t_final, 101) if times is None else times)
        if self.times.size < 2:
            raise InvalidModelError("the spectral ODE needs at least two output times (0 and a later one)")
        self.epsilon = non_negative("epsilon", epsilon, error=InvalidModelError)
        self.hidden_features = None if hidden_features is None else int_at_least("hidden_features", hidden_features, 1, error=InvalidModelError)
        self.hidden_layers = int_at_least("hidden_layers", hidden_layers, 1, error=InvalidModelError)
        self.learn_linear = bool(learn_linear)
        self.steps = int_at_least("steps", steps, 0, error=InvalidModelError)
        self.learning_rate = non_negative("learning_rate", learning_rate, error=InvalidModelError)
        if not 0 < gamma <= 1:
            raise InvalidModelError(f"gamma must lie in (0, 1], got {gamma!r}")
        self.gamma = float(gamma)
        self.substeps = self._default_substeps() if substeps is None else int_at_least("substeps", substeps, 1, error=InvalidModelError)
        self.adjoint = bool(adjoint)
        self.seed = int(seed)
        if dtype not in (torch.float32, torch.float64):
            raise InvalidModelError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        self.dtype = dtype
        self.device = torch.device(device)
        self.field: SpectralVectorField | None = None
        self.losses: list[float] = []
        self.train_seconds = 0.0

    def _symbol(self) -> np.ndarray:
        return np.asarray(self.problem.linear_symbol(self.grid.spectral_wavenumbers()), dtype=complex)

    def _default_substeps(self) -> int:
        rates = np.abs(self._symbol())
        rate = float(rates.max() if self.problem.time_order == 1 else np.sqrt(rates).max())
        if not self.problem.is_linear and self.problem.time_order == 1:
            u0 = initial_state(self.problem, self.grid)
            k_max = max(math.pi * n / L for n, L in zip(self.grid.shape, self.grid.lengths))
            rate += float(u0.abs().max()) * k_max
        interval = float(np.diff(self.times).max())
        return max(1, math.ceil(interval * rate / RK4_STABLE_STEP))

    def _to_state(self, fields: torch.Tensor) -> torch.Tensor:
        """Fields ``(components, *grid)`` -> real spectral state ``(size,)``."""
        dims = tuple(range(-self.grid.dim, 0))
        coefficients = torch.fft.rfftn(fields, dim=dims) / math.prod(self.grid.shape)
        return torch.view_as_real(coefficients).reshape(-1)

    def _to_fields(self, state: torch.Tensor, field: SpectralVectorField) -> torch.Tensor:
        """Real spectral states ``(..., size)`` -> fields ``(..., components, *grid)``."""
        shape = (*state.shape[:-1], field.components, *field.spectral_shape, 2)
        coefficients = torch.view_as_complex(state.reshape(shape).contiguous())
        dims = tuple(range(-self.grid.dim, 0))
        return torch.fft.irfftn(coefficients * math.prod(self.grid.shape), s=self.grid.shape, dim=dims)

    def _grid_constructor(self) -> Callable:
        """RK4 nodes: each output interval cut into steps no longer than the training step."""
        max_step = float(np.diff(self.times).max()) / self.substeps

        def build(_func: Any, _y0: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            nodes = []
            for start, stop in itertools.pairwise(t):
                count = max(1, math.ceil(float(stop - start) / max_step - 1e-9))
                nodes.append(start + (stop - start) * torch.arange(count, dtype=t.dtype, device=t.device) / count)
            return torch.cat([*nodes, t[-1:]])

        return build

    def _trajectory(self, field: SpectralVectorField, times: torch.Tensor) -> torch.Tensor:
        from torchdiffeq import odeint, odeint_adjoint

        y0 = initial_state(self.problem, self.grid).to(self.dtype).to(self.device)
        c = self.problem.components
        parts = [self._to_state(y0[:c])]
        if self.problem.time_order == 2:
            parts.append(self._to_state(y0[c:]))
        solve = odeint_adjoint if self.adjoint else odeint
        options = {"grid_constructor": self._grid_constructor()}
        return solve(field, torch.cat(parts), times, method="rk4", options=options)

    def residual_loss(self, field: SpectralVectorField, states: torch.Tensor) -> torch.Tensor:
        """Mean squared PDE residual of the trajectory ``states`` ``(T, state)`` on the grid."""
        rates = field(None, states)
        size = field.size
        hu = states[..., :size]
        rate = rates[..., -size:]                     # u_t (first order) or v_t = u_tt
        u = self._to_fields(hu, field)
        target = self.problem.rhs(list(u.unbind(-self.grid.dim - 1)), self.grid.derivative)
        target = torch.stack([torch.broadcast_to(f, u.shape[:-self.grid.dim - 1] + self.grid.shape) for f in target], dim=-self.grid.dim - 1)
        return (self._to_fields(rate, field) - target).pow(2).mean()

    def fit(self) -> SpectralODESolver:
        """Train the vector field on the residual; returns ``self``."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            field = SpectralVectorField(
                self._symbol(),
                self.problem.components,
                self.problem.time_order,
                epsilon=self.epsilon,
                hidden_features=self.hidden_features,
                hidden_layers=self.hidden_layers,
                learn_linear=self.learn_linear,
            ).to(self.device, self.dtype)
        times = torch.as_tensor(self.times, dtype=self.dtype, device=self.device)
        trainable = [p for p in field.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(trainable, lr=self.learning_rate, foreach=True)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=self.gamma)
        self.losses = []
        start = time.perf_counter()
        for _ in range(self.steps):
            optimizer.zero_grad()
            loss = self.residual_loss(field, self._trajectory(field, times))
            loss.backward()
            optimizer.step()
            scheduler.step()
            self.losses.append(float(loss.detach()))
        self.train_seconds = time.perf_counter() - start
        self.field = field
        return self

    def predict(self, times: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
        """Integrate the trained ODE to ``times`` (default: the training times): ``(T, components, *grid)``."""
        if self.field is None:
            raise InvalidModelError("the spectral ODE is not trained yet; call fit() first")
        t_out = self.times if times is None else check_times(self.problem, times)
        with torch.no_grad():
            states = self._trajectory(self.field, torch.as_tensor(t_out, dtype=self.dtype, device=self.device))
            hu = states[..., : self.field.size]
            return self._to_fields(hu, self.field).double().cpu().numpy()
