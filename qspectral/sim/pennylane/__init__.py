"""PennyLane and qspectral: tapes into engine circuits, and Qiskit circuits onto PennyLane devices.

- :mod:`~qspectral.sim.pennylane.tape`: :func:`~qspectral.sim.pennylane.tape.pennylane_to_circuit`,
  a PennyLane tape as a Qiskit circuit the engine runs (``qml.QFT`` as one QFT block);
- :mod:`~qspectral.sim.pennylane.device`: the ``qspectral.engine`` PennyLane device (registered through
  the ``pennylane.plugins`` entry point: ``qml.device("qspectral.engine", wires=...)``);
- :mod:`~qspectral.sim.pennylane.bridge`: a Qiskit circuit run on a PennyLane device (the
  ``lightning``, ``lightning.gpu`` and ``default.qubit`` backends of :func:`~qspectral.simulate`).

Importing this package imports neither PennyLane nor torch; the modules import PennyLane when used.

Example:
    >>> import pennylane as qml
    >>> dev = qml.device("qspectral.engine", wires=2)
    >>> dev.name
    'qspectral.engine'
"""
