"""Exceptions raised by qspectral.

Each one subclasses the built-in exception a caller would naturally catch (``ValueError``,
``MemoryError``, ...) as well as :class:`QSpectralError`, so ``except QSpectralError`` catches every
problem qspectral reports itself. Messages name the problem and the fix.
"""

from __future__ import annotations


class QSpectralError(Exception):
    """Base class of every error qspectral raises on purpose."""


class InvalidStateError(QSpectralError, ValueError):
    """A statevector has the wrong length, non-finite entries or is not normalised."""


class InvalidQubitsError(QSpectralError, ValueError):
    """A qubit count or qubit list is out of range, duplicated or empty."""


class UnsupportedCircuitError(QSpectralError, ValueError):
    """A circuit cannot be simulated as a statevector (measurements, unbound parameters, ...)."""


class UnknownBackendError(QSpectralError, ValueError):
    """A backend name is not in the registry."""


class BackendUnavailableError(QSpectralError, RuntimeError):
    """A known backend cannot run here (missing package or missing GPU)."""


class InsufficientMemoryError(QSpectralError, MemoryError):
    """A statevector would not fit in this machine's available memory."""


class InvalidParameterError(QSpectralError, ValueError):
    """A circuit parameter (gains, phases, shift, ...) has the wrong type, length or range."""


class InvalidSignalError(QSpectralError, ValueError):
    """A sampled signal, frequency list or training curve cannot be analysed as asked."""


class InvalidModelError(QSpectralError, ValueError):
    """A model's configuration (sizes, encoding, activation, ...) is invalid."""


class UnknownExperimentError(QSpectralError, ValueError):
    """An experiment name or mode is not in the registry."""
