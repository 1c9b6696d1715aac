"""Names that a package re-exports but loads on first use (PEP 562 module ``__getattr__`` and ``__dir__``).

Heavy dependencies (torch, pennylane, scipy.stats, matplotlib, cloud SDKs) load only when a name
that needs them is first used, so ``import qspectral`` and ``import qspectral.spectral`` stay
fast. Lazy names still appear in ``dir()``. A package can also keep old names for one release
with a ``DeprecationWarning`` that says the new name.

Example:
    >>> import qspectral.classical as classical
    >>> "MLP" in dir(classical) and classical.MLP.__module__
    'qspectral.classical.nets'
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def exports(modules: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{name: module}`` from ``{module: names}``."""
    return {name: module for module, names in modules.items() for name in names}


def attach(
    package: str,
    lazy: Mapping[str, str],
    *,
    submodules: Iterable[str] = (),
    moved: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``.

    ``lazy`` maps a name to the module that defines it (imported on first use, then cached in the
    package); ``submodules`` are subpackages reachable as attributes without importing them first;
    ``moved`` maps an old name to the namespace that now holds it: using it warns (every time) and
    returns the new object.
    """
    moved = dict(moved or {})
    submodules = set(submodules)

    def __getattr__(name: str) -> Any:
        if name in lazy:
            value = getattr(importlib.import_module(lazy[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name in moved:
            warnings.warn(
                f"{package}.{name} is deprecated and will be removed in the next release; use {moved[name]}.{name}",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(importlib.import_module(moved[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(lazy) | submodules)

    return __getattr__, __dir__
