"""The fourier-degree experiment on a reduced config: metrics structure and the Parseval bound."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.errors import InvalidModelError
from qspectral.experiments.fourier_degree import EXPERIMENT, lower_bound, target


def test_target_has_the_stated_fourier_coefficients():
    x = 2 * np.pi * np.arange(32) / 32
    c = np.fft.fft(target(x)) / 32
    expected = np.zeros(32, complex)
    expected[1:6] = 0.05 + 0.05j
    expected[-5:] = 0.05 - 0.05j
    assert np.allclose(c, expected, atol=1e-15)


def test_lower_bound_is_the_energy_above_degree_l():
    assert [lower_bound(L) for L in range(1, 7)] == pytest.approx([0.04, 0.03, 0.02, 0.01, 0.0, 0.0])


def test_reduced_run_structure_and_no_model_beats_the_bound(tmp_path):
    config = EXPERIMENT.config("quick", num_layers=(2, 5), steps=30, restarts=2, depth=1)
    result = EXPERIMENT.run(config, seed=1)
    metrics = result.metrics
    assert set(metrics["final_mse"]) == {"2", "5"}
    assert all(len(v) == 2 for v in metrics["restart_mse"].values())
    assert metrics["final_mse"]["2"] == min(metrics["restart_mse"]["2"])
    assert metrics["final_mse"]["2"] >= lower_bound(2) - 1e-12  # Parseval: no degree-2 series does better
    (claim,) = result.claims
    assert set(claim.measured) == {"final_mse", "fits"} and isinstance(claim.holds, bool)
    (figure,) = EXPERIMENT.plot(result, tmp_path)
    assert figure.stat().st_size > 1000


@pytest.mark.parametrize(
    "overrides, message",
    [({"num_layers": (0,)}, "positive integers"), ({"samples": 8}, "samples must exceed"),
     ({"restarts": 0}, "positive integers")],
)
def test_bad_configs(overrides, message):
    with pytest.raises(InvalidModelError, match=message):
        EXPERIMENT.run(EXPERIMENT.config("quick", **overrides), seed=0)
