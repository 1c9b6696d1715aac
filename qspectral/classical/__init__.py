"""Classical torch models whose spectral behaviour qspectral measures.

Modules: :mod:`~qspectral.classical.nets` (MLPs, Fourier features, multi-grade nets),
:mod:`~qspectral.classical.convnets` (1-D/2-D conv nets, U-Net), :mod:`~qspectral.classical.diffusion`
(diffusion models in the Fourier domain), :mod:`~qspectral.classical.inverse` (compressed sensing,
inpainting, denoising; sparse recovery and deep priors), :mod:`~qspectral.classical.pde_problems`
and :mod:`~qspectral.classical.pde_reference` (periodic PDEs and their reference solutions),
:mod:`~qspectral.classical.pinn` (the MLP PINN), :mod:`~qspectral.classical.spectral_ode` (the
spectral neural ODE). Every name below is re-exported here and loads on first use (torch is
imported then, not by ``import qspectral``).

Example:
    >>> import torch
    >>> from qspectral import classical
    >>> classical.MLP(1, 1, 16, 2)(torch.zeros(4, 1)).shape
    torch.Size([4, 1])
"""

from qspectral._lazy import attach, exports
from qspectral.classical import diffusion

_LAZY = exports({
    "qspectral.classical.nets": ("FourierFeatureMLP", "MLP", "MultiGradeNet", "count_parameters"),
    "qspectral.classical.convnets": ("ClassicUNet", "ConvNet", "UNet"),
    "qspectral.classical.diffusion": diffusion.__all__,  # lazy itself: importing it loads no torch
    "qspectral.classical.inverse": (
        "Denoising", "GaussianSensing", "Inpainting", "LinearOperator", "PriorResult", "basis_pursuit",
        "deep_image_prior", "lasso", "progressive_sigmas", "self_diffusion", "sparsifying_basis",
    ),
    "qspectral.classical.pde_problems": ("PROBLEMS", "PDEProblem", "PeriodicGrid", "make_problem"),
    "qspectral.classical.pde_reference": ("ReferenceSolution", "reference_solution"),
    "qspectral.classical.pinn": ("PINN", "PINNSolver", "pde_residual"),
    "qspectral.classical.spectral_ode": ("SpectralODESolver", "SpectralVectorField"),
})
__getattr__, __dir__ = attach(__name__, _LAZY)
__all__ = sorted(_LAZY)
