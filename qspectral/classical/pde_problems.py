r"""Time-dependent PDEs on periodic boxes: equations, initial conditions, closed forms, spectral calculus.

**Form.** Every problem is written as :math:`\partial_t^p u = S(u)` with time order ``p`` (1 or 2)
and a right-hand side :math:`S` built from elementwise operations and spatial derivatives only.
:meth:`PDEProblem.rhs` takes the fields as a list of components and a *derivative*
``d(f, axis, order)``; the same code then serves the pseudo-spectral reference
(:meth:`PeriodicGrid.derivative`), the neuro-spectral ODE (spectral derivatives in torch) and the
PINN (autograd derivatives), so all three solve literally the same equation.

**Grid and Fourier convention.** The box is ``[origin_i, origin_i + L_i)`` sampled at
``x_j = origin + j L / N`` (endpoint excluded, periodic). Wavenumbers are angular,
``k = 2 pi m / L`` with ``m`` in ``numpy.fft.fftfreq`` order (``0, 1, .., N/2-1, -N/2, .., -1``:
two's complement, the Nyquist mode ``-N/2``); a Fourier mode is :math:`e^{+ikx}` and
``fft(u)/N`` are its coefficients. Spectral derivatives of odd order zero the Nyquist mode
(Trefethen, *Spectral Methods in MATLAB*, ch. 3) so real fields stay real.

**Linear symbol.** :meth:`PDEProblem.linear_symbol` is the Fourier multiplier :math:`\lambda(k)`
of the linear part of :math:`S` (for nonlinear problems: of its linearisation about ``u = 0``):
:math:`\partial_t^p \hat u_k = \lambda(k) \hat u_k`. First-order linear problems evolve exactly as
``u(t) = ifft(exp(lambda t) * fft(u0))``; for advection :math:`\lambda = -iak`, the dispersion
relation :math:`\omega(k) = i\lambda(k) = ak`.

=================  ===============================================  =====  ==================
problem            equation                                         order  closed form
=================  ===============================================  =====  ==================
``advection``      :math:`u_t = -a u_x`                             1      periodic (shift)
``heat``           :math:`u_t = \nu u_{xx}`                         1      periodic (modes)
``wave``           :math:`u_{tt} = c^2 u_{xx}`                      2      periodic (d'Alembert)
``sine_gordon``    :math:`u_{tt} = u_{xx} - m \sin u`               2      breather on the line
``sine_gordon_pulse``  same, Gaussian pulse (NeuSA's setup)             2      none
``burgers``        :math:`u_t = \nu u_{xx} - u u_x`                 1      periodic (Cole-Hopf)
``burgers2d``      :math:`\mathbf u_t = \nu\Delta\mathbf u - (\mathbf u\cdot\nabla)\mathbf u`  1  none
=================  ===============================================  =====  ==================

Example:
    >>> import torch
    >>> problem = make_problem("heat", nu=0.1)
    >>> grid = problem.grid(32)                                    # resolves modes up to 15
    >>> u0 = problem.initial(grid.mesh())[0]
    >>> rhs = problem.rhs([u0], grid.derivative)[0]                 # nu * u_xx, spectrally
    >>> exact_rate = torch.func.jacfwd(lambda t: problem.exact(grid.mesh(), t)[0])(torch.tensor(0.0, dtype=torch.float64))
    >>> bool(torch.allclose(rhs, exact_rate, atol=1e-12))
    True

Over 500 lines: every PDE problem with its closed form and the spectral calculus they share; each
problem is a small class, read one at a time.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import special

from qspectral.errors import InvalidParameterError

#: ``d(f, axis, order)``: the ``order``-th derivative of a field ``f`` along spatial axis ``axis``.
Derivative = Callable[[torch.Tensor, int, int], torch.Tensor]
Fields = list[torch.Tensor]


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise InvalidParameterError(f"{name} must be a positive number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidParameterError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class PeriodicGrid:
    """A uniform periodic grid on ``[origin, origin + lengths)`` with ``shape`` points per axis.

    Fields on the grid are tensors whose **last** ``dim`` axes are the spatial axes, in the order
    of ``shape`` (leading axes are batch axes: times, components, ...).

    Example:
        >>> grid = PeriodicGrid((4,), (2 * math.pi,), (0.0,))
        >>> grid.wavenumbers(0).tolist()                                 # 2 pi m / L, fftfreq order
        [0.0, 1.0, -2.0, -1.0]
    """

    shape: tuple[int, ...]
    lengths: tuple[float, ...]
    origin: tuple[float, ...]

    def __post_init__(self) -> None:
        if not (len(self.shape) == len(self.lengths) == len(self.origin)) or not self.shape:
            raise InvalidParameterError(
                f"shape {self.shape}, lengths {self.lengths} and origin {self.origin} must have "
                "the same (non-zero) number of axes"
            )
        for n in self.shape:
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4 or n % 2:
                raise InvalidParameterError(
                    f"every grid size must be an even integer >= 4, got {self.shape}; spectral "
                    "derivatives need an even number of points (use a power of two for circuits)"
                )
        for length in self.lengths:
            _positive("every box length", length)

    @property
    def dim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.shape)

    def axis(self, axis: int) -> np.ndarray:
        """The 1-D coordinates ``origin + j L / N`` of spatial axis ``axis``."""
        n, length, start = self.shape[axis], self.lengths[axis], self.origin[axis]
        return start + length * np.arange(n) / n

    def mesh(self, dtype: torch.dtype = torch.float64) -> list[torch.Tensor]:
        """Coordinate tensors, one per axis, each of shape ``shape`` (``indexing="ij"``)."""
        axes = [torch.as_tensor(self.axis(i), dtype=dtype) for i in range(self.dim)]
        return list(torch.meshgrid(*axes, indexing="ij"))

    def wavenumbers(self, axis: int) -> np.ndarray:
        """Angular wavenumbers ``2 pi m / L`` of axis ``axis`` in ``numpy.fft.fftfreq`` order."""
        n = self.shape[axis]
        return 2 * np.pi * np.fft.fftfreq(n, d=1.0 / n) / self.lengths[axis]

    def spectral_wavenumbers(self) -> list[np.ndarray]:
        """Wavenumber meshes for ``rfftn`` over all spatial axes (last axis halved), ``indexing="ij"``."""
        axes = [self.wavenumbers(i) for i in range(self.dim - 1)]
        n, length = self.shape[-1], self.lengths[-1]
        axes.append(2 * np.pi * np.arange(n // 2 + 1) / length)
        return list(np.meshgrid(*axes, indexing="ij"))

    def derivative(self, f: torch.Tensor, axis: int, order: int) -> torch.Tensor:
        """Spectral derivative ``ifft((ik)^order fft(f))`` of a real field along spatial ``axis``.

        Odd orders zero the Nyquist mode. Exact (to rounding) for trigonometric polynomials the grid
        resolves; differentiable with torch autograd.

        Example:
            >>> grid = PeriodicGrid((16,), (2 * math.pi,), (0.0,))
            >>> x = grid.mesh()[0]
            >>> bool(torch.allclose(grid.derivative(torch.sin(3 * x), 0, 1), 3 * torch.cos(3 * x)))
            True
        """
        if not 0 <= axis < self.dim:
            raise InvalidParameterError(f"axis {axis} does not exist on a {self.dim}-D grid")
        n = self.shape[axis]
        dim = f.ndim - self.dim + axis
        k = torch.as_tensor(2 * np.pi * np.arange(n // 2 + 1) / self.lengths[axis], dtype=f.dtype, device=f.device)
        factor = (1j * k) ** order
        if order % 2:
            factor[-1] = 0
        shape = [1] * f.ndim
        shape[dim] = n // 2 + 1
        spectrum = torch.fft.rfft(f, dim=dim) * factor.reshape(shape)
        return torch.fft.irfft(spectrum, n=n, dim=dim)


class PDEProblem(ABC):
    """A periodic initial-value problem :math:`\\partial_t^p u = S(u)` (see the module docstring).

    Subclasses set the class attributes and implement :meth:`rhs`, :meth:`linear_symbol`,
    :meth:`initial` (and :meth:`initial_velocity` when ``time_order == 2``) and, where one exists,
    :meth:`exact`. ``closed_form`` says what :meth:`exact` is: ``"periodic"`` (the exact solution
    of this periodic problem), ``"line"`` (exact on the infinite line; on the box up to the size of
    its tails) or ``None`` (no closed form).
    """

    name: str = ""
    time_order: int = 1
    components: int = 1
    is_linear: bool = True
    closed_form: str | None = None

    def __init__(self, lengths: Sequence[float], origin: Sequence[float], t_final: float) -> None:
        self.lengths = tuple(_positive("length", v) for v in lengths)
        self.origin = tuple(float(v) for v in origin)
        self.t_final = _positive("t_final", t_final)

    @property
    def dim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.lengths)

    def grid(self, points: int | Sequence[int]) -> PeriodicGrid:
        """The periodic grid of this problem's box with ``points`` per axis (an int: every axis)."""
        shape = (points,) * self.dim if isinstance(points, (int, np.integer)) else tuple(points)
        return PeriodicGrid(tuple(int(n) for n in shape), self.lengths, self.origin)

    @abstractmethod
    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        """:math:`S(u)` for the components ``fields`` using the derivative ``d(f, axis, order)``."""

    @abstractmethod
    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        """The multiplier :math:`\\lambda(k)` of the linear(ised) part of :math:`S` (complex array)."""

    @abstractmethod
    def initial(self, coords: Sequence[torch.Tensor]) -> Fields:
        """:math:`u(x, 0)`, one tensor per component, broadcast over the coordinate tensors."""

    def initial_velocity(self, coords: Sequence[torch.Tensor]) -> Fields:
        """:math:`u_t(x, 0)` for second-order problems."""
        raise NotImplementedError(f"{self.name} is first order in time: it has no initial velocity")

    def exact(self, coords: Sequence[torch.Tensor], t: torch.Tensor | float) -> Fields:
        """The closed-form solution at ``coords`` and time ``t`` (broadcast), if ``closed_form``."""
        raise NotImplementedError(
            f"{self.name} has no closed-form solution; use "
            "qspectral.classical.pde_reference.reference_solution"
        )

    def parameters(self) -> dict[str, float]:
        """The problem's scalar parameters (for reports)."""
        return {"t_final": self.t_final, **{f"L{i}": v for i, v in enumerate(self.lengths)}}


