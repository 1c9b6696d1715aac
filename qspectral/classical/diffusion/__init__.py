r"""Diffusion models in the Fourier domain: schedules, the DDIM transfer function, denoisers, linear-denoiser theory.

Modules, one topic each:

* :mod:`~qspectral.classical.diffusion.schedules`: the noise convention (variance preserving,
  DDPM/DDIM) and the heuristic schedules (linear, cosine, EDM sigmas);
* :mod:`~qspectral.classical.diffusion.transfer`: DDIM with the exact Gaussian denoiser as a
  per-frequency filter (Benita, Elad & Keshet 2025), and schedules designed through it;
* :mod:`~qspectral.classical.diffusion.denoisers`: exact, linear, MLP and convolutional
  denoisers, their training, and the DDIM/DDPM sampler;
* :mod:`~qspectral.classical.diffusion.linear_theory`: the closed-form learning dynamics of a
  linear denoiser (Wang & Pehlevan 2025).

Spectra of stationary signals and the Wiener filter live in :mod:`qspectral.spectral.stationary`
and :mod:`qspectral.spectral.wiener`. Every name below is re-exported here and loads on first use.

Example:
    >>> import numpy as np
    >>> from qspectral.classical.diffusion import cosine_schedule, ddim_transfer_function
    >>> from qspectral.spectral.stationary import power_law_spectrum
    >>> S = power_law_spectrum(16, 1.0)
    >>> H = ddim_transfer_function(S, cosine_schedule(1000))
    >>> bool(np.allclose(H ** 2, S, rtol=0.02))          # many steps: the sampler reproduces S
    True
"""

from qspectral._lazy import attach, exports

_LAZY = exports({
    "qspectral.classical.diffusion.schedules": (
        "TRAIN_STEPS", "check_schedule", "cosine_schedule", "linear_schedule", "sigma_schedule",
    ),
    "qspectral.classical.diffusion.transfer": (
        "ScheduleDesign", "ddim_noise_scales", "ddim_step_gains", "ddim_transfer_function", "design_schedule",
        "sampler_output_spectrum", "vp_denoiser_gains",
    ),
    "qspectral.classical.diffusion.denoisers": (
        "ConvDenoiser", "Denoiser", "GaussianDenoiser", "LinearDenoiser", "MLPDenoiser",
        "circular_shift_augmentation", "ddim_sample", "train_denoiser",
    ),
    "qspectral.classical.diffusion.linear_theory": (
        "emergence_steps", "generated_mode_variance", "linear_denoiser_learning_curves",
    ),
})
__getattr__, __dir__ = attach(__name__, _LAZY)
__all__ = sorted(_LAZY)
