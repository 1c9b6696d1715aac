"""Experiment ``amplitude-phase``: the QFT read-out convention, the classifier, a reduced run."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qspectral.errors import InvalidModelError
from qspectral.experiments.amplitude_phase import (
    EXPERIMENT,
    naive_bayes_accuracy,
    qft_outcome_probabilities,
    train_online,
)
from qspectral.experiments.registry import experiment_names
from qspectral.experiments.report import metrics_document, run_experiment, write_run
from qspectral.spectral.signals import SpectralTask
from qspectral.sim.backends import available_backends

SMALL = {
    "sizes": (8, 16),
    "models": ("two-layer", "cnn"),
    "betas": (0.0, 2.0),
    "seeds": 2,
    "max_steps": 60,
    "eval_every": 20,
    "test_size": 64,
    "hidden": 16,
    "cnn_channels": 4,
    "shots": (1, 8, 64),
    "quantum_train": 8,
    "quantum_test": 32,
}


@pytest.fixture(scope="module")
def small_run():
    return run_experiment("amplitude-phase", mode="quick", progress=False, **SMALL)


@pytest.mark.backends("engine", "aer", "qiskit")
def test_qft_readout_of_a_real_signal_is_its_normalised_power_spectrum(backend):
    x = SpectralTask("phase", 16, beta=1.0).sample(np.array([0, 1, 1]), np.random.default_rng(0))
    p = qft_outcome_probabilities(x, backend)
    expected = np.abs(np.fft.fft(x)) ** 2 / (16 * (x**2).sum(axis=1, keepdims=True))
    assert np.allclose(p, expected, atol=1e-12)


def test_qft_readout_of_a_complex_signal_needs_the_k_to_minus_k_reflection():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 8)) + 1j * rng.normal(size=(2, 8))
    p = qft_outcome_probabilities(x, "qiskit")
    norm = (np.abs(x) ** 2).sum(axis=1, keepdims=True)
    reflected = np.abs(np.fft.fft(x)[:, (-np.arange(8)) % 8]) ** 2 / (8 * norm)
    assert np.allclose(p, reflected, atol=1e-12)
    assert np.allclose(p, 8 * np.abs(np.fft.ifft(x / np.sqrt(norm))) ** 2, atol=1e-12)
    assert not np.allclose(p, np.abs(np.fft.fft(x)) ** 2 / (8 * norm), atol=1e-3)


def test_naive_bayes_is_the_likelihood_ratio_rule():
    rng = np.random.default_rng(2)
    q0, q1 = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.2, 0.7])
    train = np.array([q0 * 1000, q1 * 1000])  # smoothing is negligible against 1000 counts
    test = np.array([[3, 0, 1], [1, 5, 2], [0, 0, 1]])
    llr = test @ (np.log(q1) - np.log(q0))
    labels = (llr > 0).astype(int)
    assert naive_bayes_accuracy(train, np.array([0, 1]), test, labels, rng, smoothing=1e-9) == 1.0
    assert naive_bayes_accuracy(train, np.array([0, 1]), test, 1 - labels, rng, smoothing=1e-9) == 0.0


def test_naive_bayes_breaks_ties_with_a_fair_coin():
    rng = np.random.default_rng(3)
    same = np.full((2, 4), 0.25)
    test = np.full((4000, 4), 0.25)
    labels = np.arange(4000) % 2
    accuracy = naive_bayes_accuracy(same, np.array([0, 1]), test, labels, rng, smoothing=0.0)
    assert abs(accuracy - 0.5) < 4 * np.sqrt(0.25 / 4000)


def test_online_training_stops_at_the_target_or_the_budget():
    torch.manual_seed(0)
    task = SpectralTask("amplitude", 16, beta=0.0, contrast=1.0)
    model = torch.nn.Linear(16, 1)
    config = EXPERIMENT.config("quick", max_steps=30, eval_every=10, test_size=32, target_accuracy=0.99)
    reached, curve = train_online(model, task, config, np.random.default_rng(0))
    steps = [s for s, _ in curve]
    # a linear model cannot use a power-spectrum difference (class means are both 0)
    assert reached is None and steps == [0, 10, 20, 30]


def test_step_growth_fits_the_exponent_and_refuses_censored_runs():
    from qspectral.experiments.amplitude_phase import step_growth

    cells = {str(n): {"0": {"steps_to_target": [2 * n**3, 3 * n**3]}} for n in (8, 16, 32)}
    growth = step_growth(cells, 10**6)
    assert growth["exponent"] == pytest.approx(3.0) and growth["ci_low"] <= 3.0 <= growth["ci_high"]
    cells["32"]["0"]["steps_to_target"][1] = None
    assert step_growth(cells, 10**6)["exponent"] is None and step_growth(cells, 10**6)["censored"] == 1


def test_registered_and_quick_is_a_subset_of_full():
    assert "amplitude-phase" in experiment_names()
    quick, full = EXPERIMENT.quick, EXPERIMENT.full
    assert set(quick.sizes) <= set(full.sizes) and set(quick.betas) <= set(full.betas)
    assert full.seeds >= 10 and quick.seeds <= full.seeds and quick.max_steps < full.max_steps
    assert full.sizes == (8, 16, 32, 64) and full.betas == (0.0, 1.0, 2.0)
    assert quick.models == full.models == ("two-layer",)  # the paper's CNN evidence is on real images


def test_reduced_run_structure_and_claims(small_run):
    metrics = small_run.result.metrics
    assert metrics["backend"] == ("engine" if "engine" in available_backends() else "aer")
    for name in ("two-layer", "cnn"):
        for task in ("amplitude", "phase"):
            for n in ("8", "16"):
                for b in ("0", "2"):
                    entry = metrics["classical"][name][task][n][b]
                    assert len(entry["steps_to_target"]) == 2
                    capped = [60 if s is None else s for s in entry["steps_to_target"]]
                    assert entry["mean_steps"] == pytest.approx(np.mean(capped))
                    assert all(s is None or s % 20 == 0 for s in entry["steps_to_target"])
    for task in ("amplitude", "phase"):
        entry = metrics["quantum"][task]["16"]["0"]
        assert set(entry["accuracy"]) == {"1", "8", "64", "exact"}
        assert entry["max_deviation_from_numpy"] < 1e-12
        assert entry["test_signals"] == 64
    assert metrics["quantum"]["phase"]["8"]["2"]["max_phase_sensitivity"] < 1e-12
    # the exact amplitude-task limit separates the classes perfectly (their spectra differ)
    assert metrics["quantum"]["amplitude"]["16"]["0"]["accuracy"]["exact"] == 1.0
    claims = small_run.result.claims
    assert len(claims) == 8 and [c.kind for c in claims].count("check") == 2
    blind = next(c for c in claims if "blind to phases" in c.text)
    assert blind.holds and blind.measured["max |p - p(random phases)|"] < 1e-12
    for claim in claims:
        if claim.kind == "paper":
            assert claim.seeds == 2 and claim.indicative
            assert ("real images" in claim.setup_note()) == ("cnn" in claim.text)
    growth = [c for c in claims if "grow like N^3" in c.text]
    beta = [c for c in claims if "Power-law spectra" in c.text]
    for g, b in zip(growth, beta):  # 60 steps: every phase run is censored, so growth is not measured
        assert g.measured["censored"] > 0 and g.measured["exponent"] is None and not g.holds
        assert not b.holds and b.measured["beta=0 growth as the theory says"] is False


def test_same_seed_gives_identical_metrics(small_run):
    again = run_experiment("amplitude-phase", mode="quick", progress=False, **SMALL)
    assert json.dumps(metrics_document(small_run), sort_keys=True) == json.dumps(metrics_document(again), sort_keys=True)


def test_outputs(small_run, tmp_path):
    folder = write_run(small_run, tmp_path)
    for name in ("metrics.json", "accuracy_vs_steps.png", "qft_readout_vs_shots.png"):
        assert (folder / name).stat().st_size > 1000


@pytest.mark.parametrize(
    "overrides, match",
    [({"sizes": (12,)}, "powers of two"), ({"models": ("resnet",)}, "unknown model"),
     ({"betas": (-1.0,)}, "non-negative"), ({"target_accuracy": 1.0}, "target_accuracy"),
     ({"shots": (0,)}, "every shot count")],
)
def test_bad_configs_are_rejected(overrides, match):
    with pytest.raises(InvalidModelError, match=match):
        EXPERIMENT.run(EXPERIMENT.config("quick", **overrides), seed=0)
