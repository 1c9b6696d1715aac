"""Fourier-built signals and the amplitude/phase tasks, checked with numpy.fft and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.errors import InvalidSignalError
from qspectral.spectral.signals import (
    SpectralTask,
    fourier_signals,
    frequency_magnitudes,
    power_law_amplitudes,
    coloured,
    hidden_direction,
    random_phases,
    spiked_cumulant,
)


@pytest.mark.parametrize("n", [8, 9, 16])
def test_fourier_signals_have_the_requested_spectrum(n):
    rng = np.random.default_rng(0)
    amplitudes = power_law_amplitudes(n, 1.5)
    phases = random_phases(n, 5, rng)
    x = fourier_signals(amplitudes, phases)
    assert x.dtype == np.float64 and x.shape == (5, n)
    assert np.allclose(np.fft.fft(x), amplitudes * np.exp(1j * phases), atol=1e-12)


@pytest.mark.parametrize("beta", [0.0, 1.0, 2.0])
def test_power_law_amplitudes_follow_k_to_the_minus_beta(beta):
    n = 32
    a = power_law_amplitudes(n, beta)
    k = np.abs(np.fft.fftfreq(n, 1 / n))
    power = a**2
    assert power[0] == 0.0
    assert np.allclose(power[1:] * k[1:] ** beta, power[1] * 1.0)  # P_k k^beta constant
    assert np.isclose(power.sum(), n**2)
    assert np.allclose((fourier_signals(a, random_phases(n, 3, np.random.default_rng(1))) ** 2).sum(axis=1), n)


def test_frequency_magnitudes_match_numpy():
    assert np.array_equal(frequency_magnitudes(10), np.abs(np.fft.fftfreq(10, 1 / 10)).astype(int))


def test_random_phases_are_hermitian_and_uniform():
    n = 16
    phases = random_phases(n, 4000, np.random.default_rng(2))
    assert np.all(phases[:, 0] == 0)
    assert set(np.unique(phases[:, n // 2])) == {0.0, np.pi}
    assert np.allclose(phases[:, 1 : n // 2], -phases[:, n - 1 : n // 2 : -1])
    # uniform on the circle: |mean exp(i phi)| ~ 1/sqrt(4000) per frequency
    assert np.abs(np.exp(1j * phases[:, 1 : n // 2]).mean(axis=0)).max() < 0.06


def _median_accuracy(stat0, stat1):
    """Accuracy of the better direction of a threshold at the pooled median of a scalar statistic."""
    threshold = np.median(np.concatenate([stat0, stat1]))
    accuracy = 0.5 * (np.mean(stat0 <= threshold) + np.mean(stat1 > threshold))
    return max(accuracy, 1 - accuracy)


@pytest.mark.parametrize("beta", [0.0, 2.0])
def test_no_direction_free_statistic_separates_the_phase_classes(beta):
    """max(x), sum x^4 and every power-spectrum bin are at chance; the hidden direction is not."""
    n, m = 32, 20_000
    task = SpectralTask("phase", n, beta=beta)
    rng = np.random.default_rng(11)
    x0, x1 = task.sample(np.zeros(m, dtype=int), rng), task.sample(np.ones(m, dtype=int), rng)
    chance = 0.5 + 5 * 0.5 / np.sqrt(2 * m)  # five standard errors of an accuracy on 2m signals
    for stat in (lambda x: x.max(axis=1), lambda x: (x**4).sum(axis=1), lambda x: (x**2).sum(axis=1)):
        assert _median_accuracy(stat(x0), stat(x1)) < chance
    p0, p1 = np.abs(np.fft.fft(x0)) ** 2, np.abs(np.fft.fft(x1)) ** 2
    assert max(_median_accuracy(p0[:, k], p1[:, k]) for k in range(1, n // 2 + 1)) < chance
    # whitened back and projected on the hidden direction, the classes separate (the test can fail)
    amplitudes = task.amplitudes(0)
    inverse = np.where(amplitudes > 0, 1 / np.where(amplitudes > 0, amplitudes, 1), 0.0)
    u = hidden_direction(n, task.direction_seed)
    oracle = [np.abs(np.abs(coloured(x, inverse * n) @ u) - 1) for x in (x0, x1)]  # class 1: +-1 along u
    assert _median_accuracy(*oracle) > 0.75


def test_spiked_cumulant_signals_are_white_with_the_stated_fourth_cumulant():
    n, m, snr = 16, 200_000, 2.0
    u = hidden_direction(n, 4)
    w = spiked_cumulant(n, m, u, snr, np.random.default_rng(12))
    assert np.allclose(np.cov(w, rowvar=False), np.eye(n), atol=0.015)
    projection = w @ u
    kurtosis = np.mean(projection**4) - 3 * np.mean(projection**2) ** 2
    assert kurtosis == pytest.approx(-2 * snr**4 / (1 + snr**2) ** 2, abs=0.03)
    other = hidden_direction(n, 5)
    other = other - (other @ u) * u
    other /= np.linalg.norm(other)
    assert np.mean((w @ other) ** 4) == pytest.approx(3.0, abs=0.05)  # Gaussian off the hidden direction


def test_phase_task_classes_have_the_same_covariance():
    n, m = 8, 40_000
    task = SpectralTask("phase", n, beta=0.0)
    rng = np.random.default_rng(6)
    cov0 = np.cov(task.sample(np.zeros(m, dtype=int), rng), rowvar=False)
    cov1 = np.cov(task.sample(np.ones(m, dtype=int), rng), rowvar=False)
    # Wiener-Khinchin: E x_i x_j = ifft(A**2)_{i-j} / n
    circulant = np.real(np.fft.ifft(power_law_amplitudes(n, 0.0) ** 2)) / n
    expected = np.array([[circulant[(i - j) % n] for j in range(n)] for i in range(n)])
    assert np.allclose(cov0, expected, atol=0.03) and np.allclose(cov1, expected, atol=0.03)


def test_bad_inputs_are_explained():
    with pytest.raises(InvalidSignalError, match="not Hermitian"):
        fourier_signals(np.ones(8), np.full(8, 0.3))
    with pytest.raises(InvalidSignalError, match="integer >= 4"):
        power_law_amplitudes(2, 0.0)
    with pytest.raises(InvalidSignalError, match="unknown task"):
        SpectralTask("texture", 8)
    with pytest.raises(InvalidSignalError, match="contrast must be positive"):
        SpectralTask("amplitude", 8, contrast=0.0)
    with pytest.raises(InvalidSignalError, match="labels must be"):
        SpectralTask("phase", 8).sample(np.array([0, 2]), np.random.default_rng(0))
    with pytest.raises(InvalidSignalError, match="snr must be a positive"):
        SpectralTask("phase", 8, snr=0.0)
    with pytest.raises(InvalidSignalError, match="unit vector of length 8"):
        spiked_cumulant(8, 3, np.ones(8), 1.0, np.random.default_rng(0))
