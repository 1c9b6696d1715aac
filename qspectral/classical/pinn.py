r"""Two neural PDE solvers trained on the PDE residual: an MLP PINN and a NeuSA-style spectral neural ODE.

Both solve a :class:`~qspectral.classical.pde_problems.PDEProblem` :math:`\partial_t^p u = S(u)`
and evaluate :math:`S` with the problem's own :meth:`~PDEProblem.rhs`; they differ in how ``u`` is
represented and differentiated.

* :class:`PINNSolver` (Raissi et al. 2019, the baseline as NeuSA trains it): an MLP
  :math:`u_\theta(x, t)` (tanh, Xavier-uniform weights, inputs scaled to ``[-1, 1]``), derivatives
  by autograd (:func:`pde_residual`), loss
  :math:`\text{mean}\,r^2` at collocation points drawn uniformly in space-time
  ``+ w_ic`` (initial values and, for second order, velocities) ``+ w_bc`` (periodicity of ``u`` and
  ``u_x`` on every pair of faces); Adam with the learning rate times 0.99 every 100 steps, then
  optionally L-BFGS.
* :class:`SpectralODESolver` (after Bizzi et al. 2025, "Neuro-Spectral Architectures for Causal
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
from qspectral.classical.pde_problems import Fields, PDEProblem
from qspectral.classical.pde_reference import check_times, initial_state
from qspectral.errors import InvalidModelError
from qspectral.validation import int_at_least

#: RK4's stability interval on the imaginary and negative real axes is about 2.8; keep a margin.
RK4_STABLE_STEP = 2.0


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InvalidModelError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def pde_residual(
    problem: PDEProblem,
    u: Callable[[Sequence[torch.Tensor], torch.Tensor], Fields],
    coords: Sequence[torch.Tensor],
    t: torch.Tensor,
) -> Fields:
    r"""The residual :math:`\partial_t^p u - S(u)` of ``u(coords, t)`` at points, by autograd.

    ``u`` maps coordinate tensors (one per spatial axis) and times, all of shape ``(P,)``, to a
    list of ``problem.components`` tensors of shape ``(P,)``; ``coords`` and ``t`` must require
    grad. This is the residual the PINN minimises; a closed-form solution gives ~0.

    Example:
        >>> from qspectral.classical.pde_problems import make_problem
        >>> problem = make_problem("advection")
        >>> x = torch.linspace(0, 6, 7, dtype=torch.float64, requires_grad=True)
        >>> t = torch.full((7,), 0.3, dtype=torch.float64, requires_grad=True)
        >>> float(pde_residual(problem, problem.exact, [x], t)[0].detach().abs().max()) < 1e-12
        True
    """
    coords = list(coords)

    def grad(f: torch.Tensor, wrt: torch.Tensor) -> torch.Tensor:
        (g,) = torch.autograd.grad(f.sum(), wrt, create_graph=True, allow_unused=True, materialize_grads=True)
        return g

    def d(f: torch.Tensor, axis: int, order: int) -> torch.Tensor:
        for _ in range(order):
            f = grad(f, coords[axis])
        return f

    fields = u(coords, t)
    residuals = []
    for field, rate in zip(fields, problem.rhs(fields, d)):
        for _ in range(problem.time_order):
            field = grad(field, t)
        residuals.append(field - rate)
    return residuals


class PINN(nn.Module):
    """The PINN's network: :class:`~qspectral.classical.nets.MLP` (tanh) on ``(x, t)`` scaled to ``[-1, 1]``.

    Weights are Xavier-uniform, biases zero (NeuSA's baseline initialisation), drawn from torch's
    global generator.

    Example:
        >>> from qspectral.classical.pde_problems import make_problem
        >>> _ = torch.manual_seed(0)
        >>> net = PINN(make_problem("burgers2d"), hidden_features=8, hidden_layers=2)
        >>> [f.shape for f in net([torch.zeros(3), torch.zeros(3)], torch.zeros(3))]
        [torch.Size([3]), torch.Size([3])]
    """

    def __init__(self, problem: PDEProblem, hidden_features: int = 512, hidden_layers: int = 4) -> None:
        super().__init__()
        self.net = MLP(problem.dim + 1, problem.components, hidden_features, hidden_layers, activation="tanh")
        for module in self.net.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        self.register_buffer("low", torch.tensor([*problem.origin, 0.0]))
        self.register_buffer("width", torch.tensor([*problem.lengths, problem.t_final]))

    def forward(self, coords: Sequence[torch.Tensor], t: torch.Tensor) -> Fields:
        inputs = torch.stack([*coords, t], dim=-1)
        scaled = 2 * (inputs - self.low.to(inputs.dtype)) / self.width.to(inputs.dtype) - 1
        return list(self.net(scaled).unbind(-1))


class PINNSolver:
    """Train a :class:`PINN` on ``problem`` (configuration here, work in :meth:`fit`).

    Args:
        problem: the PDE.
        hidden_features, hidden_layers: MLP size (NeuSA's baseline: 512 x 4).
        adam_steps, learning_rate: Adam iterations and initial rate (x 0.99 every 100 steps).
        lbfgs_steps: L-BFGS iterations after Adam (0: none).
        collocation_points, initial_points, boundary_points: uniform random samples (drawn once)
            in space-time, at ``t = 0`` and on each pair of periodic faces.
        initial_weight, boundary_weight: loss weights of the initial and periodicity terms.
        seed: seeds the network initialisation and the samples.
        dtype: ``torch.float32`` (default) or ``torch.float64``.
        device: torch device.

    After :meth:`fit`: ``losses`` (total loss per step) and ``train_seconds``.
    """

    def __init__(
        self,
        problem: PDEProblem,
        *,
        hidden_features: int = 512,
        hidden_layers: int = 4,
        adam_steps: int = 10_000,
        learning_rate: float = 1e-3,
        lbfgs_steps: int = 0,
        collocation_points: int = 40_401,
        initial_points: int = 201,
        boundary_points: int = 201,
        initial_weight: float = 10.0,
        boundary_weight: float = 1.0,
        seed: int = 0,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ) -> None:
        self.problem = problem
        self.hidden_features = int_at_least("hidden_features", hidden_features, 1, error=InvalidModelError)
        self.hidden_layers = int_at_least("hidden_layers", hidden_layers, 1, error=InvalidModelError)
        self.adam_steps = int_at_least("adam_steps", adam_steps, 0, error=InvalidModelError)
        self.learning_rate = _non_negative("learning_rate", learning_rate)
        self.lbfgs_steps = int_at_least("lbfgs_steps", lbfgs_steps, 0, error=InvalidModelError)
        self.collocation_points = int_at_least("collocation_points", collocation_points, 1, error=InvalidModelError)
        self.initial_points = int_at_least("initial_points", initial_points, 1, error=InvalidModelError)
        self.boundary_points = int_at_least("boundary_points", boundary_points, 1, error=InvalidModelError)
        self.initial_weight = _non_negative("initial_weight", initial_weight)
        self.boundary_weight = _non_negative("boundary_weight", boundary_weight)
        self.seed = int(seed)
        if dtype not in (torch.float32, torch.float64):
            raise InvalidModelError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
        self.dtype = dtype
        self.device = torch.device(device)
        self.model: PINN | None = None
        self.losses: list[float] = []
        self.train_seconds = 0.0

    def _uniform(self, generator: torch.Generator, count: int, low: float, width: float) -> torch.Tensor:
        values = low + width * torch.rand(count, generator=generator, dtype=torch.float64)
        return values.to(self.dtype).to(self.device)

    def _samples(self) -> dict[str, Any]:
        p = self.problem
        gen = torch.Generator().manual_seed(self.seed)
        space = lambda count: [self._uniform(gen, count, o, L) for o, L in zip(p.origin, p.lengths)]
        samples = {
            "interior": (space(self.collocation_points), self._uniform(gen, self.collocation_points, 0.0, p.t_final)),
            "initial": space(self.initial_points),
            "faces": [],
        }
        for axis in range(p.dim):
            others = space(self.boundary_points)
            t = self._uniform(gen, self.boundary_points, 0.0, p.t_final)
            low, high = list(others), list(others)
            low[axis] = torch.full_like(others[axis], p.origin[axis])
            high[axis] = torch.full_like(others[axis], p.origin[axis] + p.lengths[axis])
            samples["faces"].append((axis, low, high, t))
        with torch.no_grad():
            mesh = [c.double().cpu() for c in samples["initial"]]
            targets = p.initial(mesh)
            if p.time_order == 2:
                targets = targets + p.initial_velocity(mesh)
        samples["initial_targets"] = [torch.broadcast_to(f, mesh[0].shape).to(self.dtype).to(self.device) for f in targets]
        return samples

    def _loss(self, model: PINN, samples: dict[str, Any]) -> torch.Tensor:
        p = self.problem
        coords, t = samples["interior"]
        coords = [c.clone().requires_grad_(True) for c in coords]
        t = t.clone().requires_grad_(True)
        loss = sum(r.pow(2).mean() for r in pde_residual(p, model, coords, t))

        x0 = [c.clone().requires_grad_(True) for c in samples["initial"]]
        t0 = torch.zeros_like(x0[0], requires_grad=True)
        u0 = model(x0, t0)
        values = list(u0)
        if p.time_order == 2:
            values += [torch.autograd.grad(f.sum(), t0, create_graph=True)[0] for f in u0]
        loss = loss + self.initial_weight * sum((v - g).pow(2).mean() for v, g in zip(values, samples["initial_targets"]))

        for axis, low, high, tb in samples["faces"]:
            low = [c.clone().requires_grad_(True) for c in low]
            high = [c.clone().requires_grad_(True) for c in high]
            for f_low, f_high in zip(model(low, tb), model(high, tb)):
                d_low = torch.autograd.grad(f_low.sum(), low[axis], create_graph=True)[0]
                d_high = torch.autograd.grad(f_high.sum(), high[axis], create_graph=True)[0]
                loss = loss + self.boundary_weight * ((f_low - f_high).pow(2).mean() + (d_low - d_high).pow(2).mean())
        return loss

    def fit(self) -> PINNSolver:
        """Train the network; returns ``self``."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            model = PINN(self.problem, self.hidden_features, self.hidden_layers).to(self.device, self.dtype)
        samples = self._samples()
        self.losses = []
        start = time.perf_counter()
        optimizer = torch.optim.Adam(model.parameters(), lr=self.learning_rate)
        for step in range(self.adam_steps):
            optimizer.zero_grad()
            loss = self._loss(model, samples)
            loss.backward()
            optimizer.step()
            self.losses.append(float(loss.detach()))
            if (step + 1) % 100 == 0:
                for group in optimizer.param_groups:
                    group["lr"] *= 0.99
        if self.lbfgs_steps:
            lbfgs = torch.optim.LBFGS(model.parameters(), max_iter=self.lbfgs_steps, line_search_fn="strong_wolfe")

            def closure() -> torch.Tensor:
                lbfgs.zero_grad()
                value = self._loss(model, samples)
                value.backward()
                self.losses.append(float(value.detach()))
                return value

            lbfgs.step(closure)
        self.train_seconds = time.perf_counter() - start
        self.model = model
        return self

    def predict(self, times: Sequence[float] | np.ndarray, points: int | Sequence[int]) -> np.ndarray:
        """The network on the problem's grid of ``points`` at ``times``: ``(T, components, *grid)``."""
        if self.model is None:
            raise InvalidModelError("the PINN is not trained yet; call fit() first")
        grid = self.problem.grid(points)
        t_out = check_times(self.problem, times)
        mesh = [m.reshape(-1).to(self.dtype).to(self.device) for m in grid.mesh()]
        out = []
        with torch.no_grad():
            for t in t_out:
                fields = self.model(mesh, torch.full_like(mesh[0], float(t)))
                out.append(torch.stack(fields).reshape(self.problem.components, *grid.shape))
        return torch.stack(out).double().cpu().numpy()


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
        self.epsilon = _non_negative("epsilon", epsilon)
        self.hidden_features = None if hidden_features is None else int_at_least("hidden_features", hidden_features, 1, error=InvalidModelError)
        self.hidden_layers = int_at_least("hidden_layers", hidden_layers, 1, error=InvalidModelError)
        self.learn_linear = bool(learn_linear)
        self.steps = int_at_least("steps", steps, 0, error=InvalidModelError)
        self.learning_rate = _non_negative("learning_rate", learning_rate)
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
        optimizer = torch.optim.Adam([p for p in field.parameters() if p.requires_grad], lr=self.learning_rate)
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
