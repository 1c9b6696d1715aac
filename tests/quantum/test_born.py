"""The Born machine against Qiskit's Statevector, numpy.fft and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from qiskit.quantum_info import Statevector

from qspectral.errors import InvalidModelError, InvalidParameterError
from qspectral.quantum.born import (
    BornMachine,
    high_frequency_outcomes,
    qft_high_frequency_mass,
    qft_probabilities,
)
from qspectral.sim.backends import simulate


@pytest.mark.parametrize("num_qubits, depth", [(1, 1), (2, 2), (3, 1), (5, 3)])
def test_state_matches_qiskit_statevector_of_the_exported_circuit(num_qubits, depth):
    torch.manual_seed(num_qubits)
    model = BornMachine(num_qubits, depth)
    reference = Statevector(model.circuit()).data
    state = model.state().detach().numpy()
    assert np.allclose(state, reference, atol=1e-12)
    assert np.allclose(model().detach().numpy(), np.abs(reference) ** 2, atol=1e-12)


def test_qft_probabilities_are_the_reflected_fft_power_spectrum():
    torch.manual_seed(0)
    model = BornMachine(4, 2)
    psi = model.state().detach().numpy()
    n = psi.size
    reflected = np.abs(np.fft.fft(psi)[(-np.arange(n)) % n]) ** 2 / n
    got = qft_probabilities(model.state()).detach().numpy()
    assert np.allclose(got, reflected, atol=1e-12)
    assert np.allclose(got, n * np.abs(np.fft.ifft(psi)) ** 2, atol=1e-12)
    # the state is complex, so the reflection matters: without it the formula is wrong
    assert not np.allclose(got, np.abs(np.fft.fft(psi)) ** 2 / n, atol=1e-6)


@pytest.mark.backends("qiskit", "aer", "engine")
def test_measured_readout_circuit_has_the_same_distribution(backend):
    torch.manual_seed(1)
    model = BornMachine(3, 2)
    out = simulate(model.circuit(qft_readout=True), backend)
    assert np.allclose(np.abs(out) ** 2, qft_probabilities(model.state()).detach().numpy(), atol=1e-10)


def test_high_frequency_mass_matches_a_direct_numpy_sum():
    torch.manual_seed(2)
    model = BornMachine(5, 2)
    psi = model.state().detach().numpy()
    n, cutoff = psi.size, 4
    k = np.fft.fftfreq(n, 1 / n)
    spectrum = np.abs(np.fft.ifft(psi)) ** 2 * n
    expected = spectrum[np.abs(k) > cutoff].sum()
    with torch.no_grad():
        mass = float(qft_high_frequency_mass(model.state(), cutoff))
    assert mass == pytest.approx(expected, abs=1e-12)
    assert np.array_equal(high_frequency_outcomes(5, cutoff), np.abs(k) > cutoff)


def test_gradient_of_the_regulariser_matches_finite_differences():
    torch.manual_seed(3)
    model = BornMachine(3, 2)
    loss = qft_high_frequency_mass(model.state(), 1) - torch.log(model()[5])
    (grad,) = torch.autograd.grad(loss, model.weights)
    h = 1e-6
    for index in [(0, 0, 0), (1, 2, 1), (2, 1, 2)]:
        values = []
        for sign in (1, -1):
            with torch.no_grad():
                model.weights[index] += sign * h
                values.append(float(qft_high_frequency_mass(model.state(), 1) - torch.log(model()[5])))
                model.weights[index] -= sign * h
        assert float(grad[index]) == pytest.approx((values[0] - values[1]) / (2 * h), abs=1e-6)


def test_weights_shape_and_seeded_init():
    torch.manual_seed(4)
    a = BornMachine(3, 2)
    torch.manual_seed(4)
    b = BornMachine(3, 2)
    assert a.weights.shape == (3, 3, 3) and torch.equal(a.weights, b.weights)
    assert float(a.weights.min()) >= 0 and float(a.weights.max()) < 2 * np.pi


def test_bad_arguments_are_explained():
    with pytest.raises(InvalidModelError, match="num_qubits must be a positive integer"):
        BornMachine(0, 1)
    with pytest.raises(InvalidModelError, match="depth"):
        BornMachine(2, 0)
    with pytest.raises(InvalidModelError, match="at most 16 qubits"):
        BornMachine(17, 1)
    with pytest.raises(InvalidModelError, match="complex64 or torch.complex128"):
        BornMachine(2, 1, dtype=torch.float64)
    with pytest.raises(InvalidParameterError, match="cutoff must be an integer frequency in 0..3"):
        high_frequency_outcomes(3, 4)
