"""Statevector simulation: the backend registry and :func:`~qspectral.sim.backends.simulate`, the engine, tools.

- :mod:`~qspectral.sim.backends`: the public registry (:class:`~qspectral.sim.backends.Backend`,
  :func:`~qspectral.sim.backends.register_backend`, the ``qspectral.backends`` entry points) and ``simulate()``;
  :mod:`~qspectral.sim.builtin_backends` (Aer, PennyLane, Statevector), :mod:`~qspectral.sim.probe_cache`,
  :mod:`~qspectral.sim.layout` (undoing a transpiled layout);
- :mod:`~qspectral.sim.engine`: qspectral's torch statevector engine (compile, bind, execute);
- :mod:`~qspectral.sim.pennylane`: PennyLane tapes into engine circuits, circuits onto PennyLane devices;
- tools: :mod:`~qspectral.sim.memory` (the planner behind ``qspectral plan``), :mod:`~qspectral.sim.bench`,
  :mod:`~qspectral.sim.compare`, :mod:`~qspectral.sim.canonical`.
"""
