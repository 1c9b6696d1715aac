r"""Reference solutions: a pseudo-spectral method of lines integrated with scipy's ``solve_ivp``.

The fields live on a :class:`~qspectral.classical.pde_problems.PeriodicGrid`; spatial derivatives
are exact for the grid's trigonometric polynomials (:meth:`PeriodicGrid.derivative`, FFT in
float64), so the spatial error falls exponentially with the number of points for smooth
solutions, and the time error is the integrator's (``RK45``: order 5, the default; ``DOP853``:
order 8; ``RK23``: order 3). ``RK45`` is the default because on diffusion-dominated grids, where
stability rather than accuracy limits the step, ``DOP853``'s error estimate lets high modes grow
(heat equation, 128 points, ``rtol=1e-10``: error 3e-7 with ``DOP853``, 1e-10 with ``RK45``). A second-order problem :math:`u_{tt} = S(u)` is integrated as the first-order
system :math:`(u, v)_t = (v, S(u))`. No aliasing control: take grids that resolve the solution.

Example:
    >>> import math, torch
    >>> from qspectral.classical.pde_problems import make_problem
    >>> problem = make_problem("advection", t_final=1.0)
    >>> ref = reference_solution(problem, 32, [0.0, 1.0])
    >>> exact = problem.exact(ref.grid.mesh(), 1.0)[0].numpy()
    >>> bool(abs(ref.fields[-1, 0] - exact).max() < 1e-9)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.integrate import solve_ivp

from qspectral.classical.pde_problems import PDEProblem, PeriodicGrid
from qspectral.errors import InvalidParameterError

#: The ``solve_ivp`` methods allowed (explicit Runge-Kutta; their order of accuracy).
METHOD_ORDERS = {"RK23": 3, "RK45": 5, "DOP853": 8}


@dataclass(frozen=True)
class ReferenceSolution:
    """Fields ``(len(times), components, *grid.shape)`` of a problem at ``times`` on ``grid``."""

    grid: PeriodicGrid
    times: np.ndarray
    fields: np.ndarray
    method: str
    rhs_evaluations: int


def check_times(problem: PDEProblem, times: Sequence[float] | np.ndarray | None) -> np.ndarray:
    """Return ``times`` as a float64 array (default ``[0, t_final]``): increasing, from 0 to at most ``t_final``."""
    if times is None:
        return np.array([0.0, problem.t_final])
    values = np.asarray(times, dtype=np.float64).ravel()
    if (
        values.size < 1
        or not np.all(np.isfinite(values))
        or values[0] != 0.0
        or np.any(np.diff(values) <= 0)
        or values[-1] > problem.t_final * (1 + 1e-12)
    ):
        raise InvalidParameterError(
            f"times must increase strictly from 0 to at most t_final={problem.t_final}, got "
            f"{values[:5].tolist()}{'...' if values.size > 5 else ''}; e.g. numpy.linspace(0, t_final, 11)"
        )
    return values


def initial_state(problem: PDEProblem, grid: PeriodicGrid) -> torch.Tensor:
    """Initial data ``(time_order * components, *grid.shape)`` in float64: ``u`` (then ``u_t``)."""
    mesh = grid.mesh()
    fields = problem.initial(mesh)
    if problem.time_order == 2:
        fields = fields + problem.initial_velocity(mesh)
    return torch.stack([torch.broadcast_to(f, grid.shape) for f in fields])


def reference_solution(
    problem: PDEProblem,
    points: int | Sequence[int],
    times: Sequence[float] | np.ndarray | None = None,
    *,
    method: str = "RK45",
    rtol: float = 1e-11,
    atol: float = 1e-13,
    step: float | None = None,
) -> ReferenceSolution:
    """Solve ``problem`` on a grid of ``points`` per axis and return the fields at ``times``.

    Args:
        problem: the PDE (any :class:`~qspectral.classical.pde_problems.PDEProblem`).
        points: grid points per axis (an int for every axis, or one per axis; even, >= 4).
        times: output times, increasing from 0 (default ``[0, t_final]``).
        method: ``"RK45"`` (default), ``"DOP853"`` or ``"RK23"``.
        rtol, atol: the adaptive integrator's tolerances.
        step: if given, take fixed steps of this size instead (error control off) -- used to
            measure the integrator's order of convergence; ``times`` must then be multiples of it.

    Example:
        >>> from qspectral.classical.pde_problems import make_problem
        >>> ref = reference_solution(make_problem("burgers"), 32, [0.0, 0.5])
        >>> ref.fields.shape, ref.method
        ((2, 1, 32), 'RK45')
    """
    if method not in METHOD_ORDERS:
        raise InvalidParameterError(f"method must be one of {', '.join(METHOD_ORDERS)}, got {method!r}")
    grid = problem.grid(points)
    t_out = check_times(problem, times)
    if step is not None:
        if not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
            raise InvalidParameterError(f"step must be a positive number, got {step!r}")
        ratios = t_out / step
        if not np.allclose(ratios, np.rint(ratios), rtol=0, atol=1e-9):
            raise InvalidParameterError(
                f"with a fixed step every output time must be a multiple of step={step}; "
                f"got times {t_out.tolist()}"
            )
    y0 = initial_state(problem, grid)
    shape = y0.shape
    count = [0]

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        count[0] += 1
        state = torch.from_numpy(y).reshape(shape)
        u = list(state[: problem.components])
        with torch.no_grad():
            rates = problem.rhs(u, grid.derivative)
        if problem.time_order == 2:
            rates = list(state[problem.components :]) + rates
        return torch.stack([torch.broadcast_to(r, grid.shape) for r in rates]).reshape(-1).numpy()

    options = {"rtol": rtol, "atol": atol}
    if step is not None:
        options = {"rtol": 1e10, "atol": 1e10, "first_step": step, "max_step": step}
    if t_out[-1] == 0.0:
        states = y0.numpy()[None]
    else:
        result = solve_ivp(rhs, (0.0, t_out[-1]), y0.reshape(-1).numpy(), method=method, t_eval=t_out, **options)
        if not result.success:
            raise RuntimeError(f"solve_ivp ({method}) failed: {result.message}")
        states = result.y.T.reshape(len(t_out), *shape)
    return ReferenceSolution(
        grid=grid,
        times=t_out,
        fields=np.ascontiguousarray(states[:, : problem.components]),
        method=method if step is None else f"{method}, fixed step {step:g}",
        rhs_evaluations=count[0],
    )
