r"""The race's workloads: one seeded task, as a Qiskit circuit, a qibo circuit and a bare-FFT program.

Conventions are qspectral's (little-endian: qubit ``q`` is bit ``q`` of the index; the QFT is
``sqrt(N) * ifft``). qibo numbers its qubits the other way (qubit 0 is the most significant), so
our qubit ``q`` is qibo's ``n - 1 - q`` and the amplitude arrays then coincide; qibo's
``models.QFT(n)`` is ``sqrt(N) * ifft`` on that array too.

- ``qft``: the QFT of a random state. Bare program: one inverse FFT (``norm="ortho"``).
- ``spectral-phase``: QFT . diag . inverse QFT with the free-particle chirp
  ``diag_k = exp(-2 pi i k^2 / N)`` (one P gate per qubit and one CP per pair of qubits, about
  ``n^2 / 4`` gates: ``k^2 = sum_q 4^q k_q + sum_{q<r} 2^{q+r+1} k_q k_r``, and terms that are
  multiples of ``N`` drop out). The output is ``ifft(diag * fft(psi))``: one split-step of a free
  particle. (:func:`qspectral.spectral_phase` holds ``2**n`` explicit phases, which Qiskit cannot
  build at 30 qubits; the chirp is the same circuit shape with gates every simulator runs.)
- ``spectral-filter``: :func:`qspectral.spectral_filter` (a Gaussian low-pass on ``n - 1`` data
  qubits, the ancilla on top, starting in ``|0>``); the output is ``[ifft(g F), ifft(s F)]`` with
  ``F = fft(data)`` and ``s = sqrt(1 - g^2)`` (the ancilla's two branches). Its multiplexed RY
  has ``2**(n-1)`` angles, so it is built up to :data:`FILTER_MAX_QUBITS` only.
- ``random``: a brickwork circuit: ``depth`` layers of RX/RY/RZ on every qubit (random angles)
  and CZ on alternating pairs. No closed form: outputs are compared with the engine's.

Example:
    >>> import torch
    >>> task = build("spectral-phase", 4, seed=1, dtype=torch.complex128, device="cpu")
    >>> import qspectral
    >>> out = qspectral.run_circuit(task.circuit, task.state, dtype=torch.complex128)[0]
    >>> float((out - task.bare_torch()).abs().max()) < 1e-12
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

WORKLOADS = ("qft", "spectral-phase", "spectral-filter", "random")
FILTER_MAX_QUBITS = 22
RANDOM_DEPTH = 20
CHUNK = 2**24


def chirp_gates(n: int) -> tuple[list[tuple[int, float]], list[tuple[int, int, float]]]:
    """The P and CP gates of ``diag_k = exp(-2 pi i k^2 / 2**n)`` on qubits ``0..n-1``."""
    singles = [(q, -2 * math.pi * 2.0 ** (2 * q - n)) for q in range(n) if 2 * q < n]
    pairs = [(q, r, -2 * math.pi * 2.0 ** (q + r + 1 - n)) for q in range(n) for r in range(q + 1, n) if q + r + 1 < n]
    return singles, pairs


def chirp_diagonal(n: int, dtype: torch.dtype, device) -> torch.Tensor:
    """``exp(-2 pi i (k^2 mod N) / N)`` for ``k = 0..N-1``, in chunks (exact integer phases)."""
    size = 2**n
    out = torch.empty(size, dtype=dtype, device=device)
    for start in range(0, size, CHUNK):
        k = torch.arange(start, min(start + CHUNK, size), dtype=torch.int64, device=device)
        phase = ((k * k) & (size - 1)).double() * (-2 * math.pi / size)
        out[start:start + k.numel()] = torch.polar(torch.ones_like(phase), phase).to(dtype)
    return out


def filter_gains(m: int) -> np.ndarray:
    """A Gaussian low-pass over the Fourier index of ``m`` qubits (width ``M / 8``)."""
    size = 2**m
    k = np.minimum(np.arange(size), size - np.arange(size))
    return np.exp(-((k / max(size / 8, 1)) ** 2))


def brickwork(n: int, depth: int, rng: np.random.Generator) -> list[tuple]:
    """``depth`` layers: a random RX/RY/RZ on each qubit, then CZ on pairs (offset alternating)."""
    gates: list[tuple] = []
    for layer in range(depth):
        for q in range(n):
            gates.append((str(rng.choice(["rx", "ry", "rz"])), (q,), float(rng.uniform(-np.pi, np.pi))))
        for q in range(layer % 2, n - 1, 2):
            gates.append(("cz", (q, q + 1), None))
    return gates


def random_state(n: int, seed: int, dtype: torch.dtype, device) -> torch.Tensor:
    """A normalised random state of ``2**n`` amplitudes made on ``device`` (norm taken in float64)."""
    generator = torch.Generator(device=device).manual_seed(seed)
    state = torch.randn(2**n, dtype=dtype, device=device, generator=generator)
    real = torch.view_as_real(state).reshape(-1, min(2 * 2**n, 4096))
    norm = torch.linalg.vector_norm(torch.linalg.vector_norm(real, dim=1).double())
    state /= norm.to(state.real.dtype)
    return state


@dataclass
class Task:
    """One workload at one size: circuits, the input state and the bare program on the same device."""

    workload: str
    num_qubits: int
    state: torch.Tensor
    circuit: object  # qiskit.QuantumCircuit
    qibo_circuit: Callable[[], object] | None  # builds the qibo circuit (None: no gate-level form there)
    bare_torch: Callable[[], torch.Tensor] | None
    bare_cupy: Callable[[], object] | None  # returns a cupy array
    program: object = None  # the engine's compiled program, set by the race


def _qiskit_circuit(workload: str, n: int, gates: list[tuple] | None):
    from qiskit import QuantumCircuit

    import qspectral

    if workload == "qft":
        return qspectral.qft(n)
    if workload == "spectral-phase":
        qc = QuantumCircuit(n)
        qc.compose(qspectral.qft(n, inverse=True), inplace=True)
        singles, pairs = chirp_gates(n)
        for q, angle in singles:
            qc.p(angle, q)
        for q, r, angle in pairs:
            qc.cp(angle, q, r)
        qc.compose(qspectral.qft(n), inplace=True)
        return qc
    if workload == "spectral-filter":
        return qspectral.spectral_filter(n - 1, filter_gains(n - 1)).circuit
    qc = QuantumCircuit(n)
    for name, qubits, angle in gates:
        getattr(qc, name)(*(() if angle is None else (angle,)), *qubits)
    return qc


def _qibo_builder(workload: str, n: int, gates: list[tuple] | None) -> Callable[[], object] | None:
    if workload == "spectral-filter":
        return None

    def build():
        from qibo import Circuit, gates as g, models

        def wire(q: int) -> int:
            return n - 1 - q

        if workload == "qft":
            return models.QFT(n)
        circuit = Circuit(n)
        if workload == "spectral-phase":
            circuit += models.QFT(n).invert()
            singles, pairs = chirp_gates(n)
            circuit.add(g.U1(wire(q), angle) for q, angle in singles)
            circuit.add(g.CU1(wire(q), wire(r), angle) for q, r, angle in pairs)
            circuit += models.QFT(n)
            return circuit
        for name, qubits, angle in gates:
            if name == "cz":
                circuit.add(g.CZ(wire(qubits[0]), wire(qubits[1])))
            else:
                circuit.add(getattr(g, name.upper())(wire(qubits[0]), angle))
        return circuit

    return build


def build(workload: str, n: int, *, seed: int, dtype: torch.dtype, device) -> Task:
    """The task ``workload`` on ``n`` qubits (the circuit's qubits, ancilla included)."""
    if workload not in WORKLOADS:
        raise ValueError(f"unknown workload {workload!r}; choose one of {', '.join(WORKLOADS)}")
    if workload == "spectral-filter" and n > FILTER_MAX_QUBITS:
        raise ValueError(f"spectral-filter is built up to {FILTER_MAX_QUBITS} qubits (2**(n-1) RY angles)")
    gates = brickwork(n, RANDOM_DEPTH, np.random.default_rng(seed)) if workload == "random" else None
    circuit = _qiskit_circuit(workload, n, gates)
    size = 2**n
    if workload == "spectral-filter":
        data = random_state(n - 1, seed, dtype, device)
        state = torch.cat([data, torch.zeros_like(data)])
        del data
    else:
        state = random_state(n, seed, dtype, device)
    real = torch.float32 if dtype == torch.complex64 else torch.float64
    bare_torch = bare_cupy = None
    if workload == "qft":
        bare_torch = lambda: torch.fft.ifft(state, norm="ortho")  # noqa: E731
        bare_cupy = lambda: _cupy().fft.ifft(_as_cupy(state), norm="ortho")  # noqa: E731
    elif workload == "spectral-phase":
        diagonal = chirp_diagonal(n, dtype, device)
        bare_torch = lambda: torch.fft.ifft(torch.fft.fft(state) * diagonal)  # noqa: E731
        bare_cupy = lambda: _cupy().fft.ifft(_cupy().fft.fft(_as_cupy(state)) * _as_cupy(diagonal))  # noqa: E731
    elif workload == "spectral-filter":
        gains = torch.as_tensor(filter_gains(n - 1), dtype=real, device=device)
        rest = torch.sqrt(torch.clamp(1 - gains * gains, min=0))
        half = size // 2

        def bare_torch():
            spectrum = torch.fft.fft(state[:half])
            return torch.cat([torch.fft.ifft(gains * spectrum), torch.fft.ifft(rest * spectrum)])

        def bare_cupy():
            cp = _cupy()
            spectrum = cp.fft.fft(_as_cupy(state[:half]))
            return cp.concatenate([cp.fft.ifft(_as_cupy(gains) * spectrum), cp.fft.ifft(_as_cupy(rest) * spectrum)])
    return Task(workload, n, state, circuit, _qibo_builder(workload, n, gates), bare_torch, bare_cupy)


def _cupy():
    import cupy

    return cupy


def _as_cupy(tensor: torch.Tensor):
    return _cupy().from_dlpack(tensor)


def dft_spot_check(state: torch.Tensor, out: torch.Tensor, count: int = 4, seed: int = 0) -> float:
    """Max |out[k] - N^-1/2 sum_x state[x] e^{+2 pi i x k / N}| at ``count`` random ``k``, in float64.

    An independent check of a QFT output (the DFT sum itself, no FFT), in chunks of the state.
    """
    size = state.numel()
    device = state.device
    ks = torch.as_tensor(np.random.default_rng(seed).integers(0, size, count), dtype=torch.int64, device=device)
    total = torch.zeros(count, dtype=torch.complex128, device=device)
    for start in range(0, size, CHUNK):
        x = torch.arange(start, min(start + CHUNK, size), dtype=torch.int64, device=device)
        phase = ((ks[:, None] * x[None, :]) & (size - 1)).double() * (2 * math.pi / size)
        total += (torch.polar(torch.ones_like(phase), phase) * state[start:start + x.numel()].to(torch.complex128)).sum(1)
    expected = total / math.sqrt(size)
    return float((out[ks].to(torch.complex128) - expected).abs().max())
