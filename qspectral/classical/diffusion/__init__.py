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
and :mod:`qspectral.spectral.wiener`.

Example:
    >>> import numpy as np
    >>> from qspectral.spectral.stationary import power_law_spectrum
    >>> S = power_law_spectrum(16, 1.0)
    >>> H = ddim_transfer_function(S, cosine_schedule(1000))
    >>> bool(np.allclose(H ** 2, S, rtol=0.02))          # many steps: the sampler reproduces S
    True
"""

from qspectral.classical.diffusion.denoisers import (
    ConvDenoiser,
    Denoiser,
    GaussianDenoiser,
    LinearDenoiser,
    MLPDenoiser,
    circular_shift_augmentation,
    ddim_sample,
    train_denoiser,
)
from qspectral.classical.diffusion.linear_theory import (
    emergence_steps,
    generated_mode_variance,
    linear_denoiser_learning_curves,
)
from qspectral.classical.diffusion.schedules import (
    TRAIN_STEPS,
    check_schedule,
    cosine_schedule,
    linear_schedule,
    sigma_schedule,
)
from qspectral.classical.diffusion.transfer import (
    ScheduleDesign,
    ddim_noise_scales,
    ddim_step_gains,
    ddim_transfer_function,
    design_schedule,
    sampler_output_spectrum,
    vp_denoiser_gains,
)

__all__ = [
    "TRAIN_STEPS",
    "ConvDenoiser",
    "Denoiser",
    "GaussianDenoiser",
    "LinearDenoiser",
    "MLPDenoiser",
    "ScheduleDesign",
    "check_schedule",
    "circular_shift_augmentation",
    "cosine_schedule",
    "ddim_noise_scales",
    "ddim_sample",
    "ddim_step_gains",
    "ddim_transfer_function",
    "design_schedule",
    "emergence_steps",
    "generated_mode_variance",
    "linear_denoiser_learning_curves",
    "linear_schedule",
    "sampler_output_spectrum",
    "sigma_schedule",
    "train_denoiser",
    "vp_denoiser_gains",
]
