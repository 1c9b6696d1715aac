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

from qspectral.errors import InvalidParameterError, UnknownExperimentError

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


#: The two kinds of claim: a published statement (``paper``) or our implementation checked
#: against a closed form or another simulator (``check``).
CLAIM_KINDS = ("paper", "check")
#: Paper claims measured over fewer paired seeds than this are reported as *indicative*.
MIN_SEEDS = 10


@dataclass(frozen=True)
class Claim:
    """One claim and its verdict: what was claimed, how it is judged, what was measured.

    ``kind`` is ``"paper"`` (a published statement; ``source`` cites it, ``paper_value`` gives
    the paper's own number where it has one, ``departures`` lists where our setup differs from
    the paper's, empty when it follows it) or ``"check"`` (our implementation against a closed
    form or another simulator). ``effect`` is the measured effect with its confidence interval
    (see :func:`qspectral.spectral.analysis.paired_effect`); ``seeds`` the number of paired seeds
    behind the verdict. A paper claim on fewer than :data:`MIN_SEEDS` seeds is *indicative*.

    Example:
        >>> claim = Claim("A beats B", "mean gap > 0", 0.3, True, kind="paper", source="X 2020",
        ...               seeds=3)
        >>> claim.indicative, claim.to_dict()["kind"]
        (True, 'paper')
    """

    text: str
    criterion: str
    measured: Any
    holds: bool
    kind: str = field(kw_only=True)
    source: str | None = field(default=None, kw_only=True)
    paper_value: str | None = field(default=None, kw_only=True)
    departures: tuple[str, ...] = field(default=(), kw_only=True)
    effect: dict[str, Any] | None = field(default=None, kw_only=True)
    seeds: int | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in CLAIM_KINDS:
            raise InvalidParameterError(f"claim kind must be one of {', '.join(CLAIM_KINDS)}, got {self.kind!r}")
        if self.kind == "paper" and not self.source:
            raise InvalidParameterError(f"a paper claim needs its source (the paper it reproduces): {self.text!r}")
        object.__setattr__(self, "departures", tuple(self.departures))

    @property
    def indicative(self) -> bool:
        """A paper claim measured on fewer than :data:`MIN_SEEDS` seeds (or on an unknown number)."""
        return self.kind == "paper" and (self.seeds is None or self.seeds < MIN_SEEDS)

    def setup_note(self) -> str:
        """One line: whether the paper's setup was followed, or where it departs."""
        if self.kind == "check":
            return "check of our implementation (no paper setup)"
        if not self.departures:
            return "setup as in the paper"
        return "departs from the paper: " + "; ".join(self.departures)

    def to_dict(self) -> dict[str, Any]:
        """The claim as a JSON object: text, criterion, measured, holds, kind and the paper fields."""
        return {
            "text": self.text, "criterion": self.criterion, "measured": self.measured, "holds": bool(self.holds),
            "kind": self.kind, "source": self.source, "paper_value": self.paper_value,
            "departures": list(self.departures), "effect": self.effect, "seeds": self.seeds,
            "indicative": self.indicative,
        }


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