class _TrigInitial(PDEProblem):
    """1-D problems whose initial condition is ``offset + sum_j a_j cos(m_j z) + b_j sin(m_j z)``.

    ``z = 2 pi (x - origin) / L``; ``modes`` lists ``(m, a, b)``. A trigonometric polynomial the
    grid resolves makes the spectral (and quantum) evolution of the linear problems exact.
    """

    DEFAULT_MODES = ((1, 0.0, 0.5), (4, 0.25, 0.0), (10, 0.0, 0.15))

    def __init__(
        self,
        length: float,
        t_final: float,
        modes: Sequence[tuple[int, float, float]] = DEFAULT_MODES,
        offset: float = 1.0,
    ) -> None:
        super().__init__((length,), (0.0,), t_final)
        self.modes = tuple((int(m), float(a), float(b)) for m, a, b in modes)
        if not self.modes or any(m < 1 for m, _, _ in self.modes):
            raise InvalidParameterError(f"modes must be (m >= 1, a, b) triples, got {modes!r}")
        self.offset = float(offset)

    @property
    def max_mode(self) -> int:
        """The highest mode ``m`` of the initial condition (a grid needs ``N > 2 * max_mode``)."""
        return max(m for m, _, _ in self.modes)

    def _wavenumber(self, m: int) -> float:
        return 2 * math.pi * m / self.lengths[0]

    def _trig(self, x: torch.Tensor, amplitude: Callable[[float], Any] = lambda k: 1.0) -> torch.Tensor:
        z = x - self.origin[0]
        out = self.offset + 0 * z
        for m, a, b in self.modes:
            k = self._wavenumber(m)
            out = out + amplitude(k) * (a * torch.cos(k * z) + b * torch.sin(k * z))
        return out

    def initial(self, coords: Sequence[torch.Tensor]) -> Fields:
        return [self._trig(coords[0])]


