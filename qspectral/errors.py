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


class ExperimentFailedError(QSpectralError, RuntimeError):
    """An experiment of a report raised (the report still lists the others and the traceback)."""


class InvalidJobError(QSpectralError, ValueError):
    """A cloud job request is malformed (shot count, circuit too large for the backend, ...)."""


class CredentialsError(QSpectralError, PermissionError):
    """Cloud credentials are missing or were rejected; the message names what to set."""


class ProviderError(QSpectralError, RuntimeError):
    """A call to a cloud provider failed (after any retries); the message says which call and why."""


class SubmitUncertainError(ProviderError):
    """A submission failed in a way that leaves unknown whether the provider received the job."""


class JobLostError(ProviderError):
    """A job ran inside a process that has ended, so its result can no longer be read."""


class JobNotFoundError(QSpectralError, LookupError):
    """No job in the job store has the given id."""


class JobStateError(QSpectralError, RuntimeError):
    """The job is in a state that does not allow the requested action (fetch, cancel, ...)."""


class JobStoreBusyError(QSpectralError, TimeoutError):
    """The job store stayed locked by another process for longer than the wait allows."""


class CircuitFileNotFoundError(QSpectralError, FileNotFoundError):
    """A circuit file named on the command line or passed to ``load_qasm`` does not exist."""


class JobStoreMissingError(QSpectralError, FileNotFoundError):
    """The job store file does not exist (only ``qspectral submit`` creates one)."""


class JobStoreUnusableError(QSpectralError, OSError):
    """The job store file is corrupt, read-only for a write, or not a file; the message says what to do."""


class RankFailureError(QSpectralError, RuntimeError):
    """Another rank of a distributed run died or stopped answering."""
