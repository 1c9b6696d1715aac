"""The engine's properties on a device, in complex64 and complex128, against independent references.

Each property draws seeded random cases and compares :func:`qspectral.run_circuit` on ``device``
with a reference computed on the CPU by other code:

- ``qft-subsets``: QFTs (forward/inverse, with/without swaps) on random qubit subsets, against
  :func:`qspectral.apply_qft` (numpy's FFT);
- ``random-circuits``: Qiskit's random circuits of one- and two-qubit gates, with a QFT block on
  a random subset in the middle, against Qiskit's ``Statevector``;
- ``batch``: a batch of states against the same states run one by one through ``Statevector``;
- ``gradient``: d<Z_0>/d(theta) of a parametrised circuit through autograd on the device, against
  the central finite difference of ``Statevector`` expectations (complex128 only: a float32
  gradient is not a fair comparison to a finite difference);
- ``long-qft``: a QFT of ``long_qubits`` qubits (the engine's long-FFT path), against numpy.

Example:
    >>> result = check_properties("cpu", cases=2, long_qubits=10)
    >>> all(r["failed"] == 0 for r in result)
    True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

TOLERANCE = {torch.complex64: 2e-5, torch.complex128: 1e-10}
#: A central difference with h = 1e-5 is good to about 1e-10 only.
GRADIENT_TOLERANCE = 1e-7


def _state(n: int, rng: np.random.Generator, batch: int | None = None) -> np.ndarray:
    shape = (2**n,) if batch is None else (batch, 2**n)
    psi = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return psi / np.linalg.norm(psi, axis=-1, keepdims=True)


def _run(circuit, psi, dtype, device) -> np.ndarray:
    import qspectral

    start = torch.as_tensor(psi).to(dtype)
    return qspectral.run_circuit(circuit, start, dtype=dtype, device=device).detach().cpu().numpy()


def _qft_subsets(rng, dtype, device) -> float:
    import qspectral

    n = int(rng.integers(2, 11))
    qubits = [int(q) for q in rng.permutation(n)[: int(rng.integers(1, n + 1))]]
    inverse, swaps = bool(rng.integers(2)), bool(rng.integers(2))
    psi = _state(n, rng)
    out = _run(qspectral.qft(n, qubits, inverse=inverse, do_swaps=swaps), psi, dtype, device)[0]
    return float(np.max(np.abs(out - qspectral.apply_qft(psi, qubits, inverse=inverse, do_swaps=swaps))))


def _random_circuits(rng, dtype, device) -> float:
    from qiskit.circuit.random import random_circuit
    from qiskit.quantum_info import Statevector

    import qspectral

    n = int(rng.integers(2, 9))
    seed = int(rng.integers(2**31))
    circuit = random_circuit(n, 6, max_operands=2, seed=seed)
    subset = [int(q) for q in rng.permutation(n)[: int(rng.integers(1, n + 1))]]
    circuit.compose(qspectral.qft(n, subset), inplace=True)
    circuit.compose(random_circuit(n, 6, max_operands=2, seed=seed + 1), inplace=True)
    psi = _state(n, rng)
    return float(np.max(np.abs(_run(circuit, psi, dtype, device)[0] - Statevector(psi).evolve(circuit).data)))


def _batch(rng, dtype, device) -> float:
    from qiskit.circuit.random import random_circuit
    from qiskit.quantum_info import Statevector

    n = int(rng.integers(2, 7))
    circuit = random_circuit(n, 8, max_operands=2, seed=int(rng.integers(2**31)))
    psi = _state(n, rng, batch=4)
    out = _run(circuit, psi, dtype, device)
    return max(float(np.max(np.abs(out[i] - Statevector(psi[i]).evolve(circuit).data))) for i in range(4))


def _gradient(rng, dtype, device) -> float:
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.circuit.random import random_circuit
    from qiskit.quantum_info import SparsePauliOp, Statevector

    import qspectral

    n = int(rng.integers(2, 6))
    theta = Parameter("theta")
    circuit = QuantumCircuit(n)
    circuit.compose(random_circuit(n, 3, max_operands=2, seed=int(rng.integers(2**31))), inplace=True)
    circuit.ry(theta, int(rng.integers(n)))
    circuit.compose(qspectral.qft(n), inplace=True)
    circuit.rx(theta, int(rng.integers(n)))
    value = float(rng.uniform(-np.pi, np.pi))
    z0 = torch.tensor([1.0 if (k & 1) == 0 else -1.0 for k in range(2**n)], dtype=torch.float64, device=device)
    angle = torch.tensor(value, dtype=torch.float64, device=device, requires_grad=True)
    out = qspectral.run_circuit(circuit, parameters={theta: angle}, dtype=dtype, device=device)[0]
    (out.abs() ** 2 @ z0.to(out.real.dtype)).backward()
    observable = SparsePauliOp("I" * (n - 1) + "Z")

    def expectation(x: float) -> float:
        return float(np.real(Statevector(circuit.assign_parameters({theta: x})).expectation_value(observable)))

    h = 1e-5
    return abs(float(angle.grad) - (expectation(value + h) - expectation(value - h)) / (2 * h))


def _long_qft(qubits: int) -> Callable:
    def check(rng, dtype, device) -> float:
        import qspectral

        psi = _state(qubits, rng)
        return float(np.max(np.abs(_run(qspectral.qft(qubits), psi, dtype, device)[0] - qspectral.apply_qft(psi))))

    return check


def check_properties(
    device: str, *, cases: int = 20, long_qubits: int = 22, seed: int = 7, on_result: Callable | None = None
) -> list[dict]:
    """Run every property in complex64 and complex128 on ``device``; one result per (property, dtype).

    A result holds ``passed``/``failed`` counts, the worst error and the first failures (their
    case seed, so each can be replayed).
    """
    properties = {"qft-subsets": (_qft_subsets, cases), "random-circuits": (_random_circuits, cases),
                  "batch": (_batch, max(cases // 4, 1)), "gradient": (_gradient, max(cases // 4, 1)),
                  "long-qft": (_long_qft(long_qubits), 1)}
    results = []
    for dtype in (torch.complex64, torch.complex128):
        for name, (check, count) in properties.items():
            if name == "gradient" and dtype == torch.complex64:
                continue
            result = {"property": name, "dtype": str(dtype).replace("torch.", ""), "device": device,
                      "passed": 0, "failed": 0, "worst": 0.0, "failures": []}
            for case in range(count):
                case_seed = seed * 100_003 + case
                try:
                    error = check(np.random.default_rng(case_seed), dtype, device)
                except Exception as exc:  # noqa: BLE001 -- a crash is a failed case, with its message
                    error, message = float("inf"), f"{type(exc).__name__}: {exc}"[:300]
                else:
                    message = None
                result["worst"] = max(result["worst"], error)
                if error <= (GRADIENT_TOLERANCE if name == "gradient" else TOLERANCE[dtype]):
                    result["passed"] += 1
                else:
                    result["failed"] += 1
                    if len(result["failures"]) < 3:
                        result["failures"].append({"case_seed": case_seed, "error": error, "message": message})
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results
