"""qspectral.classical.diffusion against closed forms, dense-matrix samplers and Monte Carlo.

The dense references below build covariance matrices entry by entry from the autocorrelation
``ifft(S)`` and solve for the Bayes denoiser with ``numpy.linalg.solve``; they share no code
with the FFT-based implementation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.linalg import circulant

from qspectral.classical.diffusion import (
    GaussianDenoiser,
    LinearDenoiser,
    check_schedule,
    cosine_schedule,
    ddim_noise_scales,
    ddim_sample,
    ddim_transfer_function,
    design_schedule,
    emergence_steps,
    linear_denoiser_learning_curves,
    linear_schedule,
    sampler_output_spectrum,
    sigma_schedule,
    train_denoiser,
    vp_denoiser_gains,
)
from qspectral.errors import InvalidModelError, InvalidSignalError
from qspectral.spectral.stationary import (
    empirical_spectrum,
    log_spectral_distance,
    power_law_spectrum,
    real_fourier_basis,
    sample_stationary,
)
from qspectral.spectral.wiener import wiener_filter


def issue_step_gain(S, ab_t, ab_prev):
    """The per-step DDIM gain as written in the issue (Benita et al.)."""
    return (np.sqrt(ab_prev * ab_t) * S + np.sqrt((1 - ab_prev) * (1 - ab_t))) / (ab_t * S + 1 - ab_t)


def dense_covariance(spectrum: np.ndarray) -> np.ndarray:
    """Covariance of a stationary signal with unitary power spectrum S: C[i, j] = ifft(S)[(i - j) mod N]."""
    shape = spectrum.shape
    r = np.real(np.fft.ifftn(spectrum))
    coords = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), -1).reshape(-1, len(shape))
    diff = (coords[:, None, :] - coords[None, :, :]) % np.array(shape)
    return r[tuple(diff[..., a] for a in range(len(shape)))]


def dense_denoiser(spectrum: np.ndarray, alpha_bar: np.ndarray):
    """E[x0 | x_t] = sqrt(ab) C (ab C + (1 - ab) I)^-1 x_t, with dense matrices."""
    c = dense_covariance(spectrum)
    eye = np.eye(c.shape[0])
    mats = [torch.as_tensor(np.sqrt(ab) * c @ np.linalg.inv(ab * c + (1 - ab) * eye)) for ab in alpha_bar]
    shape = spectrum.shape

    def denoise(x: torch.Tensor, level: int) -> torch.Tensor:
        flat = x.reshape(x.shape[0], -1)
        return (flat @ mats[level].T).reshape(x.shape[0], *shape)

    return denoise


# ---------------------------------------------------------------------------------------------
# schedules
# ---------------------------------------------------------------------------------------------
def test_linear_schedule_end_value_matches_ddpm():
    # DDPM's linear schedule ends at alpha_bar_1000 = 4.036e-5 (Ho et al. 2020; widely quoted)
    assert linear_schedule(1000)[-1] == pytest.approx(4.036e-5, rel=1e-3)
    assert linear_schedule(10)[0] == pytest.approx(np.prod(1 - np.linspace(1e-4, 0.02, 1000)[:100]))


def test_linear_schedule_over_its_own_steps():
    ab = linear_schedule(3, train_steps=3)
    assert ab.tolist() == pytest.approx([1 - 1e-4, (1 - 1e-4) * (1 - 0.01005), (1 - 1e-4) * (1 - 0.01005) * 0.98])


def test_cosine_schedule_closed_form_midpoint():
    f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    assert cosine_schedule(2)[0] == pytest.approx(f(0.5) / f(0.0), rel=1e-12)


def test_sigma_schedule_round_trip():
    sigma = np.array([0.1, 1.0, 10.0])
    ab = sigma_schedule(sigma)
    assert np.allclose(np.sqrt((1 - ab) / ab), sigma)


@pytest.mark.parametrize(
    "bad, words",
    [([0.5, 0.9], "strictly decreasing"), ([1.0, 0.5], "[0, 1)"), ([], "non-empty"), ([[0.5]], "1-D"),
     ([0.5, float("nan")], "finite")],
)
def test_check_schedule_rejects(bad, words):
    with pytest.raises(InvalidModelError, match=words.replace("[", r"\[").replace(")", r"\)")):
        check_schedule(bad)


def test_schedule_sizes_are_checked():
    with pytest.raises(InvalidModelError, match="exceeds train_steps"):
        linear_schedule(2000)
    with pytest.raises(InvalidModelError, match="positive integer"):
        cosine_schedule(0)


# ---------------------------------------------------------------------------------------------
# the transfer function
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("schedule", [cosine_schedule(7), linear_schedule(5), np.array([0.9, 0.3, 0.0])])
def test_transfer_function_is_the_issue_product(schedule):
    S = power_law_spectrum(16, 1.5)
    prev = np.concatenate([[1.0], schedule[:-1]])
    expected = np.prod([issue_step_gain(S, a, p) for a, p in zip(schedule, prev)], axis=0)
    assert np.allclose(ddim_transfer_function(S, schedule), expected, rtol=1e-12, atol=0)


def test_many_steps_reproduce_the_spectrum():
    S = power_law_spectrum(32, 2.0)
    assert np.allclose(ddim_transfer_function(S, cosine_schedule(1000)) ** 2, S, rtol=0.02)


def test_gaussian_denoiser_matches_dense_bayes_denoiser():
    S = power_law_spectrum((4, 6), 2.0)
    ab = cosine_schedule(3)
    x = torch.randn(5, 4, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    fft_based, dense = GaussianDenoiser(S, ab), dense_denoiser(S, ab)
    for level in range(3):
        assert torch.allclose(fft_based(x, level), dense(x, level), atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("shape, eta", [((16,), 0.0), ((16,), 1.0), ((4, 4), 0.0)])
def test_transfer_function_against_monte_carlo_sampler(shape, eta):
    """Run the sampler with the dense Bayes denoiser on noise; compare the spectrum per frequency."""
    S = power_law_spectrum(shape, 1.0)
    ab = cosine_schedule(8)
    n = 6000
    g = torch.Generator().manual_seed(1)
    noise = torch.randn((n, *shape), generator=g, dtype=torch.float64)
    samples = ddim_sample(dense_denoiser(S, ab), noise, ab, eta=eta, generator=g).numpy()
    measured = np.mean(np.abs(np.fft.fftn(samples, axes=tuple(range(1, len(shape) + 1)))) ** 2, axis=0) / S.size
    predicted = sampler_output_spectrum(S, ab, eta=eta)
    z = (measured / predicted - 1) / np.sqrt(2.0 / n)  # |X|^2 has relative std <= sqrt(2)
    assert np.max(np.abs(z)) < 5
    if eta == 0:
        assert np.allclose(predicted, ddim_transfer_function(S, ab) ** 2, rtol=1e-12)
    else:
        assert not np.allclose(predicted, ddim_transfer_function(S, ab) ** 2, rtol=1e-2)


def test_ddpm_noise_scales_closed_form():
    ab = np.array([0.9, 0.6])
    s = ddim_noise_scales(ab, 1.0)
    # DDPM posterior std: sqrt((1 - ab_{t-1}) / (1 - ab_t) * beta_t), beta_t = 1 - ab_t / ab_{t-1}
    assert s[1] == pytest.approx(math.sqrt(0.1 / 0.4 * (1 - 0.6 / 0.9)))
    assert s[0] == 0.0
    with pytest.raises(InvalidModelError, match="eta must lie in"):
        ddim_noise_scales(ab, 1.5)


def test_design_beats_heuristics_and_is_reproducible():
    S = power_law_spectrum(64, 1.0)
    assert np.array_equal(design_schedule(S, 5, iterations=20).alpha_bar, design_schedule(S, 5, iterations=20).alpha_bar)
    first = design_schedule(S, 5, iterations=300)
    check_schedule(first.alpha_bar)
    start = np.clip(cosine_schedule(5), 1e-6, 1 - 1e-6)  # the documented clipping of the start
    assert first.initial_log_spectral_distance == pytest.approx(
        log_spectral_distance(ddim_transfer_function(S, start) ** 2, S), rel=1e-9)
    lsd_cosine = log_spectral_distance(ddim_transfer_function(S, cosine_schedule(5)) ** 2, S)
    achieved = log_spectral_distance(ddim_transfer_function(S, first.alpha_bar) ** 2, S)
    assert achieved == pytest.approx(first.log_spectral_distance, rel=1e-6)
    assert achieved < 0.8 * lsd_cosine


def test_design_schedule_rejects_mismatched_init():
    with pytest.raises(InvalidModelError, match="init has 3 levels"):
        design_schedule(power_law_spectrum(8, 1.0), 4, init=cosine_schedule(3))


# ---------------------------------------------------------------------------------------------
# spectra
# ---------------------------------------------------------------------------------------------
def test_sampled_signals_have_the_spectrum():
    S = power_law_spectrum(32, 1.0)
    x = sample_stationary(S, 8000, generator=torch.Generator().manual_seed(3)).numpy()
    measured = np.mean(np.abs(np.fft.fft(x)) ** 2, axis=0) / 32
    assert np.max(np.abs(measured / S - 1)) < 5 * np.sqrt(2 / 8000)
    assert np.allclose(empirical_spectrum(x), measured)


def test_power_law_spectrum_shape_and_errors():
    S = power_law_spectrum((8, 8), 2.0)
    assert S.shape == (8, 8) and S.mean() == pytest.approx(1.0) and S[0, 1] == S[0, -1] == S[1, 0]
    assert S[0, 1] / S[1, 1] == pytest.approx(((1 + 2) / (1 + 1)))
    with pytest.raises(InvalidSignalError, match="shape must be N or"):
        power_law_spectrum((2, 2, 2), 1.0)


def test_log_spectral_distance_and_its_errors():
    assert log_spectral_distance([1.0, 100.0], [1.0, 1.0]) == pytest.approx(math.sqrt(400 / 2))
    with pytest.raises(InvalidSignalError, match="must match"):
        log_spectral_distance([1.0], [1.0, 2.0])
    with pytest.raises(InvalidSignalError, match="positive"):
        log_spectral_distance([0.0], [1.0])


def test_spectra_must_be_positive():
    with pytest.raises(InvalidSignalError, match="strictly positive"):
        ddim_transfer_function([1.0, 0.0], cosine_schedule(3))


def test_wiener_filter_matches_numpy():
    rng = np.random.default_rng(0)
    S, y = power_law_spectrum(16, 1.0), rng.normal(size=(3, 16))
    expected = np.real(np.fft.ifft(S / (S + 0.3) * np.fft.fft(y)))
    assert np.allclose(wiener_filter(torch.as_tensor(y), S, 0.3).numpy(), expected, atol=1e-12)
    with pytest.raises(InvalidSignalError, match="noise_variance must be positive"):
        wiener_filter(torch.as_tensor(y), S, 0.0)


def test_real_fourier_basis_diagonalises_circulant_matrices():
    for n in (7, 8):
        basis, freqs = real_fourier_basis(n)
        assert np.allclose(basis.T @ basis, np.eye(n), atol=1e-12)
        first_column = np.real(np.fft.ifft(power_law_spectrum(n, 1.0)))  # symmetric -> symmetric circulant
        c = circulant(first_column)
        diag = basis.T @ c @ basis
        assert np.allclose(diag, np.diag(np.diag(diag)), atol=1e-12)
        assert np.allclose(np.diag(diag), power_law_spectrum(n, 1.0)[freqs])


# ---------------------------------------------------------------------------------------------
# linear denoiser: closed form vs training
# ---------------------------------------------------------------------------------------------
def test_linear_denoiser_closed_form_matches_gradient_descent_d4():
    """d = 4, two noise levels: GD with fresh noise follows the closed form in the data's eigenbasis."""
    rng = np.random.default_rng(5)
    basis, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    lam = np.array([1.0, 0.5, 0.2, 0.05])
    data = torch.as_tensor(rng.normal(size=(4000, 4)) * np.sqrt(lam) @ basis.T)
    values, vectors = np.linalg.eigh(data.numpy().T @ data.numpy() / data.shape[0])
    ab = np.array([0.95, 0.4])
    steps = [0, 5, 20, 80, 300]
    recorded = {}
    model = LinearDenoiser(2, 4)
    train_denoiser(model, data, ab, steps=300, lr=0.2, generator=torch.Generator().manual_seed(0),
                   record_steps=steps, on_record=lambda s, m: recorded.__setitem__(s, m.weight.detach().numpy().copy()))
    theory = linear_denoiser_learning_curves(values, ab, steps, 0.2)
    u = vectors
    for i, step in enumerate(steps):
        rotated = np.einsum("dk,lde,ej->lkj", u, recorded[step], u)
        diagonal = np.diagonal(rotated, axis1=1, axis2=2)
        assert np.max(np.abs(diagonal - theory[i])) < 0.02, step
        off = rotated - np.einsum("lk,kj->lkj", diagonal, np.eye(4))
        assert np.max(np.abs(off)) < 0.02
    # the fixed point is the Wiener gain sqrt(ab) lambda / (ab lambda + 1 - ab)
    assert np.allclose(theory[-1], vp_denoiser_gains(values, ab), atol=1e-6)


