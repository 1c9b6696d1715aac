"""Torch statevector kernels: the low layer that :mod:`qspectral.quantum` and :mod:`qspectral.sim` share.

Modules, by topic (each imports torch, except :mod:`~qspectral.kernels.gate_table`; this package
itself imports nothing, so that the engine's compiler can read the gate table without torch):

- :mod:`~qspectral.kernels.states`: the complex dtypes (``REAL_DTYPE``), ``|0...0>``, input checks;
- :mod:`~qspectral.kernels.gate_table`: the standard gates' names, parameter counts, fixed entries;
- :mod:`~qspectral.kernels.gates`: their matrices as (batched, differentiable) tensors;
- :mod:`~qspectral.kernels.apply`: out-of-place gate, diagonal and QFT application on the plain layout;
- :mod:`~qspectral.kernels.layout`: in-place primitives on index bit positions (the engine's executor);
- :mod:`~qspectral.kernels.fft`: the QFT as one batched FFT, split FFTs and their twiddles;
- :mod:`~qspectral.kernels.threads`: torch's CPU thread count for a block;
- :mod:`~qspectral.kernels.measurements`: Pauli-sum expectation values (index XOR and parity signs, no
  dense matrices), marginal probabilities and seeded sampling, on a batch of states.

Every kernel takes states as ``(batch, 2**n)`` complex tensors (complex64 or complex128, CPU or
CUDA), qubit ``q`` = bit ``q`` of the index (little-endian, as Qiskit). Nothing here imports
:mod:`qspectral.sim` or :mod:`qspectral.quantum`.
"""
