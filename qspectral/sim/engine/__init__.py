r"""qspectral's statevector engine: Qiskit circuits on torch, with every QFT run as one FFT.

:func:`run_circuit` compiles a circuit (:func:`compile_circuit`: QFT blocks and QFTs written as
gates, recognised by what the gates do, become FFT steps, runs of diagonal gates one elementwise
multiply, other gates small GEMMs fused at compile time, SWAPs relabellings; programs are cached) and executes it (:func:`execute`) on a batch of states, on CPU or
CUDA, in complex64 or complex128. It is registered in :func:`~qspectral.sim.backends.simulate` as
the backends ``engine`` (CPU) and ``engine.gpu`` (CUDA).

The package, in the order data flows through it:

- compile, no torch: :mod:`~.program` (the immutable :class:`Program` and its typed steps),
  :mod:`~.flatten`, :mod:`~.runs`, :mod:`~.qft_recognition`, :mod:`~.matrices`, :mod:`~.compiler`;
- run, torch: :mod:`~.binding` (parameter values to step operators), :mod:`~.executor` (runs a
  program, with its own operator cache), :mod:`~.run` (:func:`run_circuit`: checks, then both);
- :mod:`~.backend`: the ``engine`` and ``engine.gpu`` entries of the backend registry.

The names below load on first use, so importing a compile module does not import torch.

Example:
    >>> from qspectral import qft
    >>> from qspectral.sim.engine import compile_circuit, run_circuit
    >>> compile_circuit(qft(3)).describe()
    ['fft [0, 1, 2] (forward)']
    >>> run_circuit(qft(2)).abs().pow(2).tolist()                # QFT of |00>: uniform
    [[0.25, 0.25, 0.25, 0.25]]
"""

from __future__ import annotations

import importlib

#: Public name -> the module that defines it.
_EXPORTS = {
    "Program": "qspectral.sim.engine.program",
    "compile_circuit": "qspectral.sim.engine.compiler",
    "execute": "qspectral.sim.engine.executor",
    "execute_unordered": "qspectral.sim.engine.executor",
    "run_circuit": "qspectral.sim.engine.run",
    "cuda_missing": "qspectral.sim.engine.backend",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
