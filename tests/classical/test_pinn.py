"""PINN residual code, the PINN solver and the NeuSA-style spectral neural ODE."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qspectral.classical.pde_problems import Burgers2D, make_problem
from qspectral.classical.pinn import PINN, PINNSolver, pde_residual
from qspectral.classical.spectral_ode import SpectralODESolver
from qspectral.errors import InvalidModelError


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny networks: one thread is much faster (and keeps reductions in one order)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _points(problem, count=64, seed=0):
    gen = torch.Generator().manual_seed(seed)
    coords = [
        (o + L * torch.rand(count, generator=gen, dtype=torch.float64)).requires_grad_(True)
        for o, L in zip(problem.origin, problem.lengths)
    ]
    t = (problem.t_final * torch.rand(count, generator=gen, dtype=torch.float64)).requires_grad_(True)
    return coords, t


def _exact_on_grid(problem, points, times):
    mesh = problem.grid(points).mesh()
    return np.stack([torch.stack(problem.exact(mesh, float(t))).numpy() for t in times])


# --- the residual the PINN minimises -----------------------------------------------------------

@pytest.mark.parametrize("name", ["advection", "heat", "wave", "sine_gordon", "burgers"])
def test_closed_form_solutions_have_zero_residual(name):
    problem = make_problem(name)
    coords, t = _points(problem)
    residual = pde_residual(problem, problem.exact, coords, t)[0].detach()
    scale = torch.stack(problem.exact(coords, t)[0:1]).detach().abs().max()
    assert residual.abs().max() < 1e-9 * max(1.0, float(scale))


def test_two_dimensional_cole_hopf_solution_has_zero_burgers2d_residual():
    """u = -2 nu grad(log phi), phi = 2 + sin(pi x) sin(pi y) exp(-2 nu pi^2 t) solves 2-D Burgers."""
    problem = Burgers2D(nu=0.05)

    def cole_hopf(coords, t):
        x, y = coords
        phi = 2 + torch.sin(math.pi * x) * torch.sin(math.pi * y) * torch.exp(-2 * problem.nu * math.pi**2 * t)
        (gx, gy) = torch.autograd.grad(torch.log(phi).sum(), (x, y), create_graph=True)
        return [-2 * problem.nu * gx, -2 * problem.nu * gy]

    coords, t = _points(problem)
    for residual in pde_residual(problem, cole_hopf, coords, t):
        assert residual.detach().abs().max() < 1e-12


def test_residual_of_a_non_solution_is_the_analytic_defect():
    """u = sin(x) e^{-t} under u_t = nu u_xx leaves (nu - 1) sin(x) e^{-t}."""
    problem = make_problem("heat", nu=0.05)
    coords, t = _points(problem)
    u = lambda c, s: [torch.sin(c[0]) * torch.exp(-s)]
    residual = pde_residual(problem, u, coords, t)[0].detach()
    expected = (problem.nu - 1) * torch.sin(coords[0]) * torch.exp(-t)
    assert torch.allclose(residual, expected.detach(), atol=1e-14)


# --- PINN -----------------------------------------------------------------------------------------

def test_pinn_network_scales_inputs_and_has_one_output_per_component():
    problem = make_problem("burgers2d")
    torch.manual_seed(0)
    net = PINN(problem, hidden_features=8, hidden_layers=2).double()
    corner = net([torch.zeros(1, dtype=torch.float64)] * 2, torch.zeros(1, dtype=torch.float64))
    # inputs at the box's low corner and t = 0 are scaled to -1: the first layer sees (-1, -1, -1)
    first = net.net.hidden[0]
    expected = net.net.output(net.net.hidden[1:](first(-torch.ones(1, 3, dtype=torch.float64))))
    assert torch.allclose(torch.stack(corner, -1), expected)
    assert all(torch.all(m.bias == 0) for m in net.modules() if isinstance(m, torch.nn.Linear))


def test_pinn_training_lowers_the_loss_and_is_reproducible():
    problem = make_problem("heat", t_final=0.5)
    kwargs = {"hidden_features": 16, "hidden_layers": 2, "adam_steps": 60, "learning_rate": 5e-3,
                  "collocation_points": 200, "initial_points": 32, "boundary_points": 32, "seed": 3}
    first = PINNSolver(problem, **kwargs).fit()
    second = PINNSolver(problem, **kwargs).fit()
    assert first.losses[-1] < 0.2 * first.losses[0]
    times = [0.0, 0.25, 0.5]
    assert np.array_equal(first.predict(times, 16), second.predict(times, 16))
    assert first.predict(times, 16).shape == (3, 1, 16)


def test_pinn_lbfgs_stage_runs_after_adam():
    problem = make_problem("advection", t_final=0.5)
    solver = PINNSolver(problem, hidden_features=8, hidden_layers=1, adam_steps=5, lbfgs_steps=5,
                        collocation_points=50, initial_points=16, boundary_points=16).fit()
    assert len(solver.losses) > 5  # Adam steps plus L-BFGS closure evaluations


def test_pinn_input_errors():
    problem = make_problem("heat")
    with pytest.raises(InvalidModelError, match="hidden_features must be an integer >= 1"):
        PINNSolver(problem, hidden_features=0)
    with pytest.raises(InvalidModelError, match="dtype must be torch.float32 or torch.float64"):
        PINNSolver(problem, dtype=torch.float16)
    with pytest.raises(InvalidModelError, match="call fit"):
        PINNSolver(problem).predict([0.0], 8)


# --- spectral neural ODE --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["advection", "heat", "wave"])
def test_node_with_the_exact_linear_part_and_no_mlp_is_the_spectral_solution(name):
    """epsilon = 0: the ODE is the exact Fourier evolution, so only RK4's error remains."""
    problem = make_problem(name)
    times = np.linspace(0, problem.t_final, 9)
    node = SpectralODESolver(problem, points=32, times=times, epsilon=0.0, learn_linear=False,
                             steps=0, substeps=64, dtype=torch.float64).fit()
    assert np.abs(node.predict() - _exact_on_grid(problem, 32, times)).max() < 1e-6


