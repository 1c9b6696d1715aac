"""Diffusion in the Fourier domain: four registered experiments, one module each.

* :mod:`~qspectral.experiments.diffusion.denoiser_bias`: ``denoiser-spectral-bias`` (Wang & Pehlevan).
* :mod:`~qspectral.experiments.diffusion.schedules`: ``schedule-design`` (Benita, Elad & Keshet).
* :mod:`~qspectral.experiments.diffusion.self_diffusion`: ``self-diffusion`` (Luo et al.).
* :mod:`~qspectral.experiments.diffusion.qft_wiener`: ``qft-wiener-filter`` (the quantum counterpart).

The library side lives in :mod:`qspectral.classical.diffusion` and :mod:`qspectral.classical.inverse`.
"""
