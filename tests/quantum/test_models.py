"""Re-uploading models against PennyLane (outputs, gradients, spectra, coefficients) and closed forms."""

from __future__ import annotations

from functools import partial
from math import comb

import numpy as np
import pennylane as qml
from pennylane import numpy as pnp
import pytest
import torch

from qspectral.errors import InvalidModelError
from qspectral.quantum.models import (
    ReuploadingModel,
    coefficient_gradient_norms,
    encoding_scales,
    fourier_coefficients,
    frequency_redundancy,
    frequency_spectrum,
    rot_matrices,
)

CASES = [
    ("serial", "rx", 1, 3, 1),
    ("serial", "rz", 2, 2, 2),
    ("parallel", "rx", 2, 2, 1),
    ("parallel", "ry", 3, 1, 2),
    ("exponential", "rx", 3, 1, 1),
    ("exponential", "rz", 2, 2, 2),
    ("ternary", "ry", 2, 1, 1),
    ("ternary", "rx", 3, 1, 1),
]


def _model(encoding, rotation, n, layers, depth, seed=0):
    torch.manual_seed(seed)
    return ReuploadingModel(n, layers, encoding=encoding, rotation=rotation, depth=depth)


@pytest.mark.parametrize("encoding, rotation, n, layers, depth", CASES)
def test_outputs_match_the_pennylane_circuit(encoding, rotation, n, layers, depth):
    model = _model(encoding, rotation, n, layers, depth)
    x = torch.linspace(-3, 7, 9, dtype=torch.float64)
    reference = model.qnode("default.qubit")(x, model.weights.detach())  # broadcast over x
    assert torch.allclose(model(x), reference, atol=1e-12)


@pytest.mark.parametrize("encoding, rotation, n, layers, depth", CASES[::2])
def test_gradients_match_pennylane_backprop(encoding, rotation, n, layers, depth):
    model = _model(encoding, rotation, n, layers, depth, seed=3)
    x = torch.linspace(0, 6, 11, dtype=torch.float64)
    y = torch.sin(x)
    torch.mean((model(x) - y) ** 2).backward()
    weights = model.weights.detach().clone().requires_grad_(True)
    qnode = model.qnode("default.qubit", diff_method="backprop")
    torch.mean((qnode(x, weights) - y) ** 2).backward()
    assert torch.allclose(model.weights.grad, weights.grad, atol=1e-12)


def test_runs_on_lightning_too():
    model = _model("parallel", "rx", 2, 1, 1)
    x = torch.tensor(0.4, dtype=torch.float64)
    value = model.qnode("lightning.qubit", interface="numpy")(0.4, model.weights.detach().numpy())
    assert float(value) == pytest.approx(model(x).item(), abs=1e-12)


@pytest.mark.parametrize("encoding, rotation, n, layers, depth", CASES)
def test_coefficients_match_pennylane_fourier_coefficients(encoding, rotation, n, layers, depth):
    model = _model(encoding, rotation, n, layers, depth, seed=1)
    ours = fourier_coefficients(model).numpy()
    qnode = model.qnode("default.qubit", interface="numpy")
    reference = qml.fourier.coefficients(partial(qnode, weights=model.weights.detach().numpy()), 1, model.degree)
    assert ours.shape == (2 * model.degree + 1,)
    assert np.abs(ours - reference).max() < 1e-10


@pytest.mark.parametrize("encoding, rotation, n, layers, depth", CASES)
def test_spectrum_matches_pennylane_qnode_spectrum(encoding, rotation, n, layers, depth):
    model = _model(encoding, rotation, n, layers, depth)
    qnode = model.qnode("default.qubit", interface="autograd")
    weights = pnp.array(model.weights.detach().numpy())
    spectrum = qml.fourier.qnode_spectrum(qnode, encoding_args={"x"})(pnp.array(0.1), weights)
    reference = sorted(f for f in spectrum["x"][()] if f >= 0)
    assert frequency_spectrum(model).tolist() == reference


@pytest.mark.parametrize("layers", [1, 2, 5])
def test_serial_redundancy_is_binomial(layers):
    model = ReuploadingModel(2, layers, encoding="serial")
    assert frequency_redundancy(model).tolist() == [comb(2 * layers, layers + w) for w in range(layers + 1)]


def test_parallel_redundancy_is_binomial_in_all_gates():
    model = ReuploadingModel(3, 2, encoding="parallel")
    gates = 6
    assert frequency_redundancy(model).tolist() == [comb(2 * gates, gates + w) for w in range(gates + 1)]


@pytest.mark.parametrize("n", [1, 2, 4])
def test_exponential_redundancy_is_triangular(n):
    model = ReuploadingModel(n, 1, encoding="exponential")
    assert model.degree == 2**n - 1
    assert frequency_redundancy(model).tolist() == [2**n - w for w in range(2**n)]