@pytest.mark.parametrize("name", ["wave", "sine_gordon"])
def test_node_residual_is_zero_for_the_exact_field_and_not_for_a_perturbed_one(name):
    problem = make_problem(name)
    node = SpectralODESolver(problem, points=32, times=np.linspace(0, 1, 5), epsilon=0.0,
                             learn_linear=False, steps=0, dtype=torch.float64).fit()
    with torch.no_grad():
        states = node._trajectory(node.field, torch.linspace(0, 1, 5, dtype=torch.float64))
        loss = float(node.residual_loss(node.field, states))
    if problem.is_linear:
        assert loss < 1e-24  # Lambda is the exact symbol: F(h) = S(u) to rounding
    else:
        assert loss > 1e-6  # Klein-Gordon is only the linearisation of sine-Gordon
    with torch.no_grad():
        node.field.symbol.mul_(1.1)
        assert float(node.residual_loss(node.field, states)) > 1e-6


def test_node_training_lowers_the_residual_and_is_reproducible():
    problem = make_problem("burgers", t_final=0.5)
    kwargs = {"points": 16, "times": np.linspace(0, 0.5, 6), "steps": 15, "seed": 1}
    first = SpectralODESolver(problem, **kwargs).fit()
    second = SpectralODESolver(problem, **kwargs).fit()
    assert first.losses[-1] < 0.5 * first.losses[0]
    assert np.array_equal(first.predict(), second.predict())


def test_node_handles_two_dimensional_two_component_problems():
    problem = make_problem("burgers2d", t_final=0.1)
    node = SpectralODESolver(problem, points=8, times=[0.0, 0.05, 0.1], steps=1, hidden_features=16).fit()
    out = node.predict()
    assert out.shape == (3, 2, 8, 8)
    mesh = problem.grid(8).mesh()
    assert np.allclose(out[0], torch.stack(problem.initial(mesh)).numpy(), atol=1e-6)


def test_node_default_substeps_keep_rk4_stable():
    """Heat, 32 points, nu = 0.05, 20 intervals of 0.05: rate nu * 16**2 = 12.8 -> ceil(0.05 * 12.8 / 2) = 1;
    Burgers adds the advective rate max|u0| * k_max = 1 * 16 pi."""
    heat = SpectralODESolver(make_problem("heat"), points=32, times=np.linspace(0, 1, 21))
    assert heat.substeps == math.ceil(0.05 * 0.05 * 16**2 / 2.0)
    burgers = make_problem("burgers")
    node = SpectralODESolver(burgers, points=32, times=np.linspace(0, 1, 21))
    rate = burgers.nu * (math.pi * 16) ** 2 + 1.0 * math.pi * 16
    assert node.substeps == math.ceil(0.05 * rate / 2.0)


def test_node_input_errors():
    problem = make_problem("heat")
    with pytest.raises(InvalidModelError, match="at least two output times"):
        SpectralODESolver(problem, times=[0.0])
    with pytest.raises(InvalidModelError, match=r"gamma must lie in \(0, 1\]"):
        SpectralODESolver(problem, gamma=1.5)
    with pytest.raises(InvalidModelError, match="call fit"):
        SpectralODESolver(problem).predict()
