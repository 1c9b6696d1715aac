"""qspectral: spectral (Fourier) methods for machine learning, quantum and classical side by side.

The top level holds the core: the statevector convention (:mod:`qspectral.conventions`), the
errors, the QFT family and the circuits that act on a spectrum, the simulators (``simulate``, the
backend registry, the torch engine's ``run_circuit``/``compile_circuit``), the memory planner and
the PDE evolution circuits. The other areas are namespaces with their own ``__all__``:
:mod:`qspectral.spectral` (measuring spectra), :mod:`qspectral.classical` (torch models),
:mod:`qspectral.quantum` (every circuit builder, quantum models), :mod:`qspectral.experiments`
and :mod:`qspectral.cloud`. ``import qspectral`` loads only the errors: every other name loads on
first use (so importing the package pulls in neither numpy, qiskit, torch nor pennylane).

Example:
    >>> import numpy as np, qspectral
    >>> psi = np.zeros(8, complex); psi[3] = 1
    >>> out = qspectral.simulate(qspectral.qft(3), "qiskit", initial_state=psi)
    >>> bool(np.allclose(out, np.sqrt(8) * np.fft.ifft(psi)))
    True
    >>> qspectral.classical.MLP.__module__                     # namespaces load on first use
    'qspectral.classical.nets'
"""

from qspectral._lazy import attach, exports
from qspectral.errors import (
    BackendUnavailableError,
    CredentialsError,
    ExperimentFailedError,
    InsufficientMemoryError,
    InvalidJobError,
    InvalidModelError,
    InvalidParameterError,
    InvalidQubitsError,
    InvalidSignalError,
    InvalidStateError,
    JobLostError,
    JobNotFoundError,
    JobStateError,
    JobStoreBusyError,
    ProviderError,
    QSpectralError,
    SubmitUncertainError,
    UnknownBackendError,
    UnknownExperimentError,
    UnsupportedCircuitError,
)

__version__ = "0.1.0"

#: Every core name but the errors loads on first use: `import qspectral` imports neither numpy, qiskit,
#: torch nor pennylane, so that `qspectral --help` and tools that only import the package start fast.
_LAZY = exports({
    "qspectral.conventions": (
        "align_global_phase", "apply_qft", "fidelity", "from_pennylane_order", "permute_qubits", "random_state",
        "reverse_qubit_order", "to_pennylane_order", "validate_state",
    ),
    "qspectral.quantum.evolution": ("dissipative_evolution", "evolution_circuit", "wave_decode", "wave_encode"),
    "qspectral.quantum.qft": ("QFTBlock", "aqft_error_bound", "qft", "qft_ops"),
    "qspectral.quantum.readout": ("magnitude_readout_error", "shots_for_error"),
    "qspectral.quantum.spectral_ops": ("SpectralFilter", "fourier_shift", "spectral_filter", "spectral_phase"),
    "qspectral.sim.backends": (
        "Backend", "available_backends", "backends", "check_memory", "register_backend", "simulate",
    ),
    "qspectral.sim.pennylane.tape": ("pennylane_to_circuit",),
    "qspectral.sim.memory": ("format_plan", "plan", "statevector_bytes"),
    "qspectral.sim.engine": ("compile_circuit", "run_circuit"),
    "qspectral.sim.primitives": ("EngineEstimator", "EngineSampler"),
})
_NAMESPACES = ("classical", "cloud", "experiments", "quantum", "sim", "spectral")
#: Names that were top-level before the namespaces: they still work, with a DeprecationWarning,
#: until the next release. name -> the namespace that holds it now.
_MOVED = exports({
    "qspectral.spectral": (
        "PowerLawFit", "SpectralTracker", "combine_amplitude_phase", "convergence_steps", "fit_power_law",
        "fourier_loss", "frequency_errors", "high_frequency_penalty", "high_frequency_weights",
        "log_spectral_distance", "power_law_spectrum", "power_spectrum_2d", "radial_average", "spearman_rho",
        "spectrum_1d", "split_amplitude_phase", "swap_amplitude_phase", "wiener_filter",
    ),
    "qspectral.classical": (
        "ConvNet", "Denoising", "FourierFeatureMLP", "GaussianDenoiser", "GaussianSensing", "Inpainting",
        "LinearDenoiser", "MLP", "MultiGradeNet", "UNet", "basis_pursuit", "cosine_schedule", "count_parameters",
        "ddim_sample", "ddim_transfer_function", "deep_image_prior", "design_schedule", "lasso",
        "linear_denoiser_learning_curves", "linear_schedule", "sampler_output_spectrum", "self_diffusion",
        "train_denoiser",
    ),
    "qspectral.quantum": ("ReuploadingModel", "fourier_coefficients", "frequency_redundancy", "frequency_spectrum"),
    "qspectral.experiments": (
        "experiment_names", "get_experiment", "make_tasks", "parse_sweep", "report_all", "run_experiment",
        "run_sweep", "write_run", "write_sweep",
    ),
    "qspectral.cloud": ("JobManager", "JobStore", "SamplingProgram", "get_provider", "qft_roundtrip", "tv_distance"),
})
__getattr__, __dir__ = attach(__name__, _LAZY, submodules=_NAMESPACES, moved=_MOVED)

__all__ = [
    # conventions (qspectral.conventions)
    "align_global_phase",
    "apply_qft",
    "fidelity",
    "from_pennylane_order",
    "permute_qubits",
    "random_state",
    "reverse_qubit_order",
    "to_pennylane_order",
    "validate_state",
    # errors (qspectral.errors)
    "BackendUnavailableError",
    "CredentialsError",
    "ExperimentFailedError",
    "InsufficientMemoryError",
    "InvalidJobError",
    "InvalidModelError",
    "InvalidParameterError",
    "InvalidQubitsError",
    "InvalidSignalError",
    "InvalidStateError",
    "JobLostError",
    "JobNotFoundError",
    "JobStateError",
    "JobStoreBusyError",
    "ProviderError",
    "QSpectralError",
    "SubmitUncertainError",
    "UnknownBackendError",
    "UnknownExperimentError",
    "UnsupportedCircuitError",
    # the QFT family and spectral circuits (qspectral.quantum)
    "QFTBlock",
    "SpectralFilter",
    "aqft_error_bound",
    "fourier_shift",
    "qft",
    "qft_ops",
    "spectral_filter",
    "spectral_phase",
    # spectral evolution of linear PDEs and its readout (qspectral.quantum.evolution, .readout)
    "dissipative_evolution",
    "evolution_circuit",
    "magnitude_readout_error",
    "shots_for_error",
    "wave_decode",
    "wave_encode",
    # simulation (qspectral.sim): backends, the torch engine (loaded on first use), PennyLane tapes
    "Backend",
    "available_backends",
    "backends",
    "check_memory",
    "compile_circuit",
    "pennylane_to_circuit",
    # Qiskit V2 primitives on the engine (qspectral.sim.primitives)
    "EngineEstimator",
    "EngineSampler",
    "register_backend",
    "run_circuit",
    "simulate",
    # the memory planner (qspectral.sim.memory)
    "format_plan",
    "plan",
    "statevector_bytes",
    # namespaces
    *_NAMESPACES,
]
