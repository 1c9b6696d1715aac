"""Build a QFT on a qubit subset, run it on every available backend, check it against numpy's FFT.

Run:  python examples/qft_basics.py [--qubits 8] [--quick]
"""

import argparse

import numpy as np

import qspectral as qs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--qubits", type=int, default=10, help="register size")
parser.add_argument("--quick", action="store_true", help="a 5-qubit register")
args = parser.parse_args()
n = 5 if args.quick else args.qubits

subset = [n - 1, 0, n // 2]  # qubits[0] = n-1 is the least significant bit of the transformed index
circuit = qs.qft(n, qubits=subset)
psi = qs.random_state(n, seed=42)
reference = qs.apply_qft(psi, subset)  # sqrt(2^m) * ifft along the subset's axis
print(f"QFT on qubits {subset} of a {n}-qubit register; convention: qubit q = bit q, QFT = sqrt(N) ifft")
print(f"{'backend':<15} {'max |delta| vs numpy':>22}  fidelity")
for name in qs.available_backends():
    out = qs.simulate(circuit, name, initial_state=psi)
    print(f"{name:<15} {np.max(np.abs(out - reference)):>22.2e}  {qs.fidelity(out, reference):.12f}")
    assert np.allclose(out, reference, atol=1e-10), name
print("all backends agree with numpy.fft")
