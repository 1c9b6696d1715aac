"""qspectral.classical.inverse: adjoint tests of the operators, exact sparse recovery, LASSO optimality,
and the network priors' bookkeeping.

The DCT reference is the orthonormal DCT-II matrix written from its formula, not scipy's.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qspectral.classical.convnets import ConvNet
from qspectral.classical.inverse import (
    Denoising,
    GaussianSensing,
    Inpainting,
    _prior_loss,
    basis_pursuit,
    deep_image_prior,
    lasso,
    progressive_sigmas,
    self_diffusion,
    sparsifying_basis,
)
from qspectral.errors import InvalidModelError, InvalidSignalError


def dct_matrix(n: int) -> np.ndarray:
    """Orthonormal DCT-II synthesis basis (columns): psi_k[j] = s_k cos(pi (2j + 1) k / 2n)."""
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    scale = np.where(k == 0, np.sqrt(1 / n), np.sqrt(2 / n))
    return scale * np.cos(np.pi * (2 * j + 1) * k / (2 * n))


def operators():
    g = torch.Generator().manual_seed(0)
    return [
        GaussianSensing(7, 20, generator=g),
        Inpainting.random((6, 5), 0.5, generator=g),
        Denoising((3, 4)),
    ]


@pytest.mark.parametrize("op", operators(), ids=lambda op: type(op).__name__)
def test_adjoint_identity(op):
    """<A x, y> == <x, A^T y> for random x, y (the adjoint test)."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn((3, *op.input_shape), generator=g, dtype=torch.float64)
    y = torch.randn((3, *op.output_shape), generator=g, dtype=torch.float64)
    lhs = (op.forward(x) * y).sum(dim=tuple(range(1, y.ndim)))
    rhs = (x * op.adjoint(y)).sum(dim=tuple(range(1, x.ndim)))
    assert torch.allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_gaussian_sensing_is_its_matrix_with_variance_one_over_m():
    op = GaussianSensing(50, 400, generator=torch.Generator().manual_seed(2))
    a = op.matrix.numpy()
    x = np.random.default_rng(0).normal(size=(2, 400))
    assert np.allclose(op.forward(torch.as_tensor(x)).numpy(), x @ a.T, atol=1e-12)
    assert a.var() == pytest.approx(1 / 50, rel=0.05)


def test_inpainting_keeps_observed_pixels():
    mask = np.array([[1, 0], [0, 1]])
    op = Inpainting(mask)
    x = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    assert op.forward(x).tolist() == [[[1.0, 0.0], [0.0, 4.0]]]
    with pytest.raises(InvalidSignalError, match="0 \\(missing\\) and 1 \\(observed\\)"):
        Inpainting([0.5, 1.0])


def test_operator_shape_errors():
    op = GaussianSensing(3, 8)
    with pytest.raises(InvalidSignalError, match="expects shape \\(batch, 8\\)"):
        op.forward(torch.zeros(8))
    with pytest.raises(InvalidModelError, match="num_measurements must be a positive integer"):
        GaussianSensing(0, 8)


@pytest.mark.parametrize("kind", ["dct", "fourier"])
def test_sparsifying_bases_are_orthonormal(kind):
    basis = sparsifying_basis(12, kind)
    assert np.allclose(basis.T @ basis, np.eye(12), atol=1e-12)
    if kind == "dct":
        assert np.allclose(basis, dct_matrix(12), atol=1e-12)
    with pytest.raises(InvalidModelError, match="unknown basis"):
        sparsifying_basis(4, "wavelet")


def test_basis_pursuit_recovers_sparse_signals_exactly():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(30, 64)) / np.sqrt(30)
    x_dct = dct_matrix(64)[:, [2, 9, 30]] @ np.array([1.0, -0.7, 0.4])
    assert np.allclose(basis_pursuit(a, a @ x_dct, basis="dct"), x_dct, atol=1e-8)
    t = np.arange(64) / 64
    x_sin = np.sin(2 * np.pi * 3 * t) + 0.5 * np.cos(2 * np.pi * 7 * t)  # 2-sparse in the real Fourier basis
    assert np.allclose(basis_pursuit(a, a @ x_sin, basis="fourier"), x_sin, atol=1e-8)
    with pytest.raises(InvalidSignalError, match="m = len\\(y\\) = 5"):
        basis_pursuit(a, np.zeros(5))


