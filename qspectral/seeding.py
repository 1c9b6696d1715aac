"""Independent, reproducible seeds for the sub-runs of one seeded run.

Example:
    >>> seed_for(0, 1) == seed_for(0, 1) != seed_for(0, 2)
    True
"""

from __future__ import annotations

import numpy as np


def seed_for(seed: int, *indices: int) -> int:
    """A 32-bit seed derived from ``seed`` and ``indices`` with ``numpy.random.SeedSequence`` (one stream per index tuple)."""
    return int(np.random.SeedSequence([seed, *indices]).generate_state(1)[0])
