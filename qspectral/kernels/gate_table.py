"""The Qiskit standard gates the kernels build matrices for: names, parameter counts, fixed entries.

Plain Python (no torch), so that the engine's compiler can decide which gates it handles natively
without importing torch. Matrices are in Qiskit's convention (``qubits[0]`` the least significant
bit of the index; a controlled gate has its controls on the low bits).

Example:
    >>> GATE_PARAMS["cp"], GATE_PARAMS["u"], "h" in FIXED
    (1, 3, True)
"""

from __future__ import annotations

import math

R2 = 1 / math.sqrt(2)
FIXED: dict[str, list[list]] = {
    "id": [[1, 0], [0, 1]],
    "h": [[R2, R2], [R2, -R2]],
    "x": [[0, 1], [1, 0]],
    "y": [[0, -1j], [1j, 0]],
    "z": [[1, 0], [0, -1]],
    "s": [[1, 0], [0, 1j]],
    "sdg": [[1, 0], [0, -1j]],
    "t": [[1, 0], [0, complex(R2, R2)]],
    "tdg": [[1, 0], [0, complex(R2, -R2)]],
    "sx": [[0.5 + 0.5j, 0.5 - 0.5j], [0.5 - 0.5j, 0.5 + 0.5j]],
    "sxdg": [[0.5 - 0.5j, 0.5 + 0.5j], [0.5 + 0.5j, 0.5 - 0.5j]],
    "swap": [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]],
    "iswap": [[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]],
}
#: controlled gate name -> (number of controls, base gate name)
CONTROLLED_FIXED: dict[str, tuple[int, str]] = {
    "cx": (1, "x"), "cy": (1, "y"), "cz": (1, "z"), "ch": (1, "h"),
    "ccx": (2, "x"), "ccz": (2, "z"), "cswap": (1, "swap"),
}
#: controlled parametric gate name -> base gate name
CONTROLLED_PARAM: dict[str, str] = {"cp": "p", "cu1": "p", "crx": "rx", "cry": "ry", "crz": "rz"}

#: Qiskit gate name -> number of parameters, for every gate :func:`~qspectral.kernels.gates.gate_matrix` knows.
GATE_PARAMS: dict[str, int] = {
    **{name: 0 for name in FIXED},
    **{name: 0 for name in CONTROLLED_FIXED},
    **{name: 1 for name in ("rx", "ry", "rz", "p", "u1", "rxx", "ryy", "rzz")},
    **{name: 1 for name in CONTROLLED_PARAM},
    "u2": 2,
    "u": 3,
    "u3": 3,
}