def test_lasso_denoising_is_dct_soft_thresholding():
    rng = np.random.default_rng(4)
    y = rng.normal(size=(1, 6, 5))
    psi_rows, psi_cols = dct_matrix(6), dct_matrix(5)
    coeffs = psi_rows.T @ y[0] @ psi_cols
    shrunk = np.sign(coeffs) * np.maximum(np.abs(coeffs) - 0.3, 0)
    expected = psi_rows @ shrunk @ psi_cols.T
    out = lasso(Denoising((6, 5)), torch.as_tensor(y), 0.3, iterations=5)
    assert np.allclose(out[0].numpy(), expected, atol=1e-10)


def test_lasso_inpainting_satisfies_optimality_conditions():
    """KKT: |grad_k| <= lam everywhere, and grad_k = -lam sign(c_k) on the support."""
    g = torch.Generator().manual_seed(5)
    op = Inpainting.random((16,), 0.6, generator=g)
    y = op.forward(torch.randn(1, 16, generator=g, dtype=torch.float64))
    lam = 0.05
    out = lasso(op, y, lam, iterations=3000)[0].numpy()
    psi = dct_matrix(16)
    c = psi.T @ out
    grad = psi.T @ (op.mask.numpy() * (out - y[0].numpy()))
    assert np.all(np.abs(grad) <= lam + 1e-6)
    support = np.abs(c) > 1e-6
    assert support.any()
    assert np.allclose(grad[support], -lam * np.sign(c[support]), atol=1e-6)


def _net(seed: int = 0) -> ConvNet:
    torch.manual_seed(seed)
    return ConvNet(1, 1, 1, hidden_channels=4, depth=3)


def test_self_diffusion_runs_levels_in_order_and_is_reproducible():
    op = Inpainting(torch.tensor([1.0, 0.0] * 8))
    y = op.forward(torch.linspace(0, 1, 16)[None])
    levels = []
    first = self_diffusion(_net(), op, y, [0.9, 0.6, 0.3], steps_per_level=3, lr=1e-2,
                           generator=torch.Generator().manual_seed(0), callback=lambda lv, est: levels.append(lv))
    second = self_diffusion(_net(), op, y, [0.9, 0.6, 0.3], steps_per_level=3, lr=1e-2,
                            generator=torch.Generator().manual_seed(0))
    assert levels == [2, 1, 0]
    assert len(first.losses) == 9 and np.array_equal(first.losses, second.losses)
    assert torch.equal(first.estimate, second.estimate)


def test_deep_image_prior_callbacks_and_errors():
    op = Denoising((16,))
    steps = []
    deep_image_prior(_net(), op, torch.ones(1, 16), steps=7, lr=1e-2, callback_every=3,
                     callback=lambda s, est: steps.append(s))
    assert steps == [3, 6, 7]
    with pytest.raises(InvalidSignalError, match="y must have shape \\(1, 16\\)"):
        deep_image_prior(_net(), op, torch.ones(16), steps=1)
    with pytest.raises(InvalidModelError, match="steps_per_level must be a positive integer"):
        self_diffusion(_net(), op, torch.ones(1, 16), [0.5], steps_per_level=0)
    with pytest.raises(InvalidModelError, match="strictly decreasing"):
        self_diffusion(_net(), op, torch.ones(1, 16), [0.5, 0.9], steps_per_level=1)


class _Free(torch.nn.Module):
    """A "network" whose output is a free parameter vector: training it is plain optimisation over x."""

    def __init__(self, start: torch.Tensor) -> None:
        super().__init__()
        self.x = torch.nn.Parameter(start.clone()[None, None])
        self.inputs: list[torch.Tensor] = []

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.inputs.append(z.detach().clone())
        return self.x


def test_fourier_l1_loss_matches_numpy_fft():
    """The first recorded loss is ||A x0 - y||^2 + lam * sum(|Re X| + |Im X|), X = fft_ortho(x0), here with numpy."""
    rng = np.random.default_rng(3)
    x0, y = rng.normal(size=16), rng.normal(size=(1, 16))
    for lam in (0.0, 0.7):
        out = deep_image_prior(_Free(torch.as_tensor(x0)), Denoising((16,)), torch.as_tensor(y), steps=1,
                               fourier_l1=lam)
        spectrum = np.fft.fft(x0, norm="ortho")
        expected = np.sum((x0 - y[0]) ** 2) + lam * (np.abs(spectrum.real).sum() + np.abs(spectrum.imag).sum())
        assert out.losses[0] == pytest.approx(expected, rel=1e-12)


