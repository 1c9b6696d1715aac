r"""What a cloud job runs: a unitary circuit, the qubits it reads out, and the ideal distribution.

**Bit order of outcomes (every provider).** A job's counts map an integer *outcome* to a count.
Bit ``j`` of the outcome is the value read into classical bit ``j``, which holds qubit
``measured[j]``. For the default read-out (a circuit without measurements: every qubit, in order)
bit ``q`` of the outcome is qubit ``q``, so the outcome is exactly the statevector index of
:mod:`qspectral.conventions`. Written as a bitstring, the rightmost character is bit 0 (Qiskit's
order); Braket reports bitstrings the other way round, and the Braket provider converts them.

**Ideal distribution.** ``P(outcome)`` is the sum of ``|amplitude|**2`` of
:func:`qspectral.simulate` over the statevector indices that read out as ``outcome``.

**Dynamic circuits** (reset, mid-circuit measurement, classical ``if``) are kept whole: outcome
bit ``j`` is classical bit ``j`` as written (several registers are joined in declaration order,
the first register's bits lowest). They have no statevector, so their ideal distribution is
*estimated* from :data:`~qspectral.quantum.measurements.REFERENCE_SHOTS` noiseless Aer shots with a fixed seed
(:attr:`SamplingProgram.ideal_source` says which kind a program has).

**The ``qft`` job.** :func:`qft_roundtrip` prepares a basis state ``|x>``, applies the QFT, a
barrier and the inverse QFT, and measures every qubit. The barrier stops a transpiler from
cancelling the two transforms, so hardware really runs both; the ideal outcome is ``x`` with
probability 1, which makes both noise (the total-variation distance to ideal) and any bit-order
mistake (``x`` read back reversed) visible in one number. (The plain QFT of ``|0>`` would give a
uniform distribution, which a bit-order mistake cannot change.)

Example:
    >>> program = SamplingProgram.from_circuit(qft_roundtrip(3, 6))
    >>> program.measured, int(program.ideal_distribution().argmax())
    ((0, 1, 2), 6)
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import ClassicalRegister

from qspectral.errors import InvalidQubitsError, UnsupportedCircuitError
from qspectral.quantum.measurements import (
    REFERENCE_SHOTS,
    dynamic_instruction,
    outcome_distribution,
    reference_estimate,
    split_final_measurements,
)

#: Above this many qubits the ideal distribution (a statevector simulation) is not computed.
MAX_IDEAL_QUBITS = 20


@dataclass(frozen=True)
class SamplingProgram:
    """A unitary circuit plus its read-out (outcome bit ``j`` is the measured value of qubit
    ``measured[j]``), or a whole dynamic circuit (``dynamic``; then ``unitary`` is None and
    ``measured`` is empty: outcome bit ``j`` is classical bit ``j``).

    Build it with :meth:`from_circuit` (from any circuit) or :meth:`from_qasm3` (from the job
    store's text).
    """

    unitary: QuantumCircuit | None
    measured: tuple[int, ...]
    dynamic: QuantumCircuit | None = None

    @classmethod
    def from_circuit(cls, circuit: QuantumCircuit) -> "SamplingProgram":
        """Split ``circuit`` into its unitary part and its final measurements, or keep a dynamic one whole.

        A circuit without measurements reads out every qubit, qubit ``q`` into bit ``q``.
        Otherwise every classical bit must be measured exactly once, after the last gate on its
        qubit, unless the circuit is dynamic (:func:`~qspectral.quantum.measurements.dynamic_instruction`):
        then every classical bit must belong to a register. Unbound parameters raise
        :class:`~qspectral.errors.UnsupportedCircuitError`.

        Example:
            >>> qc = QuantumCircuit(3, 2); _ = qc.h(1); _ = qc.measure([2, 1], [0, 1])
            >>> SamplingProgram.from_circuit(qc).measured
            (2, 1)
            >>> _ = qc.reset(1); SamplingProgram.from_circuit(qc).ideal_source
            'estimated from 20000 noiseless Aer shots (dynamic circuit: no statevector)'
        """
        dynamic = dynamic_instruction(circuit) if isinstance(circuit, QuantumCircuit) else None
        if dynamic is None or circuit.parameters:  # the second raises the unbound-parameters error
            unitary, measured = split_final_measurements(circuit)
            return cls(unitary, measured)
        if not circuit.num_clbits:
            raise UnsupportedCircuitError(
                f"the circuit is dynamic ({dynamic}) but measures nothing into classical bits; add a "
                "classical register and measure the qubits to read into it"
            )
        if len(circuit.clbits) != sum(len(register) for register in circuit.cregs):
            raise UnsupportedCircuitError(
                "a dynamic circuit's classical bits must all belong to classical registers (creg c[n]; "
                "measure q -> c), since its outcome is read from them"
            )
        return cls(None, (), circuit.copy())

    @classmethod
    def from_qasm3(cls, text: str) -> "SamplingProgram":
        """Rebuild a program from :meth:`to_qasm3`'s text."""
        from qspectral.quantum.qasm import load_qasm

        return cls.from_circuit(load_qasm(text))

    @property
    def num_qubits(self) -> int:
        """Qubits of the circuit."""
        return (self.dynamic or self.unitary).num_qubits

    @property
    def num_bits(self) -> int:
        """Bits of an outcome (the number of measured qubits; a dynamic circuit's classical bits)."""
        return self.dynamic.num_clbits if self.dynamic is not None else len(self.measured)

    @property
    def ideal_source(self) -> str:
        """Where :meth:`ideal_distribution` comes from, in words."""
        if self.dynamic is not None:
            return f"estimated from {REFERENCE_SHOTS} noiseless Aer shots (dynamic circuit: no statevector)"
        return "exact (statevector)"

    def measured_circuit(self) -> QuantumCircuit:
        """The unitary followed by ``measure measured[j] -> meas[j]`` in one register ``meas``
        (a dynamic circuit: itself)."""
        if self.dynamic is not None:
            return self.dynamic.copy()
        circuit = self.unitary.copy()
        register = ClassicalRegister(self.num_bits, "meas")
        circuit.add_register(register)
        circuit.measure(list(self.measured), register)
        return circuit

    def to_qasm3(self) -> str:
        """OpenQASM 3 text of :meth:`measured_circuit`: what the job store records.

        The unitary part is written by qspectral's exporter (:func:`qspectral.quantum.qasm.to_qasm3`:
        QFT blocks stay named gates, other non-standard gates are defined over a fixed basis), then
        the read-out is appended. A dynamic circuit is written by Qiskit's exporter as it is.
        """
        from qiskit import qasm3

        from qspectral.quantum.qasm import load_qasm, to_qasm3

        if self.dynamic is not None:
            return qasm3.dumps(self.dynamic)
        exported = load_qasm(to_qasm3(self.unitary))
        return qasm3.dumps(SamplingProgram(exported, self.measured).measured_circuit())

    def ideal_distribution(self) -> np.ndarray:
        """``P(outcome)`` for every outcome ``0 .. 2**num_bits - 1``: exact from a noiseless
        statevector, or (dynamic circuit) estimated from ``REFERENCE_SHOTS`` Aer shots.

        Raises InvalidQubitsError above :data:`MAX_IDEAL_QUBITS` qubits.

        Example:
            >>> qc = QuantumCircuit(2); _ = qc.h(0)
            >>> SamplingProgram.from_circuit(qc).ideal_distribution().round(3).tolist()
            [0.5, 0.5, 0.0, 0.0]
        """
        from qspectral.sim.backends import simulate

        n = self.num_qubits
        if n > MAX_IDEAL_QUBITS:
            raise InvalidQubitsError(
                f"the ideal distribution of a {n}-qubit circuit is not computed (limit "
                f"{MAX_IDEAL_QUBITS} qubits); compare smaller circuits"
            )
        if self.dynamic is not None:
            return _reference_estimate(self.to_qasm3()).copy()
        return outcome_distribution(np.abs(simulate(self.unitary, "aer")) ** 2, self.measured)


@functools.lru_cache(maxsize=8)
def _reference_estimate(qasm3_text: str) -> np.ndarray:
    """A dynamic circuit's :func:`~qspectral.quantum.measurements.reference_estimate` (cached:
    Aer samples a dynamic circuit shot by shot)."""
    from qspectral.quantum.qasm import load_qasm

    return reference_estimate(load_qasm(qasm3_text))


def qft_roundtrip(num_qubits: int, basis_state: int = 1) -> QuantumCircuit:
    """``|x>`` -> QFT -> barrier -> inverse QFT, every qubit measured: ideally ``x`` every shot.

    ``x = basis_state`` is prepared with X gates on its set bits (qubit ``q`` = bit ``q``). The
    default ``x = 1`` sets only qubit 0, so reading the register backwards would show ``2**(n-1)``.

    Example:
        >>> qft_roundtrip(3, 5).count_ops()["x"]
        2
    """
    from qspectral.quantum.qft import qft

    if isinstance(num_qubits, bool) or not isinstance(num_qubits, (int, np.integer)) or num_qubits < 1:
        raise InvalidQubitsError(f"the QFT round trip needs an integer number of qubits >= 1, got {num_qubits!r}")
    if isinstance(basis_state, bool) or not isinstance(basis_state, (int, np.integer)) or not (
        0 <= basis_state < 2**num_qubits
    ):
        raise InvalidQubitsError(
            f"the input basis state must be an integer in 0..{2**num_qubits - 1} for "
            f"{num_qubits} qubits, got {basis_state!r}"
        )
    circuit = QuantumCircuit(num_qubits, name=f"qft_roundtrip_{basis_state}")
    for q in range(num_qubits):
        if (basis_state >> q) & 1:
            circuit.x(q)
    circuit.compose(qft(num_qubits), inplace=True)
    circuit.barrier()
    circuit.compose(qft(num_qubits, inverse=True), inplace=True)
    circuit.measure_all()
    return circuit


def circuit_hash(qasm3_text: str) -> str:
    """SHA-256 of a circuit's OpenQASM 3 text (hex): how the job store identifies a circuit."""
    return hashlib.sha256(qasm3_text.encode("utf-8")).hexdigest()
