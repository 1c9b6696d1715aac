"""One syntax for integer ranges on the command line: qubit counts (``--qubits``) and seeds (``--sweep``).

``START:STOP`` or ``START:STOP:STEP`` includes **both ends** (``10:16:2`` is 10, 12, 14, 16;
``0:4`` is 0, 1, 2, 3, 4), as ``seq`` does; ``A,B,C`` lists values; ``N`` is one value.

Example:
    >>> parse_int_range("10:16:2"), parse_int_range("0:3"), parse_int_range("5,7"), parse_int_range("4")
    ([10, 12, 14, 16], [0, 1, 2, 3], [5, 7], [4])
"""

from __future__ import annotations

from qspectral.errors import InvalidParameterError

#: How the syntax is described in messages and help texts.
SYNTAX = "START:STOP[:STEP] (both ends included), A,B,C or N"


def parse_int_range(spec: str, *, minimum: int = 0, what: str = "values") -> list[int]:
    """The integers ``spec`` names (see the module docstring), each ``>= minimum``, distinct.

    Raises :class:`~qspectral.errors.InvalidParameterError` naming the problem and the syntax.
    """
    text = str(spec).strip()
    try:
        parts = [int(p) for p in text.split(":" if ":" in text else ",")]
    except ValueError:
        raise InvalidParameterError(f"cannot read {what} {spec!r}; write {SYNTAX}, e.g. 10:16:2") from None
    if ":" in text:
        if len(parts) not in (2, 3):
            raise InvalidParameterError(f"cannot read {what} {spec!r}; write {SYNTAX}, e.g. 10:16:2")
        step = parts[2] if len(parts) == 3 else 1
        if step < 1:
            raise InvalidParameterError(f"cannot read {what} {spec!r}: the step must be >= 1; write {SYNTAX}")
        values = list(range(parts[0], parts[1] + 1, step))
    else:
        values = parts
    if not values:
        raise InvalidParameterError(f"{what} {spec!r} is empty (STOP below START?); write {SYNTAX}")
    if min(values) < minimum:
        raise InvalidParameterError(f"{what} {spec!r} includes {min(values)}; each must be >= {minimum}")
    if len(set(values)) != len(values):
        raise InvalidParameterError(f"{what} {spec!r} repeats a value; list each once")
    return values
