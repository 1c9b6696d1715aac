"""Small helpers shared by the diffusion experiments: seeded torch generators, JSON-safe numbers.

``seed_for`` is :func:`qspectral.seeding.seed_for`, re-exported for these modules.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from qspectral.seeding import seed_for


def generator(seed: int, *indices: int) -> torch.Generator:
    """A torch CPU generator seeded with :func:`~qspectral.seeding.seed_for`."""
    return torch.Generator().manual_seed(seed_for(seed, *indices))


def finite_or_none(values: Any) -> list[float | None]:
    """A list of floats with NaN/inf replaced by None (JSON ``null``).

    Example:
        >>> finite_or_none([1.0, float("nan")])
        [1.0, None]
    """
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64).ravel()]


def mean_std(values: Any) -> dict[str, float]:
    """``{"mean", "std"}`` (population std) of a list of numbers.

    Example:
        >>> mean_std([1.0, 3.0])
        {'mean': 2.0, 'std': 1.0}
    """
    a = np.asarray(values, dtype=np.float64)
    return {"mean": float(a.mean()), "std": float(a.std())}