def soft(v: np.ndarray, threshold: float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - threshold, 0)


def test_fourier_l1_denoising_converges_to_soft_thresholding_of_the_spectrum():
    """With A = I and F unitary, ||x - y||^2 + lam sum(|Re X| + |Im X|) separates over Re X_k and Im X_k:
    the optimum is X = soft(Re Y, lam / 2) + i soft(Im Y, lam / 2) (conjugate-symmetric, so x is real)."""
    y = np.random.default_rng(4).normal(size=32)
    lam = 1.0
    spectrum = np.fft.fft(y, norm="ortho")
    shrunk = soft(spectrum.real, lam / 2) + 1j * soft(spectrum.imag, lam / 2)
    optimum = np.fft.ifft(shrunk, norm="ortho").real
    out = deep_image_prior(_Free(torch.zeros(32, dtype=torch.float64)), Denoising((32,)),
                           torch.as_tensor(y)[None], steps=3000, lr=2e-3, fourier_l1=lam)
    assert np.abs(out.estimate[0].detach().numpy() - optimum).max() < 0.02
    assert np.abs(y - optimum).max() > 0.2  # the penalty moved the answer: the check above is not trivial


def test_self_diffusion_starts_from_noise_then_adds_the_level_noise():
    """Paper's Algorithm 1: x_T = eps_0 ~ N(0, I); the first input is eps_0 + sigma_T eps_T (draws in that order)."""
    net = _Free(torch.zeros(8, dtype=torch.float64))
    alpha_bar = [0.9, 0.6]
    self_diffusion(net, Denoising((8,)), torch.zeros(1, 8, dtype=torch.float64), alpha_bar, steps_per_level=2,
                   generator=torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(5)
    eps0 = torch.randn(1, 8, generator=g, dtype=torch.float64)
    eps_t = torch.randn(1, 8, generator=g, dtype=torch.float64)
    assert torch.allclose(net.inputs[0][:, 0], eps0 + np.sqrt(1 - alpha_bar[-1]) * eps_t, atol=1e-12)


def test_fourier_l1_must_be_non_negative():
    with pytest.raises(InvalidModelError, match="fourier_l1 must be a finite number >= 0"):
        deep_image_prior(_net(), Denoising((16,)), torch.ones(1, 16), steps=1, fourier_l1=-1.0)
    with pytest.raises(InvalidModelError, match="fourier_l1 must be a finite number >= 0"):
        self_diffusion(_net(), Denoising((16,)), torch.ones(1, 16), [0.5], steps_per_level=1, fourier_l1=float("nan"))


def test_progressive_sigmas_follow_the_authors_stages():
    sig = progressive_sigmas(6, beta_start=1e-3, beta_end=1e-2, factors=(1, 3), min_levels=3)
    expected = []
    for factor, count in ((1, 6), (3, 3)):  # max(6 // f, 3) levels, beta / f
        betas = np.linspace(1e-3 / factor, 1e-2 / factor, count)
        expected += [np.sqrt(1 - np.prod(1 - betas[: t + 1])) for t in reversed(range(count))]
    assert np.allclose(sig, expected, rtol=1e-13)


def test_authors_loss_form_is_norm_plus_fft_modulus_plus_total_variation():
    op = Denoising((8,))
    x = torch.linspace(-1, 1, 8, dtype=torch.float64)[None] ** 2
    y = torch.ones(1, 8, dtype=torch.float64)
    got = float(_prior_loss(op, x, y, 0.3, tv=0.2, loss_form="authors"))
    xn = x[0].numpy()
    expected = np.linalg.norm(xn - 1) + 0.3 * np.abs(np.fft.fft(xn)).sum() + 0.2 * np.abs(np.diff(xn)).sum()
    assert got == pytest.approx(expected, rel=1e-12)
    ours = float(_prior_loss(op, x, y, 0.3))
    spectrum = np.fft.fft(xn, norm="ortho")
    assert ours == pytest.approx(((xn - 1) ** 2).sum() + 0.3 * (np.abs(spectrum.real) + np.abs(spectrum.imag)).sum())
    with pytest.raises(InvalidModelError, match="exactly one"):
        self_diffusion(_net(), op, y, [0.5], steps_per_level=1, sigmas=[0.1])
