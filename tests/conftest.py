"""Shared test fixtures: seeded random states and the ``backend`` fixture over the backends that run here.

``backend`` is parametrised over every simulator that runs on this machine (CPU and GPU); with
``pytest --gpu-only`` over the GPU ones only (a single skipped case, with the reason, when there
is none). ``@pytest.mark.backends("aer", "engine", ...)`` narrows it for one test to those names.
"""

from __future__ import annotations

import numpy as np
import pytest

from qspectral.conventions import random_state  # noqa: F401  (re-exported for tests)
from qspectral.sim.backends import backends


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--gpu-only", action="store_true", default=False,
        help="run the tests that take the `backend` fixture on GPU backends only",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): run this test's `backend` fixture on these backends only")


def _running_here(gpu_only: bool) -> list[str]:
    return [s.name for s in backends() if s.available and (s.gpu or not gpu_only)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames or any(
        "backend" in mark.args[0] for mark in metafunc.definition.iter_markers("parametrize")
    ):
        return
    gpu_only = metafunc.config.getoption("--gpu-only")
    names = _running_here(gpu_only)
    marker = metafunc.definition.get_closest_marker("backends")
    if marker is not None:
        names = [name for name in names if name in marker.args]
    if names:
        metafunc.parametrize("backend", names)
        return
    reason = "no GPU backend runs here (see `qspectral backends`)" if gpu_only else "none of its backends runs here"
    metafunc.parametrize("backend", [pytest.param(None, marks=pytest.mark.skip(reason=reason))])


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
