"""An on-disk cache of backend availability probes, so that listing backends stays fast.

A GPU backend's probe imports its CUDA libraries (torch, Aer's GPU build, lightning.gpu): seconds.
Its answer depends only on what is installed and on the GPU driver, so it is cached in
``<cache dir>/backend_probes.json`` under a key made of the installed versions of the backend's
``probe_packages``, the driver version (``/proc/driver/nvidia/version``), ``CUDA_VISIBLE_DEVICES``
and the Python executable; any change of those probes again. The cache directory is
``$QSPECTRAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/qspectral``, else ``~/.cache/qspectral``. A cache
that cannot be read or written is ignored (the probe then runs every time).

Example:
    >>> import os, tempfile
    >>> os.environ["QSPECTRAL_CACHE_DIR"] = tempfile.mkdtemp()
    >>> calls = []
    >>> probe = lambda: calls.append(1) or "no GPU here"
    >>> cached_probe("demo", ("numpy",), probe), cached_probe("demo", ("numpy",), probe), len(calls)
    ('no GPU here', 'no GPU here', 1)
    >>> del os.environ["QSPECTRAL_CACHE_DIR"]
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

_DRIVER = Path("/proc/driver/nvidia/version")


def cache_file() -> Path:
    """Where the probe answers are kept."""
    base = os.environ.get("QSPECTRAL_CACHE_DIR")
    if base:
        return Path(base) / "backend_probes.json"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "qspectral" / "backend_probes.json"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def probe_key(packages: Sequence[str]) -> str:
    """What a cached answer depends on: package versions, GPU driver, visible devices, interpreter."""
    try:
        driver = _DRIVER.read_text().splitlines()[0]
    except (OSError, IndexError):
        driver = "no driver"
    parts = {
        "packages": {name: _version(name) for name in packages},
        "driver": driver,
        "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "python": sys.executable,
    }
    return json.dumps(parts, sort_keys=True)


def cached_probe(name: str, packages: Sequence[str], probe: Callable[[], str | None]) -> str | None:
    """``probe()`` (None or the reason the backend ``name`` cannot run), from the cache when its key matches."""
    path = cache_file()
    key = probe_key(packages)
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        entries = {}
    entry = entries.get(name) if isinstance(entries, dict) else None
    if isinstance(entry, dict) and entry.get("key") == key:
        return entry.get("reason")
    reason = probe()
    entries = entries if isinstance(entries, dict) else {}
    entries[name] = {"key": key, "reason": reason}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entries, indent=1))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: probe again next time
    return reason
