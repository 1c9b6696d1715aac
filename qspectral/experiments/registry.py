"""The experiment registry: name -> :class:`Experiment` (paper claim, quick and full configs, seed).

An experiment module defines a module-level ``EXPERIMENT = Experiment(...)`` and is listed in
:data:`EXPERIMENT_MODULES`; the registry imports those modules on first use. Its ``run`` takes a
config (a frozen dataclass: ``quick`` or ``full``, or one of them with fields replaced) and
returns an :class:`ExperimentResult`: the verdict on each :class:`Claim`, JSON-ready metrics and
the curves its ``plot`` function draws.

Example:
    >>> names = experiment_names()
    >>> "spectral-bias" in names and "fourier-degree" in names
    True
    >>> get_experiment("fourier-degree").config("quick", num_layers=(1,)).num_layers
    (1,)
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qspectral.errors import UnknownExperimentError

#: Modules that each define ``EXPERIMENT``; add a module here to register its experiment.
EXPERIMENT_MODULES = (
    "qspectral.experiments.spectral_bias",
    "qspectral.experiments.fourier_degree",
    "qspectral.experiments.pde",
    "qspectral.experiments.amplitude_phase",
    "qspectral.experiments.born_machine",
    "qspectral.experiments.diffusion.denoiser_bias",
    "qspectral.experiments.diffusion.schedules",
    "qspectral.experiments.diffusion.self_diffusion",
    "qspectral.experiments.diffusion.qft_wiener",
)

MODES = ("quick", "full")


@dataclass(frozen=True)
class Claim:
    """One paper claim and its verdict: what was claimed, how it is judged, what was measured."""

    text: str
    criterion: str
    measured: Any
    holds: bool

    def to_dict(self) -> dict[str, Any]:
        """The claim as a JSON object ``{text, criterion, measured, holds}``."""
        return {"text": self.text, "criterion": self.criterion, "measured": self.measured, "holds": bool(self.holds)}


@dataclass
class ExperimentResult:
    """What an experiment run returns: claims with verdicts, JSON-ready metrics, curves to plot."""

    claims: list[Claim]
    metrics: dict[str, Any]
    curves: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Experiment:
    """A registered experiment.

    ``run(config, *, seed, device, progress)`` does the work; ``plot(result, out_dir)`` writes
    PNG figures and returns their paths. ``quick`` must finish in about a minute on two cores.
    """

    name: str
    paper: str
    claim: str
    quick: Any
    full: Any
    seed: int
    run: Callable[..., ExperimentResult]
    plot: Callable[[ExperimentResult, Path], list[Path]]

    def config(self, mode: str = "quick", **overrides: Any) -> Any:
        """The ``mode`` config with the given fields replaced (to shrink it for tests, say)."""
        if mode not in MODES:
            raise UnknownExperimentError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        base = self.quick if mode == "quick" else self.full
        known = {f.name for f in dataclasses.fields(base)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise UnknownExperimentError(
                f"{self.name} has no config field(s) {', '.join(unknown)}; its fields are "
                f"{', '.join(sorted(known))}"
            )
        return dataclasses.replace(base, **overrides)


def _load() -> dict[str, Experiment]:
    found: dict[str, Experiment] = {}
    for module_name in EXPERIMENT_MODULES:
        experiment = importlib.import_module(module_name).EXPERIMENT
        found[experiment.name] = experiment
    return found


def experiments() -> Mapping[str, Experiment]:
    """Every registered experiment by name, in registration order."""
    return _load()


def experiment_names() -> list[str]:
    """The registered experiment names."""
    return list(_load())


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``, or :class:`~qspectral.errors.UnknownExperimentError`."""
    registry = _load()
    if name not in registry:
        raise UnknownExperimentError(
            f"unknown experiment {name!r}; registered experiments are {', '.join(registry)}"
        )
    return registry[name]
