"""The experiment registry: names, configs, overrides, and the errors for unknown ones."""

from __future__ import annotations

import dataclasses

import pytest

from qspectral.errors import InvalidParameterError, UnknownExperimentError
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


def test_claim_serialises_kind_source_and_effect():
    effect = {"mean": 0.5, "ci_low": 0.1, "ci_high": 0.9, "seeds": 12}
    claim = Claim("text", "criterion", {"a": 1.0}, True, kind="paper", source="A & B 2020", paper_value="0.4",
                  departures=["smaller network"], effect=effect, seeds=12)
    assert claim.to_dict() == {"text": "text", "criterion": "criterion", "measured": {"a": 1.0}, "holds": True,
                               "kind": "paper", "source": "A & B 2020", "paper_value": "0.4",
                               "departures": ["smaller network"], "effect": effect, "seeds": 12,
                               "indicative": False}
    assert claim.setup_note() == "departs from the paper: smaller network"
    assert Claim("t", "c", 1, True, kind="paper", source="X", seeds=9).indicative
    assert not Claim("t", "c", 1, True, kind="check").indicative


def test_claim_kind_and_source_are_required():
    with pytest.raises(TypeError, match="kind"):
        Claim("t", "c", 1, True)
    with pytest.raises(InvalidParameterError, match="one of paper, check"):
        Claim("t", "c", 1, True, kind="selfcheck")
    with pytest.raises(InvalidParameterError, match="needs its source"):
        Claim("t", "c", 1, True, kind="paper")

