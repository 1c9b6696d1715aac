"""Discretised distributions, KL, MMD and binomial intervals against integrals and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from qspectral.errors import InvalidSignalError
from qspectral.spectral.distributions import (
    binomial_interval,
    gaussian_mixture_pmf,
    kl_divergence,
    mmd,
    student_t_pmf,
)


def test_gaussian_mixture_matches_numerical_integration_over_bins():
    n, means, stds, weights = 16, [0.3, 0.7], [0.05, 0.1], [0.25, 0.75]

    def density(x):
        return sum(w * np.exp(-((x - m) ** 2) / (2 * s**2)) / (s * np.sqrt(2 * np.pi))
                   for m, s, w in zip(means, stds, weights))

    mass = np.array([integrate.quad(density, j / n, (j + 1) / n)[0] for j in range(n)])
    assert np.allclose(gaussian_mixture_pmf(n, means, stds, weights), mass / mass.sum(), atol=1e-10)


def test_cauchy_matches_the_arctan_closed_form():
    n, loc, scale = 32, 0.35, 0.04
    edges = np.arange(n + 1) / n
    mass = np.diff(np.arctan((edges - loc) / scale))  # Cauchy CDF up to constants
    assert np.allclose(student_t_pmf(n, loc, scale, df=1.0), mass / mass.sum(), atol=1e-12)


def test_kl_divergence_closed_forms():
    assert kl_divergence([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.5 * np.log(0.5 / 0.9) + 0.5 * np.log(5))
    assert kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(np.log(2))  # 0 log 0 = 0
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == float("inf")


def test_mmd_of_point_masses_and_its_symmetry():
    sigma = 0.1
    p, q = np.eye(4)[0], np.eye(4)[3]  # bin centres 1/8 and 7/8
    gap = 0.75
    assert mmd(p, q, [sigma]) == pytest.approx(np.sqrt(2 - 2 * np.exp(-gap**2 / (2 * sigma**2))))
    rng = np.random.default_rng(0)
    a, b = rng.dirichlet(np.ones(8)), rng.dirichlet(np.ones(8))
    assert mmd(a, b) == pytest.approx(mmd(b, a)) and mmd(a, a) == 0.0
    # averaged kernel: MMD^2 is the mean of the single-bandwidth MMD^2 values
    assert mmd(a, b, [0.05, 0.3]) ** 2 == pytest.approx((mmd(a, b, [0.05]) ** 2 + mmd(a, b, [0.3]) ** 2) / 2)


def test_clopper_pearson_closed_forms():
    low, high = binomial_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 10))
    low, high = binomial_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 10))


def test_bad_inputs_are_explained():
    with pytest.raises(InvalidSignalError, match="sum to 1"):
        kl_divergence([0.5, 0.6], [0.5, 0.5])
    with pytest.raises(InvalidSignalError, match="bins but q has"):
        mmd([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(InvalidSignalError, match="one entry per component"):
        gaussian_mixture_pmf(8, [0.5], [0.1, 0.2], [1.0])
    with pytest.raises(InvalidSignalError, match="no mass"):
        gaussian_mixture_pmf(8, [40.0], [0.01], [1.0])
    with pytest.raises(InvalidSignalError, match="scale and df"):
        student_t_pmf(8, 0.5, -0.1, 1.0)
    with pytest.raises(InvalidSignalError, match="successes <= trials"):
        binomial_interval(11, 10)
    with pytest.raises(InvalidSignalError, match="bandwidths"):
        mmd([0.5, 0.5], [0.5, 0.5], [0.0])
