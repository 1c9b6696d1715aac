r"""An MLP PINN trained on the PDE residual (Raissi et al. 2019), the baseline of :mod:`qspectral.classical.spectral_ode`.

It solves a :class:`~qspectral.classical.pde_problems.PDEProblem` :math:`\partial_t^p u = S(u)`
and evaluates :math:`S` with the problem's own :meth:`~PDEProblem.rhs`; ``u`` is an MLP of
``(x, t)``, differentiated by autograd.

:class:`PINNSolver` (Raissi et al. 2019, the baseline as NeuSA trains it): an MLP
:math:`u_\theta(x, t)` (tanh, Xavier-uniform weights, inputs scaled to ``[-1, 1]``), derivatives
by autograd (:func:`pde_residual`), loss
:math:`\text{mean}\,r^2` at collocation points drawn uniformly in space-time
``+ w_ic`` (initial values and, for second order, velocities) ``+ w_bc`` (periodicity of ``u`` and
``u_x`` on every pair of faces); Adam with the learning rate times 0.99 every 100 steps, then
optionally L-BFGS.

Example:
    >>> from qspectral.classical.pde_problems import make_problem
    >>> problem = make_problem("heat", t_final=0.5)
    >>> pinn = PINNSolver(problem, hidden_features=8, hidden_layers=1, adam_steps=2, collocation_points=16,
    ...                   initial_points=8, boundary_points=8).fit()
    >>> pinn.predict([0.0, 0.5], 16).shape
    (2, 1, 16)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qspectral.classical.nets import MLP
from qspectral.classical.pde_problems import Fields, PDEProblem
from qspectral.classical.pde_reference import check_times
from qspectral.errors import InvalidModelError
from qspectral.validation import int_at_least, non_negative


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
        self.learning_rate = non_negative("learning_rate", learning_rate, error=InvalidModelError)
        self.lbfgs_steps = int_at_least("lbfgs_steps", lbfgs_steps, 0, error=InvalidModelError)
        self.collocation_points = int_at_least("collocation_points", collocation_points, 1, error=InvalidModelError)
        self.initial_points = int_at_least("initial_points", initial_points, 1, error=InvalidModelError)
        self.boundary_points = int_at_least("boundary_points", boundary_points, 1, error=InvalidModelError)
        self.initial_weight = non_negative("initial_weight", initial_weight, error=InvalidModelError)
        self.boundary_weight = non_negative("boundary_weight", boundary_weight, error=InvalidModelError)
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
        optimizer = torch.optim.Adam(model.parameters(), lr=self.learning_rate, foreach=True)
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
