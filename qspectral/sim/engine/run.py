r"""Run a circuit on the engine: validate the inputs, bind parameters, compile, execute.

**Conventions** (:mod:`qspectral.conventions`): states are ``(batch, 2**n)`` tensors, qubit ``q``
is bit ``q`` of the index (little-endian, Qiskit's order); the QFT is ``sqrt(N) * ifft``.

**Batches and gradients.** ``initial_state`` may hold one state or a batch; ``parameters`` binds
the circuit's Qiskit :class:`~qiskit.circuit.Parameter` objects (or their names) to floats or real
tensors of shape ``()`` or ``(batch,)``; every batched input must have the same batch size (or 1).
Gradients flow through tensor parameters (and parameter expressions of them) and through a tensor
``initial_state``. To run one circuit many times, compile it once and call
:func:`~qspectral.sim.engine.executor.execute`.

Example:
    >>> import numpy as np, torch
    >>> from qiskit import QuantumCircuit
    >>> from qiskit.circuit import Parameter
    >>> from qspectral import qft
    >>> psi = run_circuit(qft(3), np.eye(8)[5])                     # QFT of |5>: one FFT
    >>> bool(np.allclose(psi[0].numpy(), np.sqrt(8) * np.fft.ifft(np.eye(8)[5])))
    True
    >>> theta = Parameter("theta")
    >>> qc = QuantumCircuit(1); _ = qc.ry(theta, 0)
    >>> angles = torch.tensor([0.0, np.pi], dtype=torch.float64, requires_grad=True)
    >>> out = run_circuit(qc, parameters={theta: angles})            # a batch of two runs
    >>> out.abs().pow(2)[:, 1].round(decimals=6).tolist()            # P(1) = sin^2(theta/2)
    [0.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import torch
from qiskit.circuit import Parameter, QuantumCircuit

from qspectral.conventions import NORM_ATOL, NORM_ATOL_SINGLE
from qspectral.errors import InvalidStateError, UnsupportedCircuitError
from qspectral.kernels.states import check_dtype
from qspectral.sim.backends import check_circuit
from qspectral.sim.engine.compiler import MAX_FUSED, compile_circuit
from qspectral.sim.engine.executor import execute_owned

if TYPE_CHECKING:
    from pennylane.tape import QuantumScript

#: The norm tolerances of :func:`qspectral.conventions.validate_state`, by precision.
_NORM_ATOL = {torch.complex64: NORM_ATOL_SINGLE, torch.complex128: NORM_ATOL}


def _bind(circuit: QuantumCircuit, parameters: Mapping | None) -> dict[Parameter, float | torch.Tensor]:
    """Map the user's keys (Parameter objects or names) to the circuit's parameters; check coverage."""
    by_name = {p.name: p for p in circuit.parameters}
    values: dict[Parameter, float | torch.Tensor] = {}
    for key, value in (parameters or {}).items():
        name = key if isinstance(key, str) else getattr(key, "name", None)
        param = by_name.get(name)
        if param is None or (not isinstance(key, str) and key != param):
            raise UnsupportedCircuitError(
                f"parameters has a value for {key!r}, which is not a parameter of the circuit; "
                f"its parameters are: {', '.join(sorted(by_name)) or 'none'}"
            )
        if isinstance(value, torch.Tensor):
            if value.is_complex() or value.dim() > 1:
                raise InvalidStateError(
                    f"the value of parameter {name!r} must be a real scalar or a 1-D batch, "
                    f"got a {value.dtype} tensor of shape {tuple(value.shape)}"
                )
        elif not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(
                f"the value of parameter {name!r} must be a float or a torch tensor, got {type(value).__name__}"
            )
        values[param] = value
    missing = [p.name for p in circuit.parameters if p not in values]
    if missing:
        raise UnsupportedCircuitError(
            f"the circuit has {len(missing)} parameter(s) without a value ({', '.join(missing[:5])}); "
            "pass them as parameters={parameter_or_name: value_or_tensor, ...} or bind them with "
            "circuit.assign_parameters"
        )
    return values


def _norms(state: torch.Tensor) -> torch.Tensor:
    """The float64 norm of each row of a ``(batch, 2**n)`` complex tensor.

    Norms of 4096-real chunks of the real view, combined in float64: accurate for complex64 at any
    size (torch's float32 norm of a normalised 2**24-amplitude state is off by 3e-3) and one fast
    pass (torch's complex norm takes |z| per amplitude first: 126 ms vs 4 ms at 24 qubits).
    """
    real = torch.view_as_real(state).reshape(state.shape[0], -1)
    chunk = min(real.shape[1], 4096)
    partial = torch.linalg.vector_norm(real.reshape(real.shape[0], -1, chunk), dim=2)
    return torch.linalg.vector_norm(partial.double(), dim=1)


def _initial(initial_state, num_qubits: int, dtype: torch.dtype, device) -> tuple[torch.Tensor | None, bool]:
    """The validated ``(batch, 2**n)`` start state (None: ``|0...0>``, which the executor builds), and
    whether it is a new tensor (not the caller's)."""
    if initial_state is None:
        return None, True
    given = initial_state if isinstance(initial_state, torch.Tensor) else torch.as_tensor(np.asarray(initial_state))
    if not given.is_complex() and not given.is_floating_point():
        raise InvalidStateError(f"initial_state must hold complex or real amplitudes, got {given.dtype}")
    state = given.unsqueeze(0) if given.dim() == 1 else given
    if state.dim() != 2 or state.shape[1] != 2**num_qubits:
        raise InvalidStateError(
            f"initial_state has shape {tuple(state.shape)} but the circuit has {num_qubits} qubits; "
            f"pass shape ({2**num_qubits},) or (batch, {2**num_qubits})"
        )
    # one contiguous plain tensor (a conjugate or negative view, or a strided one, becomes a copy)
    state = state.to(device=device, dtype=dtype).resolve_conj().resolve_neg().contiguous()
    norms = _norms(state.detach())
    if not bool(torch.isfinite(norms).all()):
        if not bool(torch.isfinite(state).all()):
            raise InvalidStateError(
                "initial_state has NaN or infinite amplitudes; check the computation that produced it"
            )
        raise InvalidStateError(
            "initial_state is far from normalised (its norm overflows); divide each state by its norm"
        )
    worst = float((norms - 1).abs().max())
    if worst > _NORM_ATOL[dtype]:
        raise InvalidStateError(
            f"initial_state is not normalised: a norm differs from 1 by {worst:.3g} "
            f"(tolerance {_NORM_ATOL[dtype]:g}); divide each state by its norm"
            + (", computed in float64 (a float32 norm of a long vector is not accurate enough)"
               if dtype == torch.complex64 else "")
        )
    return state, state.data_ptr() != given.data_ptr()


def _batch_size(state: torch.Tensor | None, values: Mapping) -> int:
    sizes = {1 if state is None else state.shape[0]} | {v.shape[0] for v in values.values() if isinstance(v, torch.Tensor) and v.dim() == 1}
    sizes.discard(1)
    if len(sizes) > 1:
        raise InvalidStateError(
            f"the batched inputs disagree on the batch size ({sorted(sizes)}); the initial states and "
            "every batched parameter must share one batch size (or have batch size 1)"
        )
    return sizes.pop() if sizes else 1


def run_circuit(
    circuit: QuantumCircuit | QuantumScript,
    initial_state: np.ndarray | torch.Tensor | None = None,
    *,
    parameters: Mapping[Parameter | str, float | torch.Tensor] | None = None,
    dtype: torch.dtype = torch.complex128,
    device: str | torch.device = "cpu",
    max_fused: int = MAX_FUSED,
    wire_order: Sequence | None = None,
) -> torch.Tensor:
    """Simulate ``circuit`` on the engine and return the final states, shape ``(batch, 2**n)``.

    Args:
        circuit: a Qiskit circuit of unitary gates (no measurements, resets or classical
            control), acting on its own qubits (a transpiled layout is not undone: use
            :func:`~qspectral.sim.backends.simulate` for that); or a PennyLane
            ``qml.tape.QuantumScript``, converted by
            :func:`~qspectral.sim.pennylane.tape.pennylane_to_circuit` (numbers only, no gradients).
        initial_state: ``(2**n,)`` or ``(batch, 2**n)`` normalised amplitudes (numpy or torch;
            default ``|0...0>``), little-endian. Never modified.
        parameters: values for the circuit's unbound parameters, keyed by
            :class:`~qiskit.circuit.Parameter` or name: floats or real tensors of shape ``()``
            or ``(batch,)``. Gradients flow through tensors.
        dtype: ``torch.complex128`` (default) or ``torch.complex64``.
        device: ``"cpu"``, ``"cuda"``, ... (any torch device).
        max_fused: the widest fused gate, in qubits.
        wire_order: for a tape only: its wires, the most significant bit first, as in
            ``qml.state()``; default ``tape.wires`` in the tape's order (not sorted).

    Raises:
        UnsupportedCircuitError: measurements or other non-unitary instructions (a tape may only
            end in ``qml.state()``); parameters
            without a value, or values for names the circuit does not have.
        InvalidStateError: an initial state of the wrong length, not normalised, or batch sizes
            that disagree.

    Example:
        >>> from qiskit import QuantumCircuit
        >>> qc = QuantumCircuit(2); _ = qc.h(0); _ = qc.cx(0, 1)
        >>> run_circuit(qc).abs().pow(2).round(decimals=3).tolist()
        [[0.5, 0.0, 0.0, 0.5]]
    """
    check_dtype(dtype)
    if not isinstance(circuit, QuantumCircuit):  # a PennyLane tape; pennylane is imported only here
        from pennylane.measurements import StateMP

        from qspectral.sim.pennylane.tape import pennylane_to_circuit

        # DensityMatrixMP is a StateMP subclass: only a plain qml.state() (or none) is the state we return
        asked = [m for m in getattr(circuit, "measurements", ()) if type(m) is not StateMP]
        if asked:
            raise UnsupportedCircuitError(
                f"run_circuit returns the state, but the tape asks for {asked[0]}; for expectation values, "
                "probabilities or samples run it on the PennyLane device qml.device('qspectral.engine', wires=...)"
            )
        circuit = pennylane_to_circuit(circuit, wire_order)
    values = _bind(circuit, parameters)
    check_circuit(circuit.assign_parameters({p: 0.0 for p in values}) if values else circuit)
    state, fresh = _initial(initial_state, circuit.num_qubits, dtype, device)
    _batch_size(state, values)
    box = [state]
    del state  # a fresh start state is handed over: the engine may overwrite and free it
    return execute_owned(compile_circuit(circuit, max_fused=max_fused), box, values, owned=fresh, dtype=dtype,
                         device=device)