@pytest.mark.parametrize("encoding, n, layers", [("serial", 1, 3), ("parallel", 2, 2), ("exponential", 2, 3)])
def test_redundancies_count_every_pair_of_eigenvalue_paths(encoding, n, layers):
    model = ReuploadingModel(n, layers, encoding=encoding)
    redundancy = frequency_redundancy(model)
    encoded = len(encoding_scales(n, encoding))
    total = redundancy[0] + 2 * redundancy[1:].sum()  # omega and -omega
    assert total == (2**encoded) ** (2 * layers)


def test_closed_form_cosine_model():
    model = ReuploadingModel(1, 1, encoding="serial", rotation="rx")
    with torch.no_grad():
        model.weights.zero_()  # W = identity: f(x) = <0|RX(x)^dag Z RX(x)|0> = cos x
    x = torch.linspace(0, 6, 13, dtype=torch.float64)
    assert torch.allclose(model(x), torch.cos(x), atol=1e-14)
    assert np.allclose(fourier_coefficients(model).numpy(), [0, 0.5, 0.5], atol=1e-15)


def test_rot_matrices_equal_pennylane_rot():
    angles = torch.tensor([[0.3, 1.9, -2.2], [4.0, -0.7, 0.1]], dtype=torch.float64)
    for row, matrix in zip(angles, rot_matrices(angles)):
        assert np.allclose(matrix.numpy(), qml.matrix(qml.Rot(*row.tolist(), wires=0)))


def test_output_keeps_the_input_shape_and_precision():
    model = _model("parallel", "rx", 2, 2, 1)
    x = torch.rand(3, 4, dtype=torch.float32)
    out = model(x)
    assert out.shape == (3, 4) and out.dtype == torch.float64
    single = ReuploadingModel(2, 2, encoding="parallel", dtype=torch.complex64)
    with torch.no_grad():
        single.weights.copy_(model.weights.float())
    assert single(x).dtype == torch.float32
    assert torch.allclose(single(x).double(), out, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"num_qubits": 0, "num_layers": 1}, "num_qubits"), ({"num_qubits": 1, "num_layers": 0}, "num_layers"),
     ({"num_qubits": 2, "num_layers": 1, "encoding": "dense"}, "unknown encoding"),
     ({"num_qubits": 2, "num_layers": 1, "rotation": "rxx"}, "unknown rotation"),
     ({"num_qubits": 2, "num_layers": 1, "dtype": torch.float64}, "complex64 or torch.complex128"),
     ({"num_qubits": 13, "num_layers": 1}, "impractical above 12")],
)
def test_invalid_models_are_rejected(kwargs, message):
    with pytest.raises(InvalidModelError, match=message):
        ReuploadingModel(**kwargs)


def test_complex_inputs_are_rejected():
    with pytest.raises(InvalidModelError, match="real angles"):
        ReuploadingModel(1, 1)(torch.tensor([1j]))


def test_fourier_coefficients_of_a_plain_function_and_the_aliasing_guard():
    c = fourier_coefficients(lambda x: 1 + torch.sin(3 * x), degree=3).numpy()
    expected = np.zeros(7, complex)
    expected[0], expected[3], expected[-3] = 1, -0.5j, 0.5j  # sin = (e^{ix} - e^{-ix}) / 2i
    assert np.allclose(c, expected, atol=1e-14)
    with pytest.raises(InvalidModelError, match="alias"):
        fourier_coefficients(ReuploadingModel(1, 3), degree=2)
    with pytest.raises(InvalidModelError, match="pass degree="):
        fourier_coefficients(lambda x: x)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_runs_on_cuda():
    model = _model("exponential", "rx", 3, 1, 2)
    x = torch.linspace(0, 6, 17, dtype=torch.float64)
    expected = model(x)
    gpu = model.to("cuda")
    assert torch.allclose(gpu(x.cuda()).cpu(), expected, atol=1e-12)
    assert np.allclose(fourier_coefficients(gpu).cpu().numpy(), fourier_coefficients(model.cpu()).numpy(), atol=1e-12)


def test_coefficient_gradient_norms_match_central_differences():
    model = _model("ternary", "rx", 2, 1, 1, seed=3)
    d = model.degree
    x = 2 * np.pi * np.arange(2 * d + 1) / (2 * d + 1)

    def coefficients(weights: np.ndarray) -> np.ndarray:
        qnode = model.qnode()
        values = np.array([float(qnode(torch.tensor(v, dtype=torch.float64), torch.as_tensor(weights))) for v in x])
        return np.fft.fft(values)[: d + 1] / x.size

    base = model.weights.detach().numpy().copy()
    jac = []
    for index in np.ndindex(base.shape):
        step = np.zeros_like(base)
        step[index] = 1e-5
        jac.append((coefficients(base + step) - coefficients(base - step)) / 2e-5)
    expected = np.sqrt((np.abs(np.array(jac)) ** 2).sum(axis=0))
    assert np.allclose(coefficient_gradient_norms(model).numpy(), expected, rtol=1e-6, atol=1e-9)
