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

import re
from pathlib import Path

import numpy as np
from qiskit import QuantumCircuit, qasm2, qasm3, transpile
from qiskit.circuit.library import get_standard_gate_name_mapping

from qspectral.errors import CircuitFileNotFoundError, UnsupportedCircuitError
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


#: Bytes read from a circuit file at most (a QASMBench "large" file is a few MB).
MAX_FILE_BYTES = 64 * 2**20
_HEADER = re.compile(r"^\s*OPENQASM\s+([^;\s]*)\s*;", re.MULTILINE)
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnsupportedCircuitError(
                f"{path} has {size} bytes, more than the {MAX_FILE_BYTES // 2**20} MiB qspectral reads; "
                "split the circuit or check that it is the file you meant"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UnsupportedCircuitError(f"cannot read {path}: {exc.strerror or exc}; check its permissions") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedCircuitError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "OpenQASM files are plain text: save it as UTF-8 or ASCII"
        ) from None


def _program_text(source: str | Path) -> tuple[str, str]:
    """``(text, where)``: a Path, or a string naming an existing file, is read; any other string
    containing a statement (``;``) is program text."""
    if isinstance(source, Path):
        if not source.is_file():
            raise CircuitFileNotFoundError(f"no circuit file {str(source)!r}; check the path")
        return _read_text(source), str(source)
    text = str(source)
    try:
        is_file = "\n" not in text and len(text) < 4096 and Path(text).is_file()
    except (OSError, ValueError):
        is_file = False
    if is_file:
        return _read_text(Path(text)), text
    if ";" in text:
        return text, "the program"
    raise CircuitFileNotFoundError(f"{text!r} is neither an OpenQASM program nor an existing file; check the path")


def check_circuit(circuit: QuantumCircuit, where: str = "the circuit") -> QuantumCircuit:
    """Refuse a circuit without qubits or with a NaN or infinite gate parameter; return it.

    Example:
        >>> check_circuit(load_qasm("OPENQASM 2.0; qreg q[1]; U(0.5, 0, 0) q[0];")).num_qubits
        1
    """
    if circuit.num_qubits == 0:
        raise UnsupportedCircuitError(f"{where} has no qubits; declare a register such as 'qreg q[2];'")
    for index, inst in enumerate(circuit.data):
        for value in inst.operation.params:
            try:
                number = complex(value)
            except (TypeError, ValueError):
                continue  # unbound parameters and non-numeric params are the simulator's business
            if not (np.isfinite(number.real) and np.isfinite(number.imag)):
                raise UnsupportedCircuitError(
                    f"{where}: instruction {index} ('{inst.operation.name}') has the parameter {value}; "
                    "gate angles must be finite numbers"
                )
    return circuit


def load_qasm(source: str | Path) -> QuantumCircuit:
    """Load a circuit from an OpenQASM 2 or 3 program, given as text or as a path to a file.

    A :class:`~pathlib.Path`, or a string naming an existing file, is read as a file (whatever
    words its name contains); another string holding a statement is program text. The version is
    read from the ``OPENQASM`` header; a program without one is read as OpenQASM 2, as Qiskit
    does. OpenQASM 2 programs may use the legacy ``qelib1.inc`` gates (``cu1``, ``u3``, ...).
    Measurements and classical control are kept (see
    :func:`qspectral.quantum.measurements.split_final_measurements`). Raises
    :class:`~qspectral.errors.CircuitFileNotFoundError` (a ``FileNotFoundError``) for a missing
    path and :class:`~qspectral.errors.UnsupportedCircuitError` for a file that is not UTF-8, a
    program that does not parse, no qubits, or a NaN or infinite gate parameter.
    """
    text, where = _program_text(source)
    header = _HEADER.search(_COMMENTS.sub("", text))
    version = header.group(1) if header else "2.0"
    try:
        if version.startswith("2"):
            circuit = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        elif version.startswith("3"):
            circuit = qasm3.loads(text)
        else:
            raise UnsupportedCircuitError(
                f"{where} declares OpenQASM version {version!r}; qspectral reads 'OPENQASM 2.0;' and 'OPENQASM 3.0;'"
            )
    except UnsupportedCircuitError:
        raise
    except Exception as exc:  # the two parsers raise different exception types
        detail = " ".join(str(exc).split())
        raise UnsupportedCircuitError(f"{where} does not parse as OpenQASM {version}: {detail}") from None
    return check_circuit(circuit, where)
