"""Shot-based read-out of amplitude magnitudes and the shot budget for an error."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.errors import InvalidParameterError, InvalidStateError
from qspectral.quantum.readout import magnitude_readout_error, shots_for_error


def test_a_basis_state_is_read_without_error():
    assert magnitude_readout_error(np.eye(8)[3], 10, np.random.default_rng(0), repeats=5) == 0.0


def test_readout_error_matches_the_delta_method_for_a_uniform_state():
    """Uniform over N: E||sqrt(n/S) - |psi|||^2 ~ (N - 1) / (4 S) for S >> N."""
    n, shots = 16, 20_000
    error = magnitude_readout_error(np.full(n, n**-0.5), shots, np.random.default_rng(1), repeats=200)
    assert error**2 == pytest.approx((n - 1) / (4 * shots), rel=0.15)


def test_shot_budget_scales_as_inverse_square_of_the_error():
    rng = np.random.default_rng(2)
    psi = np.linspace(1, 2, 32)
    psi /= np.linalg.norm(psi)
    budget = shots_for_error(psi, 0.01, rng)
    assert budget.slope == pytest.approx(-0.5, abs=0.08)
    assert budget.constant**2 == pytest.approx((32 - 1) / 4, rel=0.2)
    assert budget.shots == int(np.ceil((budget.constant / 0.01) ** 2))
    checked = magnitude_readout_error(psi, budget.shots, rng, repeats=50)
    assert checked == pytest.approx(0.01, rel=0.15)


def test_readout_input_errors():
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidParameterError, match="shots must be a positive integer"):
        magnitude_readout_error(np.eye(4)[0], 0, rng)
    with pytest.raises(InvalidStateError, match="not normalised"):
        magnitude_readout_error(np.ones(4), 10, rng)
    with pytest.raises(InvalidParameterError, match="target_error must be a positive number"):
        shots_for_error(np.eye(4)[0], 0.0, rng)
    with pytest.raises(InvalidParameterError, match="at least two shot counts"):
        shots_for_error(np.eye(4)[0], 0.1, rng, shot_grid=(100,))
