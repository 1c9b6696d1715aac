"""Shared test fixtures: seeded random states and the backends that run here."""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.conventions import random_state  # noqa: F401  (re-exported for tests)
from qspectral.sim.backends import available_backends

CPU_BACKENDS = available_backends(include_gpu=False)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
