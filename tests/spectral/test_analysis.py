"""Spectral analysis against closed forms: sinusoid peaks, Parseval, exact power laws, synthetic curves."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from qspectral.errors import InvalidSignalError
from qspectral.spectral.analysis import (
    SpectralTracker,
    combine_amplitude_phase,
    convergence_steps,
    fit_power_law,
    frequency_errors,
    power_spectrum_2d,
    radial_average,
    spearman_rho,
    spectrum_1d,
    split_amplitude_phase,
    swap_amplitude_phase,
)


@pytest.mark.parametrize("n", [64, 65])
def test_a_sinusoid_has_one_peak_of_its_amplitude(n):
    x = np.arange(n) / n
    freqs, amp = spectrum_1d(2.5 * np.sin(2 * np.pi * 7 * x + 0.3))
    assert freqs[7] == 7
    assert amp[7] == pytest.approx(2.5, abs=1e-12)
    assert np.max(np.delete(amp, 7)) < 1e-12


def test_spectrum_frequencies_follow_the_period():
    x = 2.0 * np.arange(32) / 32  # two units long
    freqs, amp = spectrum_1d(np.cos(2 * np.pi * 3 * x / 2.0), period=2.0)
    assert freqs[np.argmax(amp)] == pytest.approx(1.5)  # 3 cycles per period of 2 = 1.5 per unit


@pytest.mark.parametrize("n", [50, 51])
def test_parseval_for_one_sided_amplitudes(rng, n):
    f = rng.normal(size=n)
    _, a = spectrum_1d(f)
    if n % 2 == 0:
        energy = a[0] ** 2 + np.sum(a[1:-1] ** 2) / 2 + a[-1] ** 2
    else:
        energy = a[0] ** 2 + np.sum(a[1:] ** 2) / 2
    assert energy == pytest.approx(np.mean(f**2), rel=1e-12)


def test_spectrum_works_on_a_batch(rng):
    batch = rng.normal(size=(3, 16))
    _, amp = spectrum_1d(batch)
    for row, out in zip(batch, amp):
        assert np.allclose(out, spectrum_1d(row)[1])


@pytest.mark.parametrize(
    "bad, message",
    [(np.ones(8, complex), "must be real"), (np.ones(1), "at least 2 samples"), (np.array([1.0, np.nan]), "NaN")],
)
def test_spectrum_rejects_bad_samples(bad, message):
    with pytest.raises(InvalidSignalError, match=message):
        spectrum_1d(bad)


def test_spectrum_rejects_a_bad_period():
    with pytest.raises(InvalidSignalError, match="period must be a positive"):
        spectrum_1d(np.ones(4), period=0)


def test_power_spectrum_2d_of_a_plane_wave():
    h, w = 16, 20
    y, x = np.meshgrid(np.arange(h) / h, np.arange(w) / w, indexing="ij")
    fy, fx, power = power_spectrum_2d(np.cos(2 * np.pi * (3 * y + 4 * x)))
    peaks = {(fy[i], fx[j]) for i, j in zip(*np.nonzero(power > 1e-12))}
    assert peaks == {(3.0, 4.0), (-3.0, -4.0)}
    assert power[power > 1e-12] == pytest.approx([0.25, 0.25])
    assert power.sum() == pytest.approx(0.5)  # Parseval: mean of cos^2


def test_radial_average_puts_a_plane_wave_on_its_ring():
    n = 16
    y, x = np.meshgrid(np.arange(n) / n, np.arange(n) / n, indexing="ij")
    _, _, power = power_spectrum_2d(np.cos(2 * np.pi * (3 * y + 4 * x)))  # |k| = 5
    radii, profile = radial_average(power)
    ring5 = sum(
        1 for i in range(n) for j in range(n) if round(((i - n // 2) ** 2 + (j - n // 2) ** 2) ** 0.5) == 5
    )
    assert profile[5] == pytest.approx(0.5 / ring5)
    assert np.allclose(np.delete(profile, 5), 0, atol=1e-14)
    assert radii[5] == 5


def test_2d_functions_reject_non_images():
    with pytest.raises(InvalidSignalError, match="2-D"):
        power_spectrum_2d(np.ones(8))
    with pytest.raises(InvalidSignalError, match="2-D"):
        radial_average(np.ones((2, 2, 2)))


def test_frequency_errors_closed_forms():
    x = np.arange(64) / 64
    target = np.sin(2 * np.pi * 2 * x) + 0.5 * np.sin(2 * np.pi * 5 * x)
    scaled = 1.2 * np.sin(2 * np.pi * 2 * x) + 0.5 * np.sin(2 * np.pi * 5 * x + 0.7)
    errors = frequency_errors(scaled, target, [2, 5])
    assert errors[0] == pytest.approx(0.2)  # amplitude off by 20 %
    assert errors[1] == pytest.approx(2 * np.sin(0.35))  # |exp(0.7 i) - 1|


def test_frequency_errors_reject_bad_frequencies():
    x = np.arange(16) / 16
    target = np.sin(2 * np.pi * x)
    with pytest.raises(InvalidSignalError, match="whole numbers of cycles"):
        frequency_errors(target, target, [1.5])
    with pytest.raises(InvalidSignalError, match="Nyquist"):
        frequency_errors(target, target, [8])
    with pytest.raises(InvalidSignalError, match="no component"):
        frequency_errors(target, target, [2])
    with pytest.raises(InvalidSignalError, match="same grid"):
        frequency_errors(target[:8], target, [1])
    with pytest.raises(InvalidSignalError, match="empty"):
        frequency_errors(target, target, [])


def test_convergence_steps_of_exponential_decays():
    steps = np.arange(0, 200, 5)
    taus = np.array([10.0, 20.0, 40.0, 1e9])
    errors = np.exp(-steps[:, None] / taus)
    threshold = 0.1
    expected = [steps[np.argmax(np.exp(-steps / tau) < threshold)] for tau in taus[:3]]  # first step below
    got = convergence_steps(steps, errors, threshold)
    assert got[:3].tolist() == expected
    assert np.isnan(got[3])


def test_convergence_waits_for_the_last_excursion_above_threshold():
    got = convergence_steps([0, 1, 2, 3, 4], [0.5, 0.01, 0.02, 0.3, 0.05], 0.1)
    assert got.tolist() == [4.0]


@pytest.mark.parametrize(
    "steps, errors, threshold, message",
    [([0, 1], [[0.1], [0.2], [0.3]], 0.1, "shape"), ([1, 0], [0.1, 0.2], 0.1, "increasing"),
     ([0, 1], [0.1, 0.2], 0.0, "threshold must be positive")],
)
def test_convergence_steps_rejects_bad_input(steps, errors, threshold, message):
    with pytest.raises(InvalidSignalError, match=message):
        convergence_steps(steps, errors, threshold)


def test_spearman_matches_scipy_and_ranks_nan_last(rng):
    x, y = rng.normal(size=12), rng.normal(size=12)
    assert spearman_rho(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert spearman_rho([1, 2, 3], [float("nan"), 1, 2]) == pytest.approx(-0.5)
    assert spearman_rho([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert np.isnan(spearman_rho([1, 2, 3], [5, 5, 5]))
    with pytest.raises(InvalidSignalError, match="same length"):
        spearman_rho([1, 2], [1, 2, 3])


def test_power_law_fit_recovers_an_exact_law():
    x = np.array([1.0, 2, 5, 10, 50])
    fit = fit_power_law(x, 4.0 * x**-1.5)
    assert fit.exponent == pytest.approx(-1.5, abs=1e-12)
    assert fit.prefactor == pytest.approx(4.0, rel=1e-12)
    assert fit.r_squared == pytest.approx(1.0)


def test_power_law_interval_covers_the_true_exponent(rng):
    x = np.geomspace(1, 100, 30)
    y = 2.0 * x**0.7 * np.exp(rng.normal(scale=0.05, size=x.size))
    fit = fit_power_law(x, y, confidence=0.99)
    slope = np.polyfit(np.log(x), np.log(y), 1)[0]  # independent least squares
    assert fit.exponent == pytest.approx(slope, abs=1e-10)
    assert fit.exponent_interval[0] < 0.7 < fit.exponent_interval[1]
    assert fit.prefactor_interval[0] < 2.0 < fit.prefactor_interval[1]


@pytest.mark.parametrize(
    "x, y, message",
    [([1, 2], [1, 2], "at least 3"), ([1, 2, 3], [1, 0, 2], "positive"), ([1, 2, 3], [1, 2, np.nan], "positive")],
)
def test_power_law_rejects_bad_data(x, y, message):
    with pytest.raises(InvalidSignalError, match=message):
        fit_power_law(x, y)


def test_amplitude_phase_split_round_trips_and_swaps(rng):
    a, b = rng.normal(size=(8, 8)), rng.normal(size=(8, 8))
    assert np.allclose(combine_amplitude_phase(*split_amplitude_phase(a)), a)
    ab, ba = swap_amplitude_phase(a, b)
    assert np.allclose(np.abs(np.fft.fft2(ab)), np.abs(np.fft.fft2(a)))
    assert np.allclose(np.abs(np.fft.fft2(ba)), np.abs(np.fft.fft2(b)))
    phase_diff = np.angle(np.fft.fft2(ab) * np.conj(np.fft.fft2(b)))
    assert np.allclose(phase_diff, 0, atol=1e-9)


def test_amplitude_phase_on_chosen_axes(rng):
    batch = rng.normal(size=(3, 16))
    amp, _ = split_amplitude_phase(batch, axes=[-1])
    assert np.allclose(amp, np.abs(np.fft.fft(batch, axis=-1)))


def test_amplitude_phase_shape_errors():
    with pytest.raises(InvalidSignalError, match="must match"):
        combine_amplitude_phase(np.ones(4), np.ones(5))
    with pytest.raises(InvalidSignalError, match="must match"):
        swap_amplitude_phase(np.ones(4), np.ones(5))


def test_tracker_records_a_torch_model_at_chosen_steps():
    x = torch.arange(32, dtype=torch.float64) / 32
    target = (torch.sin(2 * torch.pi * x) + torch.sin(2 * torch.pi * 4 * x)).numpy()
    tracker = SpectralTracker(x, target, [1, 4], steps=[0, 10])

    class HalfOf(torch.nn.Module):  # a real module: scales the target's k=4 term
        def __init__(self, factor):
            super().__init__()
            self.factor = torch.nn.Parameter(torch.tensor(factor, dtype=torch.float64))

        def forward(self, t):
            return torch.sin(2 * torch.pi * t) + self.factor * torch.sin(2 * torch.pi * 4 * t)

    assert tracker.record(0, HalfOf(0.5)) is True
    assert tracker.record(5, HalfOf(0.9)) is False  # not a chosen step
    assert tracker.record(10, HalfOf(1.0)) is True
    assert tracker.steps.tolist() == [0, 10]
    assert np.allclose(tracker.errors, [[0, 0.5], [0, 0]], atol=1e-12)
    assert tracker.convergence_steps(0.1).tolist() == [0.0, 10.0]


def test_tracker_errors():
    x = np.arange(16) / 16
    target = np.sin(2 * np.pi * x)
    with pytest.raises(InvalidSignalError, match="Nyquist"):
        SpectralTracker(x, target, [9])
    tracker = SpectralTracker(x, target, [1])
    with pytest.raises(InvalidSignalError, match="nothing recorded"):
        tracker.convergence_steps(0.1)
    tracker.record(3, lambda t: target)
    with pytest.raises(InvalidSignalError, match="record in order"):
        tracker.record(2, lambda t: target)
