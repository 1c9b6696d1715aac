"""PDE problems and their references: spectral calculus, closed forms, convergence of the solver."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qspectral.classical.pde_problems import PROBLEMS, PeriodicGrid, make_problem
from qspectral.classical.pde_reference import METHOD_ORDERS, reference_solution
from qspectral.errors import InvalidParameterError


def _exact_on_grid(problem, points, times):
    mesh = problem.grid(points).mesh()
    return np.stack([torch.stack(problem.exact(mesh, float(t))).numpy() for t in times])


# --- spectral calculus --------------------------------------------------------------------------

@pytest.mark.parametrize("order", [1, 2, 3])
def test_spectral_derivative_is_exact_on_trigonometric_polynomials(order):
    grid = PeriodicGrid((32,), (3.0,), (-1.0,))
    x = grid.mesh()[0]
    w = 2 * math.pi / 3.0
    f = torch.sin(2 * w * x) + 0.5 * torch.cos(5 * w * x)
    # d^n/dx^n sin(a x) = a^n sin(a x + n pi / 2)
    expected = (2 * w) ** order * torch.sin(2 * w * x + order * math.pi / 2) + 0.5 * (5 * w) ** order * torch.cos(
        5 * w * x + order * math.pi / 2
    )
    assert torch.allclose(grid.derivative(f, 0, order), expected, atol=1e-9 * (5 * w) ** order)


def test_spectral_derivative_acts_on_the_requested_axis_of_a_batched_2d_field():
    grid = PeriodicGrid((8, 16), (2 * math.pi, 4.0), (0.0, 0.0))
    x, y = grid.mesh()
    f = torch.stack([torch.sin(x) * torch.cos(math.pi * y), torch.cos(2 * x)])  # batch axis first
    dx = grid.derivative(f, 0, 1)
    dy = grid.derivative(f, 1, 1)
    assert torch.allclose(dx[0], torch.cos(x) * torch.cos(math.pi * y), atol=1e-12)
    assert torch.allclose(dx[1], -2 * torch.sin(2 * x), atol=1e-12)
    assert torch.allclose(dy[0], -math.pi * torch.sin(x) * torch.sin(math.pi * y), atol=1e-12)
    assert torch.allclose(dy[1], torch.zeros_like(y), atol=1e-12)


def test_odd_derivatives_drop_the_nyquist_mode_even_ones_keep_it():
    grid = PeriodicGrid((8,), (2 * math.pi,), (0.0,))
    x = grid.mesh()[0]
    nyquist = torch.cos(4 * x)  # (-1)^j on the grid
    assert torch.allclose(grid.derivative(nyquist, 0, 1), torch.zeros(8, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(grid.derivative(nyquist, 0, 2), -16 * nyquist, atol=1e-12)


def test_wavenumbers_follow_fftfreq_order():
    grid = PeriodicGrid((8,), (4.0,), (0.0,))
    assert np.allclose(grid.wavenumbers(0), 2 * np.pi * np.fft.fftfreq(8, 4.0 / 8))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shape": (6, 8), "lengths": (1.0,), "origin": (0.0,)}, "same"),
        ({"shape": (7,), "lengths": (1.0,), "origin": (0.0,)}, "even integer"),
        ({"shape": (8,), "lengths": (-1.0,), "origin": (0.0,)}, "positive"),
    ],
)
def test_bad_grids_are_rejected(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        PeriodicGrid(**kwargs)


# --- problems -----------------------------------------------------------------------------------

def test_unknown_problem_and_bad_parameters_are_rejected():
    with pytest.raises(InvalidParameterError, match="unknown PDE problem 'kdv'"):
        make_problem("kdv")
    with pytest.raises(InvalidParameterError, match="bad parameters for the 'heat' problem"):
        make_problem("heat", speed=1.0)
    with pytest.raises(InvalidParameterError, match="nu must be a positive"):
        make_problem("heat", nu=-0.1)
    with pytest.raises(InvalidParameterError, match=r"breather frequency w must lie in \(0, 1\)"):
        make_problem("sine_gordon", frequency=1.5)


@pytest.mark.parametrize("name", [n for n in PROBLEMS if PROBLEMS[n].closed_form is not None or n == "burgers"])
def test_closed_forms_start_from_the_initial_data(name):
    problem = make_problem(name)
    mesh = problem.grid(32).mesh()
    t0 = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    exact = problem.exact(mesh, t0)
    for e, u0 in zip(exact, problem.initial(mesh)):
        assert torch.allclose(e.detach(), torch.broadcast_to(u0, e.shape), atol=1e-12)
    if problem.time_order == 2:
        for e, v0 in zip(exact, problem.initial_velocity(mesh)):
            rate = torch.func.jacfwd(lambda t: problem.exact(mesh, t)[0])(torch.tensor(0.0, dtype=torch.float64))
            assert torch.allclose(rate, torch.broadcast_to(v0, rate.shape), atol=1e-10)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_linear_symbol_is_the_rhs_on_a_small_fourier_mode(name):
    problem = make_problem(name)
    grid = problem.grid(16)
    mesh = grid.mesh()
    m = 3
    k = [2 * math.pi * m / problem.lengths[0]] + [0.0] * (problem.dim - 1)
    amplitude = 1e-6
    mode = amplitude * torch.cos(k[0] * (mesh[0] - problem.origin[0]))
    fields = [mode] * problem.components
    rhs = problem.rhs(fields, grid.derivative)[0]
    lam = problem.linear_symbol([np.array(v) for v in k])
    # lambda cos(kx) for real lambda; -Im(lambda) sin(kx) part for the advective (imaginary) symbol
    expected = lam.real * mode - lam.imag * amplitude * torch.sin(k[0] * (mesh[0] - problem.origin[0]))
    relative = 1e-9 if problem.is_linear else 1e-4  # nonlinear terms are O(amplitude**2)
    assert torch.allclose(rhs, expected, atol=relative * amplitude * (1 + abs(lam) + k[0]))


def test_burgers_cole_hopf_is_used_only_where_double_precision_can_sum_it():
    assert make_problem("burgers", nu=0.05).closed_form == "periodic"
    sharp = make_problem("burgers", nu=0.01 / math.pi)
    assert sharp.closed_form is None
    with pytest.raises(NotImplementedError, match="reference_solution"):
        sharp.exact(sharp.grid(8).mesh(), 0.5)


# --- reference solver ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["advection", "heat", "wave", "burgers"])
def test_reference_matches_the_closed_form(name):
    problem = make_problem(name)
    points = 64 if name == "burgers" else 32
    times = np.linspace(0, problem.t_final, 5)
    ref = reference_solution(problem, points, times)
    exact = _exact_on_grid(problem, points, times)
    tol = 2e-6 if name == "burgers" else 1e-9  # Burgers at nu = 0.1/pi: 64 points resolve to ~1e-6
    assert np.abs(ref.fields - exact).max() < tol


def test_reference_converges_spectrally_in_space():
    """Doubling the grid beats any algebraic order: Burgers against its Cole-Hopf solution."""
    problem = make_problem("burgers", nu=0.05)
    errors = []
    for points in (16, 32, 64):
        ref = reference_solution(problem, points, [0.0, 1.0])
        errors.append(np.abs(ref.fields[-1] - _exact_on_grid(problem, points, [1.0])[0]).max())
    assert errors[0] / errors[1] > 2**8
    assert errors[1] / errors[2] > 2**8
    assert errors[2] < 1e-9


@pytest.mark.parametrize("method", ["RK23", "RK45"])
def test_reference_converges_at_the_integrators_order_in_time(method):
    """Halving a fixed step divides the error by 2**order (sine-Gordon, finest step as reference)."""
    problem = make_problem("sine_gordon", t_final=2.0)
    fine = reference_solution(problem, 32, [0.0, 2.0], rtol=1e-13, atol=1e-14)
    steps = (0.1, 0.05, 0.025) if method == "RK45" else (0.02, 0.01, 0.005)
    errors = [
        np.abs(reference_solution(problem, 32, [0.0, 2.0], method=method, step=s).fields[-1] - fine.fields[-1]).max()
        for s in steps
    ]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(orders - METHOD_ORDERS[method]) < 0.6), orders


def test_sine_gordon_reference_agrees_with_the_breather_up_to_its_tails():
    problem = make_problem("sine_gordon")
    times = np.linspace(0, problem.t_final, 4)
    ref = reference_solution(problem, 64, times)
    assert np.abs(ref.fields - _exact_on_grid(problem, 64, times)).max() < 2 * problem.tail_size()


def test_reference_input_errors():
    problem = make_problem("heat")
    with pytest.raises(InvalidParameterError, match="times must increase strictly from 0"):
        reference_solution(problem, 16, [0.5, 1.0])
    with pytest.raises(InvalidParameterError, match="at most t_final"):
        reference_solution(problem, 16, [0.0, 5.0])
    with pytest.raises(InvalidParameterError, match="method must be one of"):
        reference_solution(problem, 16, method="Euler")
    with pytest.raises(InvalidParameterError, match="multiple of step"):
        reference_solution(problem, 16, [0.0, 0.25], step=0.1)


def test_sine_gordon_pulse_stays_clear_of_the_edges_so_periodic_equals_neusa_dirichlet_box():
    """NeuSA fixes u = 0 at x = +-4; the periodic solve must keep the edges at ~0 up to t = 3."""
    problem = make_problem("sine_gordon_pulse")
    ref = reference_solution(problem, 256, np.linspace(0.0, 3.0, 4), rtol=1e-9, atol=1e-11)
    u = ref.fields[:, 0]
    x = ref.grid.axis(0)
    assert np.isclose(u[0].max(), 1 / (np.sqrt(2 * np.pi) * 0.1))  # the normalised Gaussian, peak 3.99
    assert np.abs(u[:, np.abs(x) >= 3.8]).max() < 1e-6
    assert np.abs(u[-1, np.abs(x) < 3.0]).max() > 1e-2  # the pulse has not died out
