"""Small helpers shared by the diffusion experiments: derived seeds, JSON-safe numbers, figures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch


def seed_for(seed: int, *indices: int) -> int:
    """A 32-bit seed derived from ``seed`` and ``indices`` (independent streams per sub-run).

    Example:
        >>> seed_for(0, 1) == seed_for(0, 1) != seed_for(0, 2)
        True
    """
    return int(np.random.SeedSequence([seed, *indices]).generate_state(1)[0])


def generator(seed: int, *indices: int) -> torch.Generator:
    """A torch CPU generator seeded with :func:`seed_for`."""
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
