"""Argument checks shared by every module: integer counts and non-negative numbers, raised before any work is done.

Each check returns the value as a Python ``int`` (``numpy`` integers are accepted; ``bool`` is not)
and raises the caller's :class:`~qspectral.errors.QSpectralError` subclass with a message that names
the argument, the rule and the value given.

Example:
    >>> positive_int("steps", 3), int_at_least("steps", 0, 0), non_negative("lr", 0)
    (3, 0, 0.0)
    >>> positive_int("steps", 0)
    Traceback (most recent call last):
    ...
    qspectral.errors.InvalidParameterError: steps must be a positive integer, got 0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qspectral.errors import InvalidParameterError, QSpectralError


def _is_int_at_least(value: Any, minimum: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and value >= minimum


def positive_int(name: str, value: Any, *, error: type[QSpectralError] = InvalidParameterError) -> int:
    """``value`` as an ``int`` if it is an integer >= 1, else ``error("NAME must be a positive integer, ...")``."""
    if not _is_int_at_least(value, 1):
        raise error(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def int_at_least(
    name: str, value: Any, minimum: int, *, error: type[QSpectralError] = InvalidParameterError
) -> int:
    """``value`` as an ``int`` if it is an integer >= ``minimum``, else ``error("NAME must be an integer >= MINIMUM, ...")``."""
    if not _is_int_at_least(value, minimum):
        raise error(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def non_negative(name: str, value: Any, *, error: type[QSpectralError] = InvalidParameterError) -> float:
    """``value`` as a ``float`` if it is a finite real number >= 0, else ``error("NAME must be a finite number >= 0, ...")``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise error(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)
