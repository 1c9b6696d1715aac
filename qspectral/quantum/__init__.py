"""Circuit builders: the QFT family and circuits that act on a spectrum.

Modules: :mod:`~qspectral.quantum.qft` (QFT, approximate QFT), :mod:`~qspectral.quantum.spectral_ops`
(Fourier shift, spectral phase, spectral filter) and the array-holding gates they use
(:mod:`~qspectral.quantum.spectral_gates`), :mod:`~qspectral.quantum.evolution` (spectral
evolution of linear PDEs), :mod:`~qspectral.quantum.readout` (shot budgets),
:mod:`~qspectral.quantum.qasm` (OpenQASM 3), :mod:`~qspectral.quantum.models` (data re-uploading
models and their Fourier series) and :mod:`~qspectral.quantum.born` (QFT Born machines). Every
name below is re-exported here and loads on first use (models and Born machines need torch).

Example:
    >>> from qspectral import quantum
    >>> quantum.qft(3).num_qubits
    3
"""

from qspectral._lazy import attach, exports
from qspectral.quantum.evolution import (
    dissipative_evolution,
    evolution_circuit,
    separable_phases,
    wave_decode,
    wave_encode,
)
from qspectral.quantum.qft import QFTBlock, aqft_error_bound, qft, qft_ops  # binds qft to the function, not qft.py
from qspectral.quantum.readout import ShotBudget, magnitude_readout_error, shots_for_error
from qspectral.quantum.spectral_gates import SpectralFilterGate, SpectralGate, SpectralPhaseGate
from qspectral.quantum.spectral_ops import SpectralFilter, fourier_shift, spectral_filter, spectral_phase

#: torch models and the QASM exporter load on first use.
_LAZY = exports({
    "qspectral.quantum.qasm": ("load_qasm", "to_qasm3"),
    "qspectral.quantum.models": (
        "ReuploadingModel", "coefficient_gradient_norms", "encoding_scales", "fourier_coefficients", "frequency_redundancy", "frequency_spectrum",
    ),
    "qspectral.quantum.born": ("BornMachine", "high_frequency_outcomes", "qft_high_frequency_mass", "qft_probabilities"),
})
__getattr__, __dir__ = attach(__name__, _LAZY)
__all__ = sorted([
    *_LAZY,
    "QFTBlock", "aqft_error_bound", "qft", "qft_ops",
    "SpectralFilter", "fourier_shift", "spectral_filter", "spectral_phase",
    "SpectralFilterGate", "SpectralGate", "SpectralPhaseGate",
    "dissipative_evolution", "evolution_circuit", "separable_phases", "wave_decode", "wave_encode",
    "ShotBudget", "magnitude_readout_error", "shots_for_error",
])
