"""Experiment ``born-machine``: the regulariser against numpy, the read-out, a reduced run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qspectral.errors import InvalidModelError
from qspectral.experiments.born_machine import (
    EXPERIMENT,
    HistogramDensity,
    MLPDensity,
    distribution_and_penalty,
    kde_pmf,
    regularisation_effect,
    target_distribution,
)
from qspectral.experiments.registry import experiment_names
from qspectral.experiments.report import metrics_document, run_experiment, write_run
from qspectral.quantum.born import BornMachine
from qspectral.sim.backends import available_backends

SMALL = {
    "num_qubits": 4,
    "depth": 2,
    "sample_sizes": (20, 200),
    "lambdas": (0.0, 10.0),
    "steps": 40,
    "seeds": 2,
    "readout_shots": 2000,
}


@pytest.fixture(scope="module")
def small_run():
    return run_experiment("born-machine", mode="quick", progress=False, **SMALL)


def _numpy_high_frequency_mass(amplitudes: np.ndarray, cutoff: int) -> float:
    n = amplitudes.size
    k = np.abs(np.fft.fftfreq(n, 1 / n))
    qft = np.sqrt(n) * np.fft.ifft(amplitudes)  # qspectral's QFT
    return float(np.sum(np.abs(qft[k > cutoff]) ** 2))


@pytest.mark.parametrize("make", [lambda: HistogramDensity(16), lambda: MLPDensity(16, 8)])
def test_classical_regulariser_is_the_qft_mass_of_sqrt_p(make):
    torch.manual_seed(0)
    model = make()
    if isinstance(model, HistogramDensity):
        with torch.no_grad():
            model.logits.copy_(torch.randn(16, dtype=torch.float64))
    with torch.no_grad():
        p, penalty = distribution_and_penalty(model, cutoff=3)
    expected = _numpy_high_frequency_mass(np.sqrt(p.detach().numpy()), 3)
    assert float(penalty) == pytest.approx(expected, rel=1e-10)
    assert float(p.sum()) == pytest.approx(1.0)


def test_quantum_regulariser_is_the_qft_mass_of_the_state():
    torch.manual_seed(1)
    model = BornMachine(4, 2)
    with torch.no_grad():
        p, penalty = distribution_and_penalty(model, cutoff=2)
    psi = model.state().detach().numpy()
    assert float(penalty) == pytest.approx(_numpy_high_frequency_mass(psi, 2), abs=1e-12)
    assert np.allclose(p.detach().numpy(), np.abs(psi) ** 2)


def test_targets_are_normalised_and_shaped_as_described():
    mixture = target_distribution("mixture", 64)
    cauchy = target_distribution("heavy-tailed", 64)
    assert mixture.sum() == pytest.approx(1) and cauchy.sum() == pytest.approx(1)
    peaks = [j for j in range(1, 63) if mixture[j] > mixture[j - 1] and mixture[j] > mixture[j + 1]]
    assert np.allclose([(j + 0.5) / 64 for j in peaks], [0.2, 0.5, 0.75], atol=1 / 32)  # the three means
    assert cauchy[0] > 1e-3 and cauchy[-1] > 1e-4  # heavy tails reach both ends
    with pytest.raises(InvalidModelError, match="unknown distribution"):
        target_distribution("uniform", 8)


def test_lambda_is_tuned_on_seeds_that_are_not_scored():
    per_lambda = {"0.0": {"kl": [1.0, 2.0, 3.0, 4.0]}, "0.5": {"kl": [0.5, 1.5, 3.5, 4.5]},
                  "5.0": {"kl": [0.9, 1.8, 2.7, 3.6]}}
    effect = regularisation_effect(per_lambda, tuning_seeds=1)
    assert effect["best_lambda"] == 0.5  # best on seed 0 (0.5 < 0.9), although 5.0 is best on the others
    gains = np.array([0.5, -0.5, -0.5])  # seeds 1..3 only
    assert effect["scored_seeds"] == 3 and effect["lambda0"] == pytest.approx(3.0)
    assert effect["improvement_mean"] == pytest.approx(gains.mean())
    assert effect["improvement_se"] == pytest.approx(gains.std(ddof=1) / np.sqrt(3))
    half = 4.302652729911275 * gains.std(ddof=1) / np.sqrt(3)  # t_{0.975, 2}
    assert effect["ci_low"] == pytest.approx(gains.mean() - half)
    assert regularisation_effect(per_lambda, tuning_seeds=3)["best_lambda"] == 5.0  # 1.8 < 1.833


def test_tuning_seeds_must_leave_seeds_to_score():
    with pytest.raises(InvalidModelError, match="tuning_seeds"):
        run_experiment("born-machine", mode="quick", progress=False, seeds=2, tuning_seeds=2)


def test_registered_and_full_mode_scores_ten_seeds_on_eight_qubits():
    assert "born-machine" in experiment_names()
    assert EXPERIMENT.full.seeds - EXPERIMENT.full.tuning_seeds >= 10 and EXPERIMENT.full.num_qubits == 8
    assert EXPERIMENT.full.sample_sizes == (50, 200, 1000)
    assert set(EXPERIMENT.quick.lambdas) <= set(EXPERIMENT.full.lambdas)


def test_reduced_run_structure(small_run):
    metrics = small_run.result.metrics
    assert metrics["num_bins"] == 16 and metrics["cutoff"] == 2
    assert metrics["backend"] == ("engine" if "engine" in available_backends() else "aer")
    for dist in ("mixture", "heavy-tailed"):
        for name in ("qcbm", "histogram", "mlp"):
            for size in ("20", "200"):
                per = metrics["results"][dist][name][size]
                assert set(per) == {"0.0", "10.0"}
                for entry in per.values():
                    assert len(entry["kl"]) == 2 and entry["kl_mean"] == pytest.approx(np.mean(entry["kl"]))
                    assert all(np.isfinite(entry["mmd"]))
        # a large lambda lowers the penalised quantity of the Born machine
        qcbm = metrics["results"][dist]["qcbm"]["20"]
        assert np.mean(qcbm["10.0"]["high_frequency_mass"]) < np.mean(qcbm["0.0"]["high_frequency_mass"])
        assert len(metrics["readout"][dist]["20"]) == 4  # 2 seeds x 2 lambdas


def test_measured_readout_agrees_with_the_exact_mass(small_run):
    runs = [e for per in small_run.result.metrics["readout"].values() for es in per.values() for e in es]
    for entry in runs:
        low, high = entry["interval_95"]
        assert low <= entry["estimate"] <= high
        assert abs(entry["z"]) < 4.5  # 16 draws: a 4.5-sigma miss would be a bug, not chance
    claim = small_run.result.claims[-1]
    assert "measured after a QFT" in claim.text and claim.measured["runs"] == 16


def test_claims_per_model_and_metric_plus_readout(small_run):
    claims = small_run.result.claims
    assert len(claims) == 8  # 3 models x 2 metrics, the KDE baseline, the readout
    pairs = [(name, metric) for name in ("qcbm", "histogram", "mlp") for metric in ("kl", "mmd")]
    for claim, (name, metric) in zip(claims, pairs):
        assert f"the {name} model" in claim.text and metric.upper() in claim.criterion
        effect = claim.measured["mixture"]
        scores = small_run.result.metrics["results"]["mixture"][name]["20"]
        assert effect["lambda0"] == pytest.approx(np.mean(scores["0.0"][metric][1:]))  # seed 0 tunes lambda
        assert claim.kind == "paper" and claim.seeds == 1 and claim.indicative
        assert not claim.holds  # one scored seed: no standard error, no verdict in favour


def test_same_seed_gives_identical_metrics(small_run):
    again = run_experiment("born-machine", mode="quick", progress=False, **SMALL)
    assert json.dumps(metrics_document(small_run), sort_keys=True) == json.dumps(metrics_document(again), sort_keys=True)


def test_outputs(small_run, tmp_path):
    folder = write_run(small_run, tmp_path)
    for name in ("metrics.json", "kl_vs_lambda.png", "learned_distributions.png"):
        assert (folder / name).stat().st_size > 1000


@pytest.mark.parametrize(
    "overrides, match",
    [({"models": ("gan",)}, "unknown or missing model"), ({"lambdas": (1.0,)}, "include 0"),
     ({"cutoff_fraction": 0.6}, "no usable cutoff"), ({"num_qubits": 12}, "2..10"),
     ({"sample_sizes": (0,)}, "positive draw counts")],
)
def test_bad_configs_are_rejected(overrides, match):
    with pytest.raises(InvalidModelError, match=match):
        EXPERIMENT.run(EXPERIMENT.config("quick", **overrides), seed=0)


def test_kde_is_the_renormalised_gaussian_smoothing_plus_one_uniform_draw():
    counts = np.array([0, 3, 0, 0, 1, 0, 0, 0])
    centres = (np.arange(8) + 0.5) / 8
    expected = np.zeros(8)
    for i, c in enumerate(counts):  # each draw's kernel, normalised over the box
        kernel = np.exp(-((centres - centres[i]) ** 2) / (2 * 0.1**2))
        expected += c * kernel / kernel.sum()
    expected = (expected + 1 / 8) / (counts.sum() + 1)
    assert np.allclose(kde_pmf(counts, 0.1), expected, rtol=1e-13)
    with pytest.raises(InvalidModelError, match="bandwidth must be positive"):
        kde_pmf(counts, 0.0)


def test_kde_baseline_claim_tunes_the_bandwidth_on_unscored_seeds(small_run):
    claim = next(c for c in small_run.result.claims if "smoothing baseline" in c.text)
    metrics = small_run.result.metrics
    for dist, entry in claim.measured.items():
        kde = metrics["kde_baseline"][dist]["20"]
        tuned = min(kde, key=lambda h: (kde[h]["kl"][0], float(h)))  # the first seed tunes
        assert entry["bandwidth"] == float(tuned)
        assert entry["kde_kl"] == pytest.approx(kde[tuned]["kl"][1])  # the second seed is scored
        assert entry["qcbm_kl"] == pytest.approx(metrics["results"][dist]["qcbm"]["20"]["10.0"]["kl"][1])
    assert claim.seeds == 1 and claim.kind == "paper"
