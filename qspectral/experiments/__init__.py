"""Paper experiments: quantum and classical models on the same task, each claim measured.

:mod:`~qspectral.experiments.registry` names them, :mod:`~qspectral.experiments.report` runs them
and writes ``results/``. Behind ``qspectral reproduce`` and ``qspectral report``.
"""
