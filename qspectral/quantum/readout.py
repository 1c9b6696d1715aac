r"""Reading a solution out of a state with shots: magnitudes from counts and the shots an error needs.

Measuring ``n`` qubits in the computational basis ``S`` times gives counts ``n_j`` with
:math:`E[n_j/S] = |\psi_j|^2` (Born rule). For a state whose amplitudes are a non-negative field
(a positive solution, amplitude-encoded), :math:`\sqrt{n_j/S}` estimates :math:`|\psi_j|` and so
the field up to its norm; its L2 error falls as :math:`C/\sqrt S`. (A signed or complex field needs
more than one measurement basis; the magnitude estimate is then a lower bound on the cost.)

:func:`magnitude_readout_error` draws the counts (numpy's multinomial, a seeded generator) and
returns that error; :func:`shots_for_error` fits :math:`C` over a range of shot counts and returns
the shots for a target error, :math:`S = (C/\varepsilon)^2`. For ``N`` amplitudes, none of them
tiny, the delta method gives :math:`C^2 \approx (N-1)/4`.

Example:
    >>> import numpy as np
    >>> psi = np.full(16, 0.25)                                     # uniform state
    >>> budget = shots_for_error(psi, 0.01, np.random.default_rng(0))
    >>> 0.7 < budget.constant ** 2 / ((16 - 1) / 4) < 1.3          # close to the delta method
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qspectral.conventions import validate_state
from qspectral.errors import InvalidParameterError
from qspectral.validation import positive_int


def magnitude_readout_error(
    state: np.ndarray, shots: int, rng: np.random.Generator, *, repeats: int = 1
) -> float:
    r"""Root-mean-square over ``repeats`` of :math:`\|\sqrt{n/S} - |\psi|\|_2` for ``S = shots`` samples.

    ``state`` is a normalised statevector (any simulator's output); the counts are drawn from
    :math:`|\psi|^2` with ``rng``.

    Example:
        >>> import numpy as np
        >>> magnitude_readout_error(np.array([1.0, 0.0]), 100, np.random.default_rng(0))
        0.0
    """
    psi = validate_state(state, atol=1e-6)
    shots = positive_int("shots", shots)
    probabilities = np.abs(psi) ** 2
    probabilities /= probabilities.sum()
    magnitudes = np.abs(psi)
    errors = [
        np.sum((np.sqrt(rng.multinomial(shots, probabilities) / shots) - magnitudes) ** 2)
        for _ in range(positive_int("shots", repeats))
    ]
    return float(np.sqrt(np.mean(errors)))


@dataclass(frozen=True)
class ShotBudget:
    """Shots needed to read a state's magnitudes to an L2 error (see :func:`shots_for_error`)."""

    target_error: float
    shots: int
    constant: float
    slope: float
    shot_grid: tuple[int, ...]
    errors: tuple[float, ...]


def shots_for_error(
    state: np.ndarray,
    target_error: float,
    rng: np.random.Generator,
    *,
    shot_grid: Sequence[int] = (1_000, 10_000, 100_000, 1_000_000),
    repeats: int = 20,
) -> ShotBudget:
    r"""Shots ``S`` with :math:`\|\sqrt{n/S} - |\psi|\|_2 \approx` ``target_error``, from sampled errors.

    The error is measured (:func:`magnitude_readout_error`, ``repeats`` draws) at each shot count
    of ``shot_grid``; ``constant`` is the log-space least-squares :math:`C` of :math:`C/\sqrt S`
    (the geometric mean of ``error * sqrt(S)``), ``slope`` the free log-log slope (about ``-0.5``
    once ``S`` is well above the number of amplitudes), and ``shots = ceil((C/target_error)**2)``.

    Raises:
        InvalidParameterError: ``target_error`` not positive, or a bad shot count.

    Example:
        >>> import numpy as np
        >>> shots_for_error(np.array([0.6, 0.8]), 0.05, np.random.default_rng(1)).shots < 1000
        True
    """
    if not np.isfinite(target_error) or target_error <= 0:
        raise InvalidParameterError(f"target_error must be a positive number, got {target_error!r}")
    grid = tuple(positive_int("shots", s) for s in shot_grid)
    if len(grid) < 2:
        raise InvalidParameterError("shot_grid needs at least two shot counts to fit the error's decay")
    errors = np.array([magnitude_readout_error(state, s, rng, repeats=repeats) for s in grid])
    shots = np.array(grid, dtype=np.float64)
    positive = errors > 0
    if positive.sum() < 2:  # (nearly) a basis state: read without error
        return ShotBudget(float(target_error), 1, 0.0, float("nan"), grid, tuple(float(e) for e in errors))
    scaled = np.log(errors[positive]) + 0.5 * np.log(shots[positive])
    constant = float(np.exp(scaled.mean()))
    slope = float(np.polyfit(np.log(shots[positive]), np.log(errors[positive]), 1)[0])
    return ShotBudget(
        target_error=float(target_error),
        shots=int(np.ceil((constant / target_error) ** 2)),
        constant=constant,
        slope=slope,
        shot_grid=grid,
        errors=tuple(float(e) for e in errors),
    )
