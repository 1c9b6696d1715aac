"""The experiment registry: names, configs, overrides, and the errors for unknown ones."""

from __future__ import annotations

import dataclasses

import pytest

from qspectral.errors import UnknownExperimentError
from qspectral.experiments.registry import Claim, experiment_names, experiments, get_experiment


def test_the_spectral_experiments_are_registered_with_claims_and_configs():
    names = experiment_names()
    assert {"spectral-bias", "fourier-degree"} <= set(names)
    for name, experiment in experiments().items():
        assert experiment.name == name
        assert experiment.claim and experiment.paper
        assert dataclasses.is_dataclass(experiment.quick) and type(experiment.quick) is type(experiment.full)
        assert isinstance(experiment.seed, int)


def test_quick_is_smaller_than_full():
    bias = get_experiment("spectral-bias")
    assert bias.quick.steps * bias.quick.repeats < bias.full.steps * bias.full.repeats
    degree = get_experiment("fourier-degree")
    assert degree.quick.steps * degree.quick.restarts < degree.full.steps * degree.full.restarts


def test_config_overrides_replace_fields_and_keep_the_rest():
    experiment = get_experiment("spectral-bias")
    config = experiment.config("full", steps=7)
    assert config.steps == 7 and config.repeats == experiment.full.repeats


def test_unknown_names_modes_and_fields_are_explained():
    with pytest.raises(UnknownExperimentError, match="registered experiments are .*spectral-bias"):
        get_experiment("spectral-bais")
    with pytest.raises(UnknownExperimentError, match="choose one of quick, full"):
        get_experiment("fourier-degree").config("medium")
    with pytest.raises(UnknownExperimentError, match="no config field.*stepz.*its fields are"):
        get_experiment("fourier-degree").config("quick", stepz=3)


def test_claim_serialises_to_the_four_fields():
    claim = Claim("text", "criterion", {"a": 1.0}, True)
    assert claim.to_dict() == {"text": "text", "criterion": "criterion", "measured": {"a": 1.0}, "holds": True}
