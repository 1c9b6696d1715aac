"""Torch statevector kernels: the floor that qspectral's builders and simulators stand on.

Every kernel takes states as ``(batch, 2**n)`` complex tensors (complex64 or complex128, CPU or
CUDA), qubit ``q`` = bit ``q`` of the index (little-endian, as Qiskit), and is differentiable with
autograd where its output is a number computed from amplitudes.
"""