class Advection1D(_TrigInitial):
    """:math:`u_t + a u_x = 0`; exact solution :math:`u_0(x - at)`; dispersion :math:`\\omega = ak`."""

    name = "advection"
    closed_form = "periodic"

    def __init__(self, velocity: float = 1.0, length: float = 2 * math.pi, t_final: float = math.pi, **kw: Any) -> None:
        super().__init__(length, t_final, **kw)
        if not math.isfinite(velocity):
            raise InvalidParameterError(f"velocity must be finite, got {velocity!r}")
        self.velocity = float(velocity)

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        return [-self.velocity * d(fields[0], 0, 1)]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return -1j * self.velocity * np.asarray(k[0])

    def exact(self, coords: Sequence[torch.Tensor], t: torch.Tensor | float) -> Fields:
        return [self._trig(coords[0] - self.velocity * torch.as_tensor(t, dtype=coords[0].dtype))]

    def parameters(self) -> dict[str, float]:
        return {"velocity": self.velocity, **super().parameters()}


class Heat1D(_TrigInitial):
    """:math:`u_t = \\nu u_{xx}`; each mode decays as :math:`e^{-\\nu k^2 t}`."""

    name = "heat"
    closed_form = "periodic"

    def __init__(self, nu: float = 0.05, length: float = 2 * math.pi, t_final: float = 1.0, **kw: Any) -> None:
        super().__init__(length, t_final, **kw)
        self.nu = _positive("nu", nu)

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        return [self.nu * d(fields[0], 0, 2)]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return (-self.nu * np.asarray(k[0]) ** 2).astype(complex)

    def exact(self, coords: Sequence[torch.Tensor], t: torch.Tensor | float) -> Fields:
        t = torch.as_tensor(t, dtype=coords[0].dtype)
        return [self._trig(coords[0], lambda k: torch.exp(-self.nu * k**2 * t))]

    def parameters(self) -> dict[str, float]:
        return {"nu": self.nu, **super().parameters()}


