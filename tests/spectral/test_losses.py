"""Fourier-domain losses against Parseval and closed-form sinusoid energies."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qspectral.errors import InvalidSignalError
from qspectral.spectral.losses import fourier_loss, high_frequency_penalty, high_frequency_weights


def test_unweighted_fourier_loss_is_the_mse_with_the_same_gradient():
    torch.manual_seed(0)
    pred = torch.randn(4, 30, dtype=torch.float64, requires_grad=True)
    target = torch.randn(4, 30, dtype=torch.float64)
    loss = fourier_loss(pred, target)
    (grad,) = torch.autograd.grad(loss, pred)
    mse = torch.nn.functional.mse_loss(pred, target)
    (grad_mse,) = torch.autograd.grad(mse, pred)
    assert loss.item() == pytest.approx(mse.item(), rel=1e-12)
    assert torch.allclose(grad, grad_mse, atol=1e-14)


def test_weighted_fourier_loss_of_a_cosine():
    n, k = 16, 3
    j = torch.arange(n, dtype=torch.float64)
    signal = torch.cos(2 * torch.pi * k * j / n)  # unitary FFT: sqrt(n)/2 at +-k
    weights = torch.zeros(n, dtype=torch.float64)
    weights[k] = 2.0
    assert float(fourier_loss(signal, torch.zeros(n, dtype=torch.float64), weights)) == pytest.approx(2.0 * (n / 4) / n)


def test_fourier_loss_along_another_dim():
    torch.manual_seed(1)
    pred, target = torch.randn(10, 3), torch.randn(10, 3)
    weights = torch.linspace(0, 1, 10)
    expected = fourier_loss(pred.T, target.T, weights)
    assert torch.isclose(fourier_loss(pred, target, weights, dim=0), expected)


def test_fourier_loss_rejects_bad_shapes():
    with pytest.raises(InvalidSignalError, match="must match"):
        fourier_loss(torch.zeros(3), torch.zeros(4))
    with pytest.raises(InvalidSignalError, match="length 4"):
        fourier_loss(torch.zeros(4), torch.zeros(4), torch.ones(5))


def test_high_frequency_weights_formula():
    n, cutoff, power = 10, 2, 1.5
    k = np.abs(np.fft.fftfreq(n, 1 / n))
    expected = np.where(k > cutoff, (k / cutoff) ** power, 0.0)
    assert np.allclose(high_frequency_weights(n, cutoff, power=power, dtype=torch.float64).numpy(), expected)
    with pytest.raises(InvalidSignalError, match="cutoff must be"):
        high_frequency_weights(8, 0)
    with pytest.raises(InvalidSignalError, match="positive number of samples"):
        high_frequency_weights(0, 1)


@pytest.mark.parametrize("k0, amplitude, cutoff, power", [(5, 2.0, 2, 2.0), (7, 0.5, 3, 1.0)])
def test_high_frequency_penalty_of_a_sinusoid(k0, amplitude, cutoff, power):
    n = 32
    j = torch.arange(n, dtype=torch.float64)
    signal = amplitude * torch.sin(2 * torch.pi * k0 * j / n + 0.4)
    expected = 2 * (k0 / cutoff) ** power * amplitude**2 / 4
    assert float(high_frequency_penalty(signal, cutoff, power=power)) == pytest.approx(expected, rel=1e-12)


def test_high_frequency_penalty_ignores_low_frequencies_and_averages_batches():
    n = 32
    j = torch.arange(n, dtype=torch.float64)
    low = torch.sin(2 * torch.pi * 2 * j / n)
    high = torch.sin(2 * torch.pi * 6 * j / n)
    assert float(high_frequency_penalty(low, 3)) == pytest.approx(0.0, abs=1e-28)
    batch = torch.stack([low, high])
    assert float(high_frequency_penalty(batch, 3)) == pytest.approx(float(high_frequency_penalty(high, 3)) / 2)


def test_high_frequency_penalty_is_differentiable():
    signal = torch.randn(16, dtype=torch.float64, requires_grad=True)
    high_frequency_penalty(signal, 2).backward()
    assert signal.grad is not None and torch.isfinite(signal.grad).all()
