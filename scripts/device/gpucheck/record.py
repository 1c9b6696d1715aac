"""The check's record: every measurement goes in as it is made, and the JSON and Markdown are rewritten.

A :class:`Record` holds sections (environment, tests, properties, race rows, ...). ``add_row``
and ``set`` rewrite ``gpu-check.json`` and ``gpu-check.md`` atomically, so whatever stops the
check (a crash, the deadline, the ``run`` tool's kill) leaves the tables of what was measured.
:class:`Deadline` raises :class:`OutOfTime` in the main thread when the global time is up
(``SIGALRM``), and on ``SIGTERM``; the phase that was running records it and the check finishes.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> record = Record(folder, title="demo")
    >>> record.add_row("race", {"workload": "qft", "n": 4, "contender": "engine", "median_s": 0.001})
    >>> sorted(p.name for p in folder.iterdir())
    ['gpu-check.json', 'gpu-check.md']
"""

from __future__ import annotations

import json
import math
import os
import signal
import time
import traceback
from pathlib import Path
from typing import Any, Callable

JSON_NAME, MD_NAME = "gpu-check.json", "gpu-check.md"


class OutOfTime(Exception):
    """The global deadline passed (or the process was asked to stop)."""


class Deadline:
    """Seconds left until a wall-clock deadline; arms ``SIGALRM`` (and ``SIGTERM``) to raise :class:`OutOfTime`."""

    def __init__(self, seconds: float, *, arm: bool = True) -> None:
        self.start = time.monotonic()
        self.end = self.start + seconds
        if arm:
            signal.signal(signal.SIGALRM, self._raise)
            signal.signal(signal.SIGTERM, self._raise)
            signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))

    @staticmethod
    def _raise(signum, frame) -> None:
        raise OutOfTime("the check's deadline passed" if signum == signal.SIGALRM else "stopped by SIGTERM")

    def left(self) -> float:
        return self.end - time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def disarm(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)


def error_text(exc: BaseException) -> str:
    """``Type: message`` and the innermost frames, short enough for a table."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = "; ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames)
    message = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" + (f" (at {where})" if where else "")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


class Record:
    """Sections of results, written to ``folder`` as JSON and Markdown after every change."""

    def __init__(self, folder: str | Path, *, title: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.data: dict[str, Any] = {"title": title, "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                                     "finished": None, "phases": {}}
        self.render: Callable[[dict[str, Any]], str] = lambda data: f"# {data['title']}\n"
        self.flush()

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.flush()

    def add_row(self, section: str, row: dict[str, Any]) -> None:
        self.data.setdefault(section, []).append(row)
        self.flush()

    def phase(self, name: str, **fields: Any) -> None:
        """Record (or update) the status of phase ``name``: status, seconds, error, ..."""
        self.data["phases"].setdefault(name, {}).update(fields)
        self.flush()

    def flush(self) -> None:
        data = _finite(self.data)
        _write(self.folder / JSON_NAME, json.dumps(data, indent=2, default=str) + "\n")
        _write(self.folder / MD_NAME, self.render(data))