class Wave1D(_TrigInitial):
    """:math:`u_{tt} = c^2 u_{xx}`, :math:`u_t(x, 0) = 0`; d'Alembert: :math:`(u_0(x-ct) + u_0(x+ct))/2`."""

    name = "wave"
    time_order = 2
    closed_form = "periodic"

    def __init__(self, speed: float = 1.0, length: float = 2 * math.pi, t_final: float = math.pi, **kw: Any) -> None:
        super().__init__(length, t_final, **kw)
        self.speed = _positive("speed", speed)

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        return [self.speed**2 * d(fields[0], 0, 2)]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return (-(self.speed**2) * np.asarray(k[0]) ** 2).astype(complex)

    def initial_velocity(self, coords: Sequence[torch.Tensor]) -> Fields:
        return [0 * coords[0]]

    def exact(self, coords: Sequence[torch.Tensor], t: torch.Tensor | float) -> Fields:
        shift = self.speed * torch.as_tensor(t, dtype=coords[0].dtype)
        return [0.5 * (self._trig(coords[0] - shift) + self._trig(coords[0] + shift))]

    def parameters(self) -> dict[str, float]:
        return {"speed": self.speed, **super().parameters()}


class SineGordon1D(PDEProblem):
    r""":math:`u_{tt} = u_{xx} - m \sin u` from the breather's initial data.

    The breather :math:`u = 4\arctan\big(\tfrac{\sqrt{1-w^2}}{w}\,
    \tfrac{\sin(w\sqrt m\,t)}{\cosh(\sqrt{1-w^2}\sqrt m\,x)}\big)`, ``0 < w < 1``, solves the
    equation on the line; on the box ``[-L/2, L/2)`` it is exact up to its tails,
    :math:`\sim 8\sqrt{1-w^2}/w\; e^{-\sqrt{(1-w^2) m}\,L/2}`. Linearisation: Klein-Gordon,
    :math:`\lambda = -(k^2 + m)`.
    """

    name = "sine_gordon"
    time_order = 2
    is_linear = False
    closed_form = "line"

    def __init__(self, mass: float = 1.0, frequency: float = 0.8, length: float = 30.0, t_final: float = 6.0) -> None:
        super().__init__((length,), (-length / 2,), t_final)
        self.mass = _positive("mass", mass)
        if not 0 < frequency < 1:
            raise InvalidParameterError(f"the breather frequency w must lie in (0, 1), got {frequency!r}")
        self.frequency = float(frequency)

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        return [d(fields[0], 0, 2) - self.mass * torch.sin(fields[0])]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return (-(np.asarray(k[0]) ** 2) - self.mass).astype(complex)

    def _breather(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        w, root_m = self.frequency, math.sqrt(self.mass)
        kappa = math.sqrt(1 - w**2)
        return 4 * torch.atan(kappa / w * torch.sin(w * root_m * t) / torch.cosh(kappa * root_m * x))

    def initial(self, coords: Sequence[torch.Tensor]) -> Fields:
        return [0 * coords[0]]

    def initial_velocity(self, coords: Sequence[torch.Tensor]) -> Fields:
        kappa, root_m = math.sqrt(1 - self.frequency**2), math.sqrt(self.mass)
        return [4 * kappa * root_m / torch.cosh(kappa * root_m * coords[0])]

    def exact(self, coords: Sequence[torch.Tensor], t: torch.Tensor | float) -> Fields:
        return [self._breather(coords[0], torch.as_tensor(t, dtype=coords[0].dtype))]

    def tail_size(self) -> float:
        """Size of the breather at the box edge, the error of :meth:`exact` on the periodic box."""
        kappa = math.sqrt((1 - self.frequency**2) * self.mass)
        return 8 * math.sqrt(1 - self.frequency**2) / self.frequency * math.exp(-kappa * self.lengths[0] / 2)

    def parameters(self) -> dict[str, float]:
        return {"mass": self.mass, "frequency": self.frequency, **super().parameters()}


class SineGordonPulse1D(PDEProblem):
    r""":math:`u_{tt} = u_{xx} - m \sin u` from a Gaussian pulse at rest: NeuSA's sine-Gordon benchmark.

    :math:`u_0 = e^{-x^2/2σ^2}/(\sqrt{2π}σ)`, :math:`u_t(0) = 0`, :math:`m = 10`, :math:`σ = 0.1`,
    box ``[-4, 4)``, ``t_final = 3`` (``klein_gordon_baseline_models.py`` in arthur-bizzi/neusa).
    NeuSA fixes ``u = 0`` at ``x = ±4``; here the box is periodic. The two agree while the
    solution stays ~0 at the edges: signals travel at speed at most 1, so by ``t = 3`` the pulse
    has spread to ``|x| <= 3 + 5σ``, short of the edges (checked in the tests). No closed form.
    Linearisation: Klein-Gordon, :math:`\lambda = -(k^2 + m)`.
    """

    name = "sine_gordon_pulse"
    time_order = 2
    is_linear = False

    def __init__(self, mass: float = 10.0, width: float = 0.1, length: float = 8.0, t_final: float = 3.0) -> None:
        super().__init__((length,), (-length / 2,), t_final)
        self.mass = _positive("mass", mass)
        self.width = _positive("width", width)

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        return [d(fields[0], 0, 2) - self.mass * torch.sin(fields[0])]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return (-(np.asarray(k[0]) ** 2) - self.mass).astype(complex)

    def initial(self, coords: Sequence[torch.Tensor]) -> Fields:
        x = coords[0]
        return [torch.exp(-(x**2) / (2 * self.width**2)) / (math.sqrt(2 * math.pi) * self.width)]

    def initial_velocity(self, coords: Sequence[torch.Tensor]) -> Fields:
        return [0 * coords[0]]

    def parameters(self) -> dict[str, float]:
        return {"mass": self.mass, "width": self.width, **super().parameters()}


class Burgers1D(PDEProblem):
    r""":math:`u_t = \nu u_{xx} - u u_x` on ``[-1, 1)``, :math:`u_0 = -\sin \pi x` (Raissi et al.; NeuSA).

    Closed form (Cole-Hopf): :math:`u = -2\nu\varphi_x/\varphi` with the heat solution
    :math:`\varphi = \sum_{n\ge0} c_n e^{-\nu n^2\pi^2 t}\cos n\pi x`, :math:`c_0 = I_0(a)`,
    :math:`c_n = 2(-1)^n I_n(a)`, :math:`a = 1/(2\pi\nu)` (modified Bessel functions, computed
    exponentially scaled), the series of :math:`\varphi_0 = e^{-a\cos\pi x}`. The series
    cancels down to :math:`\varphi_{min}/\varphi_{max} = e^{-2a}`, so in double precision it is
    used only for :math:`a \le` :attr:`MAX_COLE_HOPF_A` (:math:`\nu \gtrsim 0.02`, rounding error
    :math:`\lesssim 10^{-8}`); for smaller viscosity ``closed_form`` is ``None`` and the reference
    is the pseudo-spectral solve.
    """

    name = "burgers"
    is_linear = False
    #: Largest ``a = 1/(2 pi nu)`` for which the Cole-Hopf series is evaluated (``e^{2a} eps < 1e-8``).
    MAX_COLE_HOPF_A = 8.0

    def __init__(self, nu: float = 0.1 / math.pi, t_final: float = 1.0) -> None:
        super().__init__((2.0,), (-1.0,), t_final)
        self.nu = _positive("nu", nu)
        a = 1 / (2 * math.pi * self.nu)
        self.closed_form = "periodic" if a <= self.MAX_COLE_HOPF_A else None
        n = np.arange(0, int(10 * math.sqrt(a) + 40))
        scaled = special.ive(n, a)                                  # I_n(a) e^{-a}
        keep = scaled > 1e-17 * scaled[0]
        self._modes = n[keep]
        self._coefficients = np.where(self._modes == 0, 1.0, 2.0) * (-1.0) ** self._modes * scaled[keep]

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        u = fields[0]
        return [self.nu * d(u, 0, 2) - u * d(u, 0, 1)]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return (-self.nu * np.asarray(k[0]) ** 2).astype(complex)

    def initial(self, coords: Sequence[torch.Tensor]) -> Fields:
        return [-torch.sin(math.pi * coords[0])]

    def exact(self, coords: Sequence[torch.Tensor], t: torch.Tensor | float) -> Fields:
        if self.closed_form is None:
            return super().exact(coords, t)
        x = coords[0]
        t = torch.as_tensor(t, dtype=x.dtype)
        phi = 0 * x
        phi_x = 0 * x
        for n, c in zip(self._modes.tolist(), self._coefficients.tolist()):
            decay = c * torch.exp(-self.nu * (n * math.pi) ** 2 * t)
            phi = phi + decay * torch.cos(n * math.pi * x)
            phi_x = phi_x - decay * n * math.pi * torch.sin(n * math.pi * x)
        return [-2 * self.nu * phi_x / phi]

    def parameters(self) -> dict[str, float]:
        return {"nu": self.nu, **super().parameters()}


class Burgers2D(PDEProblem):
    r"""Viscous 2-D Burgers :math:`\mathbf u_t = \nu\Delta\mathbf u - (\mathbf u\cdot\nabla)\mathbf u`, NeuSA's setup.

    Box ``[0, 4)^2``, :math:`u_0 = \sin\pi x \sin\pi y`, :math:`v_0 = \cos\pi x \cos\pi y`,
    :math:`\nu = 0.01`, ``t_final = 1``. No closed form: the reference is a fine pseudo-spectral solve.
    """

    name = "burgers2d"
    components = 2
    is_linear = False

    def __init__(self, nu: float = 0.01, length: float = 4.0, t_final: float = 1.0) -> None:
        super().__init__((length, length), (0.0, 0.0), t_final)
        self.nu = _positive("nu", nu)

    def rhs(self, fields: Fields, d: Derivative) -> Fields:
        u, v = fields
        return [
            self.nu * (d(f, 0, 2) + d(f, 1, 2)) - u * d(f, 0, 1) - v * d(f, 1, 1) for f in (u, v)
        ]

    def linear_symbol(self, k: Sequence[np.ndarray]) -> np.ndarray:
        return (-self.nu * (np.asarray(k[0]) ** 2 + np.asarray(k[1]) ** 2)).astype(complex)

    def initial(self, coords: Sequence[torch.Tensor]) -> Fields:
        x, y = coords
        return [torch.sin(math.pi * x) * torch.sin(math.pi * y), torch.cos(math.pi * x) * torch.cos(math.pi * y)]

    def parameters(self) -> dict[str, float]:
        return {"nu": self.nu, **super().parameters()}


PROBLEMS: dict[str, type[PDEProblem]] = {
    cls.name: cls for cls in (Advection1D, Heat1D, Wave1D, SineGordon1D, SineGordonPulse1D, Burgers1D, Burgers2D)
}


def make_problem(name: str, **parameters: Any) -> PDEProblem:
    """Build the problem ``name`` (a key of :data:`PROBLEMS`) with keyword ``parameters``.

    Example:
        >>> make_problem("wave", speed=2.0).linear_symbol([np.array([1.0, 3.0])]).real.tolist()
        [-4.0, -36.0]
    """
    if name not in PROBLEMS:
        raise InvalidParameterError(f"unknown PDE problem {name!r}; choose one of {', '.join(PROBLEMS)}")
    try:
        return PROBLEMS[name](**parameters)
    except TypeError as exc:
        raise InvalidParameterError(f"bad parameters for the {name!r} problem: {exc}") from None
