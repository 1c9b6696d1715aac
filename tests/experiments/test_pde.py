"""Experiment ``pde`` on reduced configs: metric structure, claims, reproducibility, outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qspectral.errors import InvalidParameterError
from qspectral.experiments.pde import EXPERIMENT, PAPER_RESULTS
from qspectral.experiments.registry import experiment_names
from qspectral.experiments.report import metrics_document, run_experiment, write_run

SMALL = {
    "problems": ("advection", "sine_gordon"),
    "points": 16,
    "times": 3,
    "pinn_width": 8,
    "pinn_layers": 2,
    "pinn_steps": 5,
    "pinn_collocation": 64,
    "pinn_initial": 16,
    "pinn_boundary": 16,
    "node_steps_linear": 2,
    "node_steps_nonlinear": 2,
    "quantum_backends": ("qiskit", "aer", "aer.gpu"),
    "shot_repeats": 2,
}


@pytest.fixture(scope="module")
def small_run():
    return run_experiment("pde", mode="quick", progress=False, **SMALL)


def test_pde_is_registered_and_full_mode_adds_2d_burgers():
    assert "pde" in experiment_names()
    assert "burgers2d" in EXPERIMENT.full.problems and "burgers2d" not in EXPERIMENT.quick.problems


def test_metrics_structure(small_run):
    metrics = small_run.result.metrics
    assert set(metrics) == {"problems", "quantum_backends", "paper"}
    assert metrics["paper"] == PAPER_RESULTS
    advection = metrics["problems"]["advection"]
    assert advection["reference"]["kind"] == "closed form"
    assert advection["quantum"]["skipped"] == ["aer.gpu"]  # no GPU build here: recorded, not run
    assert set(advection["methods"]) == {"pinn", "node", "quantum-qiskit", "quantum-aer"}
    for entry in advection["methods"].values():
        assert len(entry["rel_l2_over_time"]) == 3
        assert entry["error_spectrum"]["modes"] == list(range(9))  # rfft modes of 16 points
    budget = advection["quantum"]["shot_budget"]
    assert budget["target_error"] == 0.01 and budget["shots"] > 0
    sine_gordon = metrics["problems"]["sine_gordon"]
    assert "no unitary" in sine_gordon["quantum"]["note"]
    assert set(sine_gordon["methods"]) == {"pinn", "node"}
    assert sine_gordon["reference"]["kind"].startswith("pseudo-spectral RK45, 32 points")


def test_quantum_columns_match_the_closed_form(small_run):
    advection = small_run.result.metrics["problems"]["advection"]["methods"]
    for backend in ("quantum-qiskit", "quantum-aer"):
        assert advection[backend]["rel_l2"] < 1e-12
        # the final time is t = pi: phases -k pi vanish mod 2 pi on every bit but the lowest
        assert advection[backend]["circuit_ops"] == {"iqft": 1, "qft": 1, "p": 1}


def test_claims_carry_their_measurements(small_run):
    claims = small_run.result.claims
    node_claim = next(c for c in claims if "than the PINN on sine_gordon" in c.text)
    pinn = small_run.result.metrics["problems"]["sine_gordon"]["methods"]["pinn"]["rel_l2"]
    assert node_claim.measured["pinn"] == pinn
    assert node_claim.holds == (node_claim.measured["ratio"] >= 10)
    quantum = next(c for c in claims if c.text.startswith("The quantum spectral evolution"))
    assert quantum.holds and set(quantum.measured) == {"advection/quantum-qiskit", "advection/quantum-aer"}


def test_same_seed_gives_identical_metrics(small_run):
    again = run_experiment("pde", mode="quick", progress=False, **SMALL)
    first = json.dumps(metrics_document(small_run), sort_keys=True)
    assert first == json.dumps(metrics_document(again), sort_keys=True)
    assert "seconds" not in first and "wall" not in first


def test_outputs_figures_and_wall_time_tables(small_run, tmp_path):
    folder = write_run(small_run, tmp_path)
    for name in ("metrics.json", "snapshots.png", "error_over_time.png", "error_spectrum.png", "tables.md"):
        assert (folder / name).stat().st_size > 0
    tables = (folder / "tables.md").read_text()
    assert "## sine_gordon" in tables and " s |" in tables and "0.139" in tables


def test_two_dimensional_burgers_runs_through_the_experiment(tmp_path):
    run = run_experiment("pde", mode="quick", progress=False, **{
        **SMALL, "problems": ("burgers2d",), "points_2d": 8, "times": 2,
    })
    entry = run.result.metrics["problems"]["burgers2d"]
    assert np.isfinite(entry["methods"]["node"]["rel_l2"])
    assert len(entry["methods"]["pinn"]["error_spectrum"]["amplitude"]) == len(entry["methods"]["pinn"]["error_spectrum"]["modes"])
    write_run(run, tmp_path)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"problems": ("kdv",)}, "unknown or missing problem"),
        ({"points": 24}, "power of two"),
        ({"problem_parameters": {"heat": {"nu": 0.1}}, "problems": ("wave",)}, "not being run"),
    ],
)
def test_bad_configs_are_rejected_before_any_work(overrides, match):
    with pytest.raises(InvalidParameterError, match=match):
        EXPERIMENT.run(EXPERIMENT.config("quick", **overrides), seed=0)


def test_training_seeds_give_a_geometric_mean_ratio_and_a_paired_interval():
    config = EXPERIMENT.config("quick", **{**SMALL, "problems": ("sine_gordon_pulse",), "quantum_backends": (),
                                           "seeds": 3})
    result = EXPERIMENT.run(config, seed=0)
    methods = result.metrics["problems"]["sine_gordon_pulse"]["methods"]
    pinn, node = (np.asarray(methods[m]["rel_l2_per_seed"]) for m in ("pinn", "node"))
    assert pinn.size == node.size == 3 and pinn[0] == methods["pinn"]["rel_l2"] and len(set(pinn)) == 3
    claim = next(c for c in result.claims if "sine_gordon_pulse" in c.text)
    ratio = np.prod(pinn / node) ** (1 / 3)
    assert claim.seeds == 3 and np.isclose(claim.measured["ratio"], ratio)
    assert claim.holds == (ratio >= 10) and claim.effect["ci_low"] < claim.effect["mean"] < claim.effect["ci_high"]
    assert "Dirichlet" in PAPER_RESULTS["sine_gordon_pulse"]["setup"] and not any("differs" in d for d in claim.departures)
