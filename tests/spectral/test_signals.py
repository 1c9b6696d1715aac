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
    random_phases,
    shift_phases,
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


def test_shift_phases_put_the_flat_spectrum_peak_at_the_shift():
    n = 16
    amplitudes = np.ones(n)
    amplitudes[0] = 0.0  # zero mean: x_j = delta_{j,s} - 1/n
    shifts = np.array([0, 3, 15])
    x = fourier_signals(amplitudes, shift_phases(n, shifts))
    expected = np.stack([np.eye(n)[s] - 1 / n for s in shifts])
    assert np.allclose(x, expected, atol=1e-12)


def test_shifted_peak_of_a_power_law_is_the_rolled_unshifted_one():
    n, beta = 32, 2.0
    a = power_law_amplitudes(n, beta)
    base = np.fft.ifft(a).real
    x = fourier_signals(a, shift_phases(n, np.array([7])))
    assert np.allclose(x[0], np.roll(base, 7), atol=1e-12)


def test_jitter_adds_hermitian_gaussian_phase_noise():
    n = 64
    rng = np.random.default_rng(3)
    clean = shift_phases(n, np.zeros(3000, dtype=int))
    noisy = shift_phases(n, np.zeros(3000, dtype=int), jitter=0.3, rng=rng)
    noise = np.angle(np.exp(1j * (noisy - clean)))
    assert np.allclose(noise[:, 1:n // 2], -noise[:, n - 1 : n // 2 : -1])
    assert noise[:, 1 : n // 2].std() == pytest.approx(0.3, rel=0.02)
    fourier_signals(np.ones(n), noisy)  # still a real signal's spectrum


@pytest.mark.parametrize("beta", [0.0, 2.0])
def test_amplitude_task_classes_differ_only_in_their_power_spectrum(beta):
    n, contrast = 16, 1.0
    task = SpectralTask("amplitude", n, beta=beta, contrast=contrast)
    labels = np.array([0, 1] * 50)
    x = task.sample(labels, np.random.default_rng(4))
    amp = np.abs(np.fft.fft(x))
    k = np.abs(np.fft.fftfreq(n, 1 / n))[1:]
    for label, exponent in ((0, beta + contrast / 2), (1, beta - contrast / 2)):
        power = amp[labels == label][:, 1:] ** 2
        assert np.allclose(power * k**exponent, power[:, :1])  # P_k ~ k^-exponent in every signal
    assert np.allclose((x**2).sum(axis=1), n)
    # phases random in both classes
    phases = np.angle(np.fft.fft(x))[:, 1 : n // 2]
    assert np.abs(np.exp(1j * phases).mean(axis=0)).max() < 0.35


def test_phase_task_classes_share_amplitudes_and_class_one_has_linear_phases():
    n = 16
    task = SpectralTask("phase", n, beta=1.0)
    labels = np.array([0, 1] * 40)
    x = task.sample(labels, np.random.default_rng(5))
    spectrum = np.fft.fft(x)
    assert np.allclose(np.abs(spectrum), power_law_amplitudes(n, 1.0), atol=1e-12)
    k = np.fft.fftfreq(n, 1 / n)
    for row in x[labels == 1]:
        s = int(np.argmax(row))  # the peak
        assert np.allclose(np.fft.fft(row), np.abs(np.fft.fft(row)) * np.exp(-2j * np.pi * k * s / n), atol=1e-10)


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
    with pytest.raises(InvalidSignalError, match="integers"):
        shift_phases(8, np.array([0.5]))
    with pytest.raises(InvalidSignalError, match="needs a random generator"):
        shift_phases(8, np.array([1]), jitter=0.1)
    with pytest.raises(InvalidSignalError, match="non-negative"):
        SpectralTask("phase", 8, jitter=-1.0)
