"""qspectral's engine for PennyLane: the ``qspectral.engine`` device (:mod:`.device`, loaded on use).

Example:
    >>> import pennylane as qml
    >>> dev = qml.device("qspectral.engine", wires=2)
    >>> dev.name
    'qspectral.engine'
"""
