"""OpenQASM in and out: export circuits as OpenQASM 3, load OpenQASM 2 or 3 files.

Export keeps every :class:`~qspectral.quantum.qft.QFTBlock` as a named gate (``qft`` / ``iqft``,
defined by its H, CP and SWAP gates) so that a reader, and qspectral's engine, can still see the
transform as one block; a :class:`~qspectral.quantum.spectral_gates.SpectralGate` is written as the
library gate it stands for; any other non-standard gate (``DiagonalGate``, ``UCRYGate``, ...) becomes a
named gate ``qs_<name>`` defined over a fixed basis. Bit order is Qiskit's: qubit ``q`` of the circuit is
``q[q]`` in the file.

Example:
    >>> from qspectral import qft
    >>> text = to_qasm3(qft(3, [2, 0, 1]))
    >>> "gate qft" in text and "qft q[2], q[0], q[1];" in text
    True
    >>> load_qasm(text).num_qubits
    3
"""

from __future__ import annotations

from pathlib import Path

from qiskit import QuantumCircuit, qasm2, qasm3, transpile
from qiskit.circuit.library import get_standard_gate_name_mapping

from qspectral.errors import UnsupportedCircuitError
from qspectral.quantum.qft import QFTBlock
from qspectral.quantum.spectral_gates import SpectralGate

#: The gates non-standard instructions are rewritten into before export.
EXPORT_BASIS = ["h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "p", "u", "cx", "cz", "cp", "swap"]
_STANDARD = set(get_standard_gate_name_mapping())


def _absorb_global_phase(circuit: QuantumCircuit) -> None:
    """Write a global phase g as gates: P(2g) RZ(-2g) = exp(i g) I on qubit 0.

    Qiskit's OpenQASM 3 exporter drops global phases, and its importer cannot read ``gphase``.
    """
    phase = float(circuit.global_phase)
    if phase and circuit.num_qubits:
        circuit.global_phase = 0
        circuit.p(2 * phase, 0)
        circuit.rz(-2 * phase, 0)


def _exportable(circuit: QuantumCircuit) -> QuantumCircuit:
    """Rewrite non-standard gates (other than QFT blocks) as named gates over EXPORT_BASIS."""
    out = QuantumCircuit(circuit.num_qubits, name=circuit.name, global_phase=circuit.global_phase)
    for inst in circuit.data:
        op = inst.operation
        qubits = [circuit.find_bit(q).index for q in inst.qubits]
        if isinstance(op, SpectralGate):  # written as the library gate it stands for (DiagonalGate, UCRYGate)
            op = op.library_gate()
        if isinstance(op, QFTBlock) or op.name in _STANDARD or op.name == "barrier":
            out.append(op, qubits)
            continue
        body = QuantumCircuit(op.num_qubits)
        body.append(op, range(op.num_qubits))
        body = transpile(body, basis_gates=EXPORT_BASIS, optimization_level=0)
        _absorb_global_phase(body)
        gate = body.to_gate()
        # Prefixed: a bare "diagonal" or "unitary" collides with Aer's native instructions of those
        # names (Aer 0.18 crashes reading a parameterless "diagonal").
        gate.name = "qs_" + "".join(c if c.isalnum() else "_" for c in op.name.lower())
        out.append(gate, qubits)
    _absorb_global_phase(out)
    return out


def to_qasm3(circuit: QuantumCircuit) -> str:
    """Return ``circuit`` as an OpenQASM 3 program (QFT blocks kept as named gates)."""
    return qasm3.dumps(_exportable(circuit))


def load_qasm(source: str | Path) -> QuantumCircuit:
    """Load a circuit from an OpenQASM 2 or 3 program, given as text or as a path to a file.

    The version is read from the ``OPENQASM`` header. OpenQASM 2 files may use the legacy
    ``qelib1.inc`` gates (``cu1``, ``u3``, ...). Raises ``FileNotFoundError`` for a missing path and
    :class:`~qspectral.errors.UnsupportedCircuitError` for a program that does not parse.
    """
    text = str(source)
    if "OPENQASM" not in text:
        path = Path(text)
        if not path.is_file():
            raise FileNotFoundError(
                f"{text!r} is neither an OpenQASM program nor an existing file; check the path"
            )
        text = path.read_text()
    header = text.split("OPENQASM", 1)[1].split(";", 1)[0].strip() if "OPENQASM" in text else ""
    try:
        if header.startswith("2"):
            return qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        if header.startswith("3"):
            return qasm3.loads(text)
    except Exception as exc:  # the two parsers raise different exception types
        raise UnsupportedCircuitError(f"the OpenQASM {header} program does not parse: {exc}") from exc
    raise UnsupportedCircuitError(
        f"unknown OpenQASM version {header!r}; the program must start with 'OPENQASM 2.0;' or 'OPENQASM 3.0;'"
    )