def test_closed_form_rejects_divergent_learning_rate():
    with pytest.raises(InvalidModelError, match="lower the learning rate"):
        linear_denoiser_learning_curves([4.0], [0.9], [1], lr=1.0)


def test_train_denoiser_argument_errors():
    model, data = LinearDenoiser(1, 2), torch.zeros(4, 2, dtype=torch.float64)
    with pytest.raises(InvalidModelError, match="'gd' or 'adam'"):
        train_denoiser(model, data, [0.5], steps=1, lr=0.1, optimizer="sgd")
    with pytest.raises(InvalidModelError, match=r"shape \(num_samples, dim\)"):
        train_denoiser(model, data[None], [0.5], steps=1, lr=0.1)


def test_sampler_matrix_of_linear_denoiser_is_exact():
    """ddim_sample of sqrt(d) I gives sqrt(d) M^T; compare with the per-step matrix product."""
    rng = np.random.default_rng(2)
    model = LinearDenoiser(3, 3)
    with torch.no_grad():
        model.weight.copy_(torch.as_tensor(rng.normal(size=(3, 3, 3)) * 0.3))
    ab = cosine_schedule(3)
    out = ddim_sample(model, math.sqrt(3) * torch.eye(3, dtype=torch.float64), ab).numpy() / math.sqrt(3)
    prev = np.concatenate([[1.0], ab[:-1]])
    m = np.eye(3)
    for t in range(3):  # level t applied after levels > t: M = A_1 A_2 A_3
        w = model.weight[t].detach().numpy()
        a = np.sqrt(prev[t]) * w + np.sqrt(1 - prev[t]) * (np.eye(3) - np.sqrt(ab[t]) * w) / np.sqrt(1 - ab[t])
        m = m @ a
    assert np.allclose(out, m.T, atol=1e-12)


def test_emergence_steps_directions_and_never():
    steps = [0, 10, 100]
    values = [[0.0, 2.0, 0.0], [0.5, 1.5, 0.1], [1.0, 1.0, 0.2]]
    out = emergence_steps(steps, values, [1.0, 1.0, 1.0])
    assert out[0] == pytest.approx(10.0)  # reaches 0.5 exactly at step 10
    assert out[1] == pytest.approx(10.0)  # falls to 1.5 (half-way from 2 to 1) at step 10
    assert np.isnan(out[2])
    with pytest.raises(InvalidSignalError, match="increasing steps"):
        emergence_steps([0, 0], [[0.0], [1.0]], [1.0])
