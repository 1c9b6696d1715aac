r"""Leave out the gates that cannot change what is measured: the backward light cone of some wires.

A measurement on some wires (an expectation value, probabilities, samples) reads only their
reduced state. Walking the ops from the last to the first, an op is kept when it touches a wire
that is measured or that a kept op touches; an op on other wires only is left out: everything
kept after it acts on other wires, so it commutes to the end of the circuit, where a unitary on
unmeasured wires leaves the measured wires' reduced state as it was. The result has the same
reduced state on the measured wires (and on every wire a kept op touches); the amplitudes of the
full state differ. Ops must be unitary (the compiler's ops are).

Example:
    >>> from qspectral.sim.engine.program import Op
    >>> ops = [Op("gate", "h", (0,)), Op("gate", "cx", (0, 1)), Op("gate", "h", (2,)), Op("gate", "x", (0,))]
    >>> [(op.name, op.wires) for op in light_cone(ops, [1])]   # h on 2 and the final x on 0 do not reach wire 1
    [('h', (0,)), ('cx', (0, 1))]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from qspectral.sim.engine.program import Op


def light_cone(ops: Sequence[Op], wires: Iterable[int]) -> list[Op]:
    """The ops (in order) in the backward light cone of ``wires`` at the end of ``ops``."""
    reached = set(wires)
    kept = []
    for op in reversed(ops):
        if reached.intersection(op.wires):
            reached.update(op.wires)
            kept.append(op)
    kept.reverse()
    return kept
