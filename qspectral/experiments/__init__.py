"""Paper experiments: quantum and classical models on the same task, each claim measured.

:mod:`~qspectral.experiments.registry` names them, :mod:`~qspectral.experiments.report` runs them
and writes ``results/``, :mod:`~qspectral.experiments.sweep` runs many seeds (serially or on Dask).
Behind ``qspectral reproduce`` and ``qspectral report``. Every name below is re-exported here and
loads on first use.

Example:
    >>> from qspectral import experiments
    >>> "spectral-bias" in experiments.experiment_names()
    True
"""

from qspectral._lazy import attach, exports

_LAZY = exports({
    "qspectral.experiments.registry": (
        "Claim", "Experiment", "ExperimentResult", "experiment_names", "get_experiment",
    ),
    "qspectral.experiments.report": ("run_experiment", "write_run"),
    "qspectral.experiments.parallel": ("report_all", "run_many"),
    "qspectral.experiments.sweep": ("make_tasks", "parse_sweep", "run_sweep", "write_sweep"),
})
__getattr__, __dir__ = attach(__name__, _LAZY)
__all__ = sorted(_LAZY)
