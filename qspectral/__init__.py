"""qspectral: spectral (Fourier) methods for machine learning, quantum and classical side by side.

The public API is re-exported here. Conventions: :mod:`qspectral.conventions`.

Example:
    >>> import numpy as np, qspectral
    >>> psi = np.zeros(8, complex); psi[3] = 1
    >>> out = qspectral.simulate(qspectral.qft(3), "qiskit", initial_state=psi)
    >>> bool(np.allclose(out, np.sqrt(8) * np.fft.ifft(psi)))
    True
"""

from qspectral.conventions import (
    align_global_phase,
    apply_qft,
    fidelity,
    from_pennylane_order,
    permute_qubits,
    random_state,
    reverse_qubit_order,
    to_pennylane_order,
    validate_state,
)
from qspectral.errors import (
    BackendUnavailableError,
    CredentialsError,
    InsufficientMemoryError,
    InvalidJobError,
    InvalidParameterError,
    InvalidQubitsError,
    InvalidStateError,
    JobLostError,
    JobNotFoundError,
    JobStateError,
    JobStoreBusyError,
    ProviderError,
    QSpectralError,
    SubmitUncertainError,
    UnknownBackendError,
    UnsupportedCircuitError,
)
from qspectral.quantum.qft import QFTBlock, aqft_error_bound, qft, qft_ops
from qspectral.quantum.spectral_ops import SpectralFilter, fourier_shift, spectral_filter, spectral_phase
from qspectral.quantum.evolution import dissipative_evolution, evolution_circuit, wave_decode, wave_encode
from qspectral.quantum.readout import magnitude_readout_error, shots_for_error
from qspectral.sim.backends import available_backends, backends, check_memory, simulate
from qspectral.sim.plan import format_plan, plan, statevector_bytes
from qspectral.sim.pennylane_tape import pennylane_to_circuit
from qspectral.cloud import JobManager, JobStore, SamplingProgram, get_provider, qft_roundtrip, tv_distance
from qspectral.errors import InvalidModelError, InvalidSignalError, UnknownExperimentError
from qspectral.spectral.analysis import (
    PowerLawFit,
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

__version__ = "0.1.0"

# The torch statevector engine loads on first use, so that `import qspectral` does not import torch.
_ENGINE_API = {"compile_circuit", "run_circuit"}
#: torch models, losses and experiments, loaded on first use too: name -> module
_TORCH_API = {
    **dict.fromkeys(("ReuploadingModel", "fourier_coefficients", "frequency_redundancy", "frequency_spectrum"),
                    "qspectral.quantum.models"),
    **dict.fromkeys(("MLP", "FourierFeatureMLP", "MultiGradeNet", "count_parameters"), "qspectral.classical.nets"),
    **dict.fromkeys(("fourier_loss", "high_frequency_penalty", "high_frequency_weights"), "qspectral.spectral.losses"),
    **dict.fromkeys(("experiment_names", "get_experiment"), "qspectral.experiments.registry"),
    **dict.fromkeys(("GaussianDenoiser", "LinearDenoiser", "cosine_schedule", "ddim_sample", "ddim_transfer_function",
                     "design_schedule", "linear_denoiser_learning_curves", "linear_schedule", "log_spectral_distance",
                     "power_law_spectrum", "sampler_output_spectrum", "train_denoiser", "wiener_filter"),
                    "qspectral.classical.diffusion"),
    **dict.fromkeys(("Denoising", "GaussianSensing", "Inpainting", "basis_pursuit", "deep_image_prior", "lasso",
                     "self_diffusion"), "qspectral.classical.inverse"),
    **dict.fromkeys(("ConvNet", "UNet"), "qspectral.classical.convnets"),
    **dict.fromkeys(("EngineEstimator", "EngineSampler"), "qspectral.sim.primitives"),
    **dict.fromkeys(("report_all", "run_experiment", "write_run"), "qspectral.experiments.report"),
    **dict.fromkeys(("make_tasks", "parse_sweep", "run_sweep", "write_sweep"), "qspectral.experiments.sweep"),
}


def __getattr__(name: str):
    if name in _ENGINE_API:
        from qspectral.sim import engine

        return getattr(engine, name)
    if name in _TORCH_API:
        import importlib

        return getattr(importlib.import_module(_TORCH_API[name]), name)
    raise AttributeError(f"module 'qspectral' has no attribute {name!r}")

__all__ = [
    "BackendUnavailableError",
    "InsufficientMemoryError",
    "InvalidParameterError",
    "InvalidQubitsError",
    "InvalidStateError",
    "QFTBlock",
    "QSpectralError",
    "SpectralFilter",
    "UnknownBackendError",
    "UnsupportedCircuitError",
    "align_global_phase",
    "apply_qft",
    "aqft_error_bound",
    "available_backends",
    "backends",
    "check_memory",
    "compile_circuit",
    # Qiskit V2 primitives on the engine (qspectral.sim.primitives); loaded on first use
    "EngineEstimator",
    "EngineSampler",
    "format_plan",
    "plan",
    "statevector_bytes",
    # experiment sweeps, serial or on Dask (qspectral.experiments.sweep); loaded on first use
    "make_tasks",
    "parse_sweep",
    "run_sweep",
    "write_sweep",
    "fidelity",
    "fourier_shift",
    "from_pennylane_order",
    "pennylane_to_circuit",
    "permute_qubits",
    "qft",
    "qft_ops",
    "random_state",
    "reverse_qubit_order",
    "run_circuit",
    "simulate",
    "spectral_filter",
    "spectral_phase",
    "to_pennylane_order",
    "validate_state",
    # spectral evolution of linear PDEs (qspectral.quantum.evolution, .readout)
    "dissipative_evolution",
    "evolution_circuit",
    "magnitude_readout_error",
    "shots_for_error",
    "wave_decode",
    "wave_encode",
    # spectral toolkit, models and experiments (qspectral.spectral, .quantum.models, .classical.nets,
    # .experiments); the torch-based ones load on first use
    "FourierFeatureMLP",
    "InvalidModelError",
    "InvalidSignalError",
    "MLP",
    "MultiGradeNet",
    "PowerLawFit",
    "ReuploadingModel",
    "SpectralTracker",
    "UnknownExperimentError",
    "combine_amplitude_phase",
    "convergence_steps",
    "count_parameters",
    "experiment_names",
    "fit_power_law",
    "fourier_coefficients",
    "fourier_loss",
    "frequency_errors",
    "frequency_redundancy",
    "frequency_spectrum",
    "get_experiment",
    "high_frequency_penalty",
    "high_frequency_weights",
    "power_spectrum_2d",
    "radial_average",
    "report_all",
    "run_experiment",
    "spearman_rho",
    "spectrum_1d",
    "split_amplitude_phase",
    "swap_amplitude_phase",
    "write_run",
    # diffusion in the Fourier domain and inverse problems (qspectral.classical.diffusion, .inverse,
    # .convnets); loaded on first use
    "ConvNet",
    "Denoising",
    "GaussianDenoiser",
    "GaussianSensing",
    "Inpainting",
    "LinearDenoiser",
    "UNet",
    "basis_pursuit",
    "cosine_schedule",
    "ddim_sample",
    "ddim_transfer_function",
    "deep_image_prior",
    "design_schedule",
    "lasso",
    "linear_denoiser_learning_curves",
    "linear_schedule",
    "log_spectral_distance",
    "power_law_spectrum",
    "sampler_output_spectrum",
    "self_diffusion",
    "train_denoiser",
    "wiener_filter",
    # cloud (qspectral.cloud)
    "CredentialsError",
    "InvalidJobError",
    "JobLostError",
    "JobManager",
    "JobNotFoundError",
    "JobStateError",
    "JobStoreBusyError",
    "JobStore",
    "ProviderError",
    "SamplingProgram",
    "SubmitUncertainError",
    "get_provider",
    "qft_roundtrip",
    "tv_distance",
]
