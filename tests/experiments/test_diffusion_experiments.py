"""The four diffusion experiments on reduced configs: registration, metric structure, claims,
reproducibility and output files; and the QFT Wiener filter against numpy FFT filtering."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qspectral import simulate, spectral_filter
from qspectral.errors import InvalidModelError, UnknownExperimentError
from qspectral.experiments.diffusion.self_diffusion import authors_departures
from qspectral.experiments.registry import experiment_names, get_experiment
from qspectral.experiments.report import metrics_document, run_experiment, write_run
from qspectral.sim.backends import available_backends
from qspectral.spectral.stationary import power_law_spectrum
from qspectral.spectral.wiener import wiener_gains

NAMES = ("denoiser-spectral-bias", "schedule-design", "self-diffusion", "qft-wiener-filter")

SMALL = {
    "denoiser-spectral-bias": dict(dim=8, levels=4, train_samples=2048, gd_steps=150, adam_steps=40, net_steps=10,
                                   net_samples=16, net_width=8, records=12, variance_samples=32, seeds=1),
    "schedule-design": dict(shapes=((32,), (8, 8)), num_steps=(5, 10), small_steps=(5,), design_iterations=60,
                            samples=32, check_samples=400, noise_seeds=1),
    "self-diffusion": dict(cs_seeds=(0,), cs_levels=3, cs_steps_per_level=4, net_channels=4, net_levels=2,
                           image_size=16, image_levels=2, image_steps_per_level=3, lasso_iterations=20),
    "qft-wiener-filter": dict(qubits=(3, 4), trained_qubits=(3,), train_samples=256, train_steps=60, shot_repeats=4),
}


@pytest.fixture(scope="module")
def runs():
    return {name: run_experiment(name, mode="quick", progress=False, **SMALL[name]) for name in NAMES}


def test_registered_with_quick_and_full():
    for name in NAMES:
        assert name in experiment_names()
        experiment = get_experiment(name)
        assert experiment.quick != experiment.full
    with pytest.raises(UnknownExperimentError, match="no config field"):
        get_experiment("self-diffusion").config("quick", not_a_field=1)


def test_same_seed_gives_identical_metrics(runs):
    for name in ("schedule-design", "qft-wiener-filter"):
        again = run_experiment(name, mode="quick", progress=False, **SMALL[name])
        assert json.dumps(metrics_document(again)) == json.dumps(metrics_document(runs[name]))


def test_outputs_are_written(runs, tmp_path):
    for name, run in runs.items():
        folder = write_run(run, tmp_path)
        document = json.loads((folder / "metrics.json").read_text())
        assert document["experiment"] == name
        for claim in document["claims"]:
            assert set(claim) == {"text", "criterion", "measured", "holds", "kind", "source", "paper_value", "departures", "effect", "seeds", "indicative"}
            assert claim["kind"] in ("paper", "check") and (claim["kind"] == "check" or claim["source"])
        assert list(folder.glob("*.png"))


def test_denoiser_bias_metrics(runs):
    metrics = runs["denoiser-spectral-bias"].result.metrics
    assert set(metrics["models"]) == {"linear-gd", "linear-adam", "circulant-linear-gd", "circulant-mlp",
                                      "circulant-conv"}
    assert len(metrics["alpha_bar"]) == 4 and metrics["paper_alpha"]["linear (d=256)"] == 1.08
    gd = metrics["models"]["linear-gd"]
    assert len(gd["emergence_steps"]) == 8
    assert {"alpha", "weight_max_abs_deviation", "variance_max_relative_deviation_median"} <= set(gd["theory"])
    # even on this tiny budget the trained curves follow the closed form
    assert gd["theory"]["variance_max_relative_deviation_median"] < 0.1
    assert "theory" not in metrics["models"]["circulant-mlp"]
    texts = [c.text for c in runs["denoiser-spectral-bias"].result.claims]
    assert len(texts) == 2 and "alpha ~ 1" in texts[0]


def test_schedule_design_metrics(runs):
    metrics = runs["schedule-design"].result.metrics
    assert set(metrics["cases"]) == {"1d", "2d"}
    for case in metrics["cases"].values():
        assert case["transfer_check"]["holds"]
        for entry in case["steps"].values():
            assert set(entry) == {"linear", "cosine", "designed"}
            assert entry["designed"]["predicted_lsd_db"] <= min(entry[k]["predicted_lsd_db"] for k in ("linear", "cosine"))
    transfer, design, frechet = runs["schedule-design"].result.claims
    assert transfer.holds and design.holds
    # the Fréchet claim, recomputed from the predicted spectra: sum (sqrt P - sqrt S)^2 / sum S
    curves = runs["schedule-design"].result.curves
    for name, case in metrics["cases"].items():
        spectrum = np.asarray(curves[name]["spectrum"])
        for steps, entry in case["steps"].items():
            for kind in ("linear", "cosine", "designed"):
                power = np.asarray(curves[name]["steps"][int(steps)][kind])
                expected = ((np.sqrt(power) - np.sqrt(spectrum)) ** 2).sum() / spectrum.sum()
                assert entry[kind]["predicted_frechet"] == pytest.approx(expected, rel=1e-12)
                assert len(entry[kind]["sampled_frechet_per_seed"]) == 1
    assert frechet.kind == "paper" and frechet.seeds == 1 and set(frechet.measured) == {"1d T=5", "2d T=5"}
    assert frechet.holds == all(v["designed"] <= min(x for k, x in v.items() if k != "designed")
                                for v in frechet.measured.values())


def test_self_diffusion_metrics(runs):
    metrics = runs["self-diffusion"].result.metrics
    cs = metrics["compressed_sensing"]
    assert cs["paper"] == {"ADMM-BP": 5.57, "DIP": 2.43, "SDI": 0.53}
    assert set(cs["error"]) == {"self-diffusion", "deep-image-prior", "deep-image-prior-own-l1", "basis-pursuit-dct",
                                "basis-pursuit-fourier"}
    assert cs["error"]["basis-pursuit-fourier"]["mean"] < 1e-6  # 7 sinusoids: 7-sparse in the real Fourier basis
    assert len(cs["final_frequency_errors"]["self-diffusion"]) == 7
    # the paper's Algorithm 1 schedule: beta_t = beta_end + t/(T-1) (beta_start - beta_end), t = 0..T-1, with its
    # beta_start = 4e-3, beta_end = 1e-6; sigma_t = sqrt(1 - prod_{i<=t} (1 - beta_i)); T = 3 here
    beta = 1e-6 + np.arange(3) / 2 * (4e-3 - 1e-6)
    assert cs["sigma_range"] == pytest.approx(np.sqrt(1 - np.cumprod(1 - beta))[[0, -1]].tolist(), rel=1e-9)
    images = metrics["images"]
    assert set(images["tasks"]) == {"denoising", "inpainting"}
    psnr = images["tasks"]["denoising"]["mean_psnr"]
    assert set(psnr) == {"input", "self-diffusion", "deep-image-prior", "deep-image-prior-best-checkpoint", "lasso-dct"}
    assert psnr["input"] == pytest.approx(20 * np.log10(255 / 25), abs=0.5)  # noise at 25/255
    assert len(runs["self-diffusion"].result.claims) == 2


def test_self_diffusion_without_images_notes_why():
    result = get_experiment("self-diffusion").run(
        get_experiment("self-diffusion").config("quick", **(SMALL["self-diffusion"] | {"image_names": ()})), seed=0)
    assert "skipped" in result.metrics["images"] and len(result.claims) == 1


def test_qft_wiener_metrics(runs):
    metrics = runs["qft-wiener-filter"].result.metrics
    for n, entry in metrics["sizes"].items():
        assert entry["backends"], n
        for backend, result in entry["backends"].items():
            assert result["fidelity"] > 1 - 1e-10
            assert result["max_abs_diff_wiener"] < 1e-10
            assert result["probability_error"] < 1e-10
            successes = int(np.ceil((2 ** int(n) - 1) / (4 * 0.05**2)))  # delta method: E||err||^2 = (N-1)/(4k)
            assert result["successes_for_target_error"] == successes
            assert result["shots_for_target_error"] == int(np.ceil(successes / result["success_probability"]))
            assert abs(result["sampled_error_at_those_shots"] - 0.05) < 0.01
    assert metrics["sizes"]["3"]["trained_linear"]["fidelity_with_wiener"] > 0.95
    assert all(c.holds for c in runs["qft-wiener-filter"].result.claims[:2])


def test_config_errors():
    with pytest.raises(InvalidModelError, match="one exponent per shape"):
        run_experiment("schedule-design", shapes=((8,),), exponents=(1.0, 2.0))
    with pytest.raises(InvalidModelError, match="unknown or missing model"):
        run_experiment("denoiser-spectral-bias", models=("transformer",))
    with pytest.raises(InvalidModelError, match="trained_qubits"):
        run_experiment("qft-wiener-filter", qubits=(3,), trained_qubits=(4,))


@pytest.mark.parametrize("backend", [b for b in ("aer", "engine", "qiskit") if b in available_backends()])
@pytest.mark.parametrize("n", [3, 5, 8])
def test_qft_wiener_filter_matches_numpy_fft(backend, n):
    """The block-encoded Wiener filter against numpy: ifft(H * fft(psi)) normalised, to 1e-10."""
    size = 2**n
    rng = np.random.default_rng(n)
    psi = rng.normal(size=size)
    psi /= np.linalg.norm(psi)
    gains = wiener_gains(power_law_spectrum(size, 1.0), 0.3)
    block = spectral_filter(n, gains)
    state, probability = block.postselect(simulate(block.circuit, backend, initial_state=np.concatenate([psi, np.zeros(size)])))
    reference = np.fft.ifft(gains * np.fft.fft(psi))
    assert np.max(np.abs(state - reference / np.linalg.norm(reference))) < 1e-10
    assert abs(probability - np.linalg.norm(reference) ** 2) < 1e-10


def test_self_diffusion_runs_the_authors_progressive_schedule_loss_and_network():
    experiment = get_experiment("self-diffusion")
    config = experiment.config("quick", cs_seeds=(2,), cs_levels=4, cs_stage_factors=(1, 2), cs_min_levels=1,
                               cs_steps_per_level=2, cs_loss_form="authors", cs_tv=0.01, cs_fourier_l1=0.01,
                               cs_dip_fourier_l1=0.01, cs_network="classic", cs_net_channels=4, cs_net_levels=2,
                               cs_init_std=0.02, image_names=())
    result = experiment.run(config, seed=0)
    cs = result.metrics["compressed_sensing"]
    assert cs["levels"] == 4 + 2  # stage 1: 4 levels; stage 2 (beta / 2): 4 // 2
    # one DIP run serves both weights when they are equal
    assert cs["error_per_seed"]["deep-image-prior"] == cs["error_per_seed"]["deep-image-prior-own-l1"]
    departures = result.claims[0].departures
    assert any("cs_levels = 4 (authors: 40)" in d for d in departures)
    assert not any("cs_loss_form" in d or "cs_network" in d for d in departures)
    assert authors_departures(experiment.full) == []
    with pytest.raises(InvalidModelError, match="cs_network must be one of"):
        experiment.run(experiment.config("quick", cs_network="resnet"), seed=0)


def test_denoiser_bias_seeds_give_a_mean_alpha_with_an_interval():
    experiment = get_experiment("denoiser-spectral-bias")
    config = experiment.config("quick", **(SMALL["denoiser-spectral-bias"] | {"models": ("linear-gd",), "seeds": 3}))
    result = experiment.run(config, seed=0)
    alphas = result.metrics["models"]["linear-gd"]["alpha_per_seed"]
    claim = result.claims[0]
    assert len(alphas) == 3 and len(set(alphas)) == 3 and claim.seeds == 3
    assert claim.effect["mean"] == pytest.approx(np.mean(alphas))
    assert claim.holds == (0.8 <= np.mean(alphas) <= 1.2)  # the criterion's [0.8, 1.2]
    assert experiment.full.seeds >= 10
