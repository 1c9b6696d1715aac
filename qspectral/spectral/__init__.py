"""Spectral measurement of signals and models: spectra, per-frequency errors, trackers, losses.

Imports neither :mod:`qspectral.quantum` nor :mod:`qspectral.classical`: any callable model can be
measured. Modules: :mod:`~qspectral.spectral.analysis` (spectra, per-frequency errors, trackers,
power laws), :mod:`~qspectral.spectral.distributions` (target distributions and their distances),
:mod:`~qspectral.spectral.signals` (synthetic spectral tasks), :mod:`~qspectral.spectral.losses`
(Fourier-domain training losses), :mod:`~qspectral.spectral.stationary` (stationary Gaussian
signals: power spectra, sampling, estimation), :mod:`~qspectral.spectral.wiener` (the Wiener
filter). Every name below is re-exported here; they load on first use (the torch-based ones need
torch, the statistics need scipy.stats).

Example:
    >>> import numpy as np
    >>> from qspectral import spectral
    >>> frequencies, amplitudes = spectral.spectrum_1d(np.cos(2 * np.pi * 3 * np.arange(16) / 16))
    >>> int(np.argmax(amplitudes)), round(float(amplitudes.max()), 12)      # a cosine at frequency 3
    (3, 1.0)
"""

from qspectral._lazy import attach, exports

_LAZY = exports({
    "qspectral.spectral.analysis": (
        "PowerLawFit", "SpectralTracker", "combine_amplitude_phase", "concordance_index", "convergence_steps",
        "fit_power_law", "paired_effect",
        "frequency_errors", "power_spectrum_2d", "radial_average", "spearman_rho", "spectrum_1d",
        "split_amplitude_phase", "swap_amplitude_phase",
    ),
    "qspectral.spectral.distributions": (
        "binomial_interval", "gaussian_mixture_pmf", "kl_divergence", "mmd", "student_t_pmf",
    ),
    "qspectral.spectral.signals": (
        "TASKS", "SpectralTask", "fourier_signals", "frequency_magnitudes", "power_law_amplitudes",
        "coloured", "hidden_direction", "random_phases", "spiked_cumulant",
    ),
    "qspectral.spectral.losses": ("fourier_loss", "high_frequency_penalty", "high_frequency_weights"),
    "qspectral.spectral.stationary": (
        "empirical_spectrum", "gaussian_frechet_distance", "log_spectral_distance", "power_law_spectrum", "real_fourier_basis", "sample_stationary",
    ),
    "qspectral.spectral.wiener": ("wiener_filter", "wiener_gains"),
})
__getattr__, __dir__ = attach(__name__, _LAZY)
__all__ = sorted(_LAZY)
