"""Run circuits on IBM Quantum, Amazon Braket or Aer, with a persistent SQLite job store.

Counts come back as ``{outcome: count}`` in qspectral's bit order whatever the provider (bit
``j`` of an outcome is the measured value of qubit ``measured[j]``: for circuits without explicit
measurements, bit ``q`` is qubit ``q``, Qiskit's order), with the total-variation distance to the
ideal distribution of :func:`qspectral.simulate`. Modules: :mod:`~qspectral.cloud.program` (what
runs), :mod:`~qspectral.cloud.providers` (where), :mod:`~qspectral.cloud.jobs` (the store),
:mod:`~qspectral.cloud.lifecycle` (submit / poll / sync), :mod:`~qspectral.cloud.retry`
(backoff), :mod:`~qspectral.cloud.redact` (secrets), :mod:`~qspectral.cloud.counts`.

Example:
    >>> from qspectral.cloud import SamplingProgram, get_provider, qft_roundtrip
    >>> program = SamplingProgram.from_circuit(qft_roundtrip(3, 1))
    >>> provider = get_provider("local")           # or ("ibm", "fake_sherbrooke"), ("braket", "local")
    >>> provider.result(provider.submit(program, shots=20, tag="doc"), program)
    {1: 20}
"""

from qspectral.cloud.counts import bitstring, comparison_table, tv_distance
from qspectral.cloud.jobs import JobRecord, JobStore, default_store_path
from qspectral.cloud.lifecycle import JobManager
from qspectral.cloud.program import SamplingProgram, qft_roundtrip
from qspectral.cloud.providers import PROVIDERS, Provider, get_provider
from qspectral.cloud.retry import RetryPolicy

__all__ = [
    "PROVIDERS",
    "JobManager",
    "JobRecord",
    "JobStore",
    "Provider",
    "RetryPolicy",
    "SamplingProgram",
    "bitstring",
    "comparison_table",
    "default_store_path",
    "get_provider",
    "qft_roundtrip",
    "tv_distance",
]
