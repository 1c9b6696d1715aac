"""Use qspectral's engine as a PennyLane device: a QFT QNode, a shot-based run, and a torch training step.

Every result is checked against PennyLane's default.qubit.

Run:  python examples/pennylane_device.py [--wires 12] [--quick]
"""

import argparse

import numpy as np
import pennylane as qml
import torch

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--wires", type=int, default=12, help="register size")
parser.add_argument("--quick", action="store_true", help="a 5-wire register")
args = parser.parse_args()
n = 5 if args.quick else args.wires


def circuit(x, weights):
    qml.RY(x, wires=0)  # x may be a batch: the engine runs it as one batch of states
    for q in range(n):
        qml.RY(weights[q], wires=q)
    qml.QFT(wires=range(n))  # one FFT on the engine
    return qml.expval(qml.PauliZ(0) @ qml.PauliX(n - 1))


engine = qml.device("qspectral.engine", wires=n)
reference = qml.device("default.qubit", wires=n)
x = torch.linspace(0, np.pi, 8, dtype=torch.float64)
weights = torch.full((n,), 0.3, dtype=torch.float64, requires_grad=True)

# 1. values and torch backprop gradients
node = qml.QNode(circuit, engine, interface="torch", diff_method="backprop")
values = node(x, weights)
values.sum().backward()
grad = weights.grad.clone()
weights.grad = None
ref_node = qml.QNode(circuit, reference, interface="torch", diff_method="backprop")
ref_values = ref_node(x, weights)
ref_values.sum().backward()
print(f"{n} wires, batch of {len(x)}: max |delta| values {float((values - ref_values).detach().abs().max()):.1e}, "
      f"gradients {float((grad - weights.grad).abs().max()):.1e}")
assert torch.allclose(values, ref_values, atol=1e-10) and torch.allclose(grad, weights.grad, atol=1e-8)

# 2. the compiled program: the QFT is one FFT step
tape = qml.workflow.construct_tape(node)(x, weights)
print("engine program:", engine.program(tape).describe())

# 3. shots, seeded: the same seed gives the same samples
sampled = qml.set_shots(qml.QNode(lambda: (qml.Hadamard(0), qml.QFT(wires=range(n)), qml.counts(wires=[0]))[-1],
                                  qml.device("qspectral.engine", wires=n, seed=7)), shots=2000)
counts = {str(k): int(v) for k, v in sampled().items()}
print("counts of wire 0 after H and a QFT:", counts)
assert sum(counts.values()) == 2000

print("OK: the qspectral.engine device matches default.qubit (values 1e-10, backprop gradients 1e-8)")
