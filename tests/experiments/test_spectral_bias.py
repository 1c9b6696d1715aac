"""The spectral-bias experiment on a reduced config: structure of its metrics, claims and figures."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
import torch

from qspectral.errors import InvalidModelError
from qspectral.experiments.spectral_bias import (
    EXPERIMENT,
    MODEL_NAMES,
    build_model,
    gradient_redundancy,
    recording_steps,
    target_amplitudes,
)

TINY = dict(samples=16, frequencies=(1, 2, 3), steps=6, records=4, repeats=1, grades=2,
            grade_widths=(8,), fourier_features=4, quantum_depth=1)


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.run(EXPERIMENT.config("quick", **TINY), seed=3)


def test_metrics_structure(result):
    metrics = result.metrics
    assert metrics["frequencies"] == [1, 2, 3]
    # every model is recorded over its own training; the multi-grade net trains each of its 2 grades
    # for the full 6 steps (Fang & Xu 2024), the others 6 steps
    assert metrics["record_steps"] == {
        name: recording_steps(12 if name in ("multi-grade", "mlp-equal-steps") else 6, 4) for name in MODEL_NAMES
    }
    assert set(metrics["settings"]) == {"equal", "rising"}
    for setting in metrics["settings"].values():
        assert np.isclose(sum(setting["amplitudes"]), 1.0)
        assert list(setting["models"]) == list(MODEL_NAMES)
        for name, entry in setting["models"].items():
            assert len(entry["convergence_steps"]) == 3 and len(entry["final_errors"]) == 3
            per_seed = entry["concordance_per_seed"]
            assert len(per_seed) == 1 and (per_seed[0] is None or 0 <= per_seed[0] <= 1)
            assert entry["high_frequency_error"] >= 0 and entry["parameters"] > 0
            if name.startswith("quantum"):
                assert entry["spectrum_degree"] >= 3 and len(entry["redundancy"]) == 3
    for model_errors in result.curves["errors"].values():
        for name, errors in model_errors.items():
            assert np.shape(errors) == (len(metrics["record_steps"][name]), 3)


def test_claims_are_objects_with_verdicts(result):
    assert len(result.claims) == 11  # four claims per amplitude setting, three on gradient magnitudes
    for claim in result.claims:
        assert claim.text and claim.criterion and isinstance(claim.holds, bool)


def test_pauli_redundancies_in_metrics_are_binomial(result):
    entry = result.metrics["settings"]["equal"]["models"]["quantum-pauli"]
    gates = entry["spectrum_degree"]  # parallel encoding: degree = number of Pauli gates
    assert entry["redundancy"] == [comb(2 * gates, gates + k) for k in (1, 2, 3)]


def test_the_target_is_built_from_the_stated_amplitudes_and_phases(result):
    metrics = result.metrics
    amplitudes = metrics["settings"]["rising"]["amplitudes"]
    assert np.allclose(amplitudes, np.array([1, 2, 3]) / 6)
    assert np.allclose(target_amplitudes((1, 2, 3), "equal"), 1 / 3)
    phases = np.random.default_rng(3).uniform(0, 2 * np.pi, 3)
    assert np.allclose(metrics["phases"], phases)


def test_figures_are_written(result, tmp_path):
    paths = EXPERIMENT.plot(result, tmp_path)
    assert sorted(p.name for p in paths) == ["heatmap_equal.png", "heatmap_rising.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_mlp_is_as_deep_as_the_multigrade_net_in_total():
    """Fang & Xu compare 4 grades of [256, 256] with an 8 x 256 MLP: same total depth and width."""
    config = EXPERIMENT.config("quick", grades=4, grade_widths=(16, 16))
    linears = [m for m in build_model("mlp", config).modules() if isinstance(m, torch.nn.Linear)]
    assert len(linears) == 4 * 2 + 1 and all(m.out_features == 16 for m in linears[:-1])
    full = EXPERIMENT.full
    assert full.frequencies == tuple(range(10, 201, 10)) and full.samples == 6000 and full.repeats >= 10
    assert (full.grades, full.grade_widths) == (4, (256, 256))


def test_quantum_models_cover_the_target_frequencies():
    config = EXPERIMENT.quick
    for name in ("quantum-pauli", "quantum-exponential"):
        assert build_model(name, config).model.degree >= max(config.frequencies)


@pytest.mark.parametrize(
    "overrides, message",
    [({"frequencies": (3,)}, "at least two"), ({"frequencies": (1, 64)}, "cannot resolve"),
     ({"models": ("mlp", "gpt")}, "gpt"), ({"settings": ()}, "setting"), ({"records": 1}, "records"),
     ({"classical_final_lr": 0.0}, "classical_final_lr")],
)
def test_bad_configs_fail_before_training(overrides, message):
    with pytest.raises(InvalidModelError, match=message):
        EXPERIMENT.run(EXPERIMENT.config("quick", **overrides), seed=0)


def test_unknown_setting_amplitudes():
    with pytest.raises(InvalidModelError, match="unknown setting"):
        target_amplitudes((1, 2), "falling")


def _effect(values):
    from qspectral.spectral.analysis import paired_effect

    return paired_effect(values)


def test_flatter_means_a_concordance_closer_to_one_half():
    """An exponential model learning high frequencies first (C 0.03) is not flatter than C 0.7."""
    from qspectral.experiments.spectral_bias import SpectralBiasConfig, _claims

    def verdict(expo, pauli):
        models = {"quantum-pauli": {"concordance": _effect(pauli), "concordance_per_seed": pauli,
                                    "redundancy_concordance": _effect([0.0])},
                  "quantum-exponential": {"concordance": _effect(expo), "concordance_per_seed": expo}}
        (claim,) = [c for c in _claims({"equal": {"models": models}}, [3], SpectralBiasConfig())
                    if "flatter" in c.text]
        return claim.holds

    assert verdict([0.6, 0.5], [0.9, 0.95]) and verdict([0.4, 0.45], [0.1, 0.0])
    assert not verdict([0.03, 0.0], [0.7, 0.7]) and not verdict([0.9, 0.9], [0.2, 0.25])


def test_order_claim_reads_the_seed_mean_of_the_concordance():
    from qspectral.experiments.spectral_bias import SpectralBiasConfig, _claims

    def claim(values):
        models = {"mlp": {"concordance": _effect(values)}}
        (out,) = _claims({"equal": {"models": models}}, [3], SpectralBiasConfig())
        return out

    assert claim([0.9, 1.0, 0.95]).holds and not claim([0.8, 1.0, 0.85]).holds
    assert claim([0.9, 1.0, 0.95]).effect["ci_low"] < 0.95 < claim([0.9, 1.0, 0.95]).effect["ci_high"]


def test_multigrade_claim_needs_both_mlp_budgets():
    from qspectral.experiments.spectral_bias import SpectralBiasConfig, _claims

    def verdict(mlp, mlp_equal):
        models = {"multi-grade": {"high_frequency_error": 0.1, "parameters": 10},
                  "mlp": {"high_frequency_error": mlp, "parameters": 10, "concordance": None},
                  "mlp-equal-steps": {"high_frequency_error": mlp_equal, "parameters": 10}}
        (claim,) = [c for c in _claims({"equal": {"models": models}}, [3], SpectralBiasConfig()) if "MGDL" in c.text]
        return claim.holds

    assert verdict(0.2, 0.3) and not verdict(0.2, 0.05) and not verdict(0.05, 0.2)


def test_gradient_claims_read_the_concordance_of_redundancy_and_gradient_norm(result):
    gradients = result.metrics["gradient_redundancy"]
    assert gradients["parallel"]["redundancy"] == [comb(12, 6 + w) for w in range(1, 7)]  # 3 qubits, 2 layers
    assert gradients["exponential"]["redundancy"] == [8 - w for w in range(1, 8)]  # 2**n - |w|: falls with w
    # balanced ternary w = sum d_q 3**q, d in {-1, 0, 1}: redundancy 2**(zero digits)
    ternary = []
    for w in range(1, 14):
        digits, rest = 0, w
        while rest:
            rest, r = divmod(rest, 3)
            if r == 2:
                rest += 1
            digits += r != 0
        ternary.append(2 ** (3 - digits))
    assert gradients["ternary"]["redundancy"] == ternary
    pauli_claim, ternary_claim, flat_claim = result.claims[-3:]
    for claim, encoding in ((pauli_claim, "parallel"), (ternary_claim, "ternary")):
        per_draw = gradients[encoding]["redundancy_concordance_per_draw"]
        assert claim.seeds == len(per_draw) == EXPERIMENT.quick.gradient_draws
        assert claim.holds == (np.mean(per_draw) >= 0.9) and claim.kind == "paper"
    gap = np.subtract(gradients["parallel"]["log_spread_per_draw"], gradients["exponential"]["log_spread_per_draw"])
    assert flat_claim.effect["mean"] == pytest.approx(gap.mean())


def test_gradient_measurement_runs_in_full_mode_with_enough_draws():
    assert EXPERIMENT.full.gradient_draws >= 10 and EXPERIMENT.quick.gradient_draws >= 10
    small = gradient_redundancy(EXPERIMENT.config("quick", quantum_qubits=2, quantum_depth=1, gradient_draws=2), 0)
    assert small["ternary"]["redundancy"] == [2, 1, 2, 1] and small["exponential"]["redundancy"] == [3, 2, 1]
