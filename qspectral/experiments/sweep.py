"""Experiment sweeps: one task per (experiment, seed), run serially or on Dask, resumable.

A sweep splits the work into independent tasks, one experiment configuration x one seed each.
Each task runs :func:`~qspectral.experiments.report.run_experiment` and writes its
``metrics.json`` document (same content as a single run's) and its figures atomically, as soon
as it finishes::

    <out_dir>/<name>/seeds/seed_<seed>.json   one task's metrics document
    <out_dir>/<name>/seeds/seed_<seed>/*.png  that task's figures (as a single run draws them)
    <out_dir>/<name>/sweep.json               every seed's claims and metrics, mean and std
    <out_dir>/REPORT.md                       claims table, measured values as mean ± std over seeds

Atomic writes (a temporary file in the same folder, then :func:`os.replace`) mean a reader, or a
resumed sweep, only ever sees complete task files: ``resume=True`` runs just the tasks whose file
is missing. On Dask (``pip install "qspectral[distributed]"``) the tasks go to a scheduler
(``tcp://HOST:PORT``) or to a LocalCluster of ``workers`` processes; a task lost with its worker
is re-run by Dask and, being seeded and deterministic, writes the same files (written by the worker
and again here as its result arrives, figures as bytes, so no shared filesystem is needed). Without Dask the
same tasks run serially in this process. Standard deviations are the sample std (ddof=1; 0 for
one seed).

Example:
    >>> parse_sweep("seeds=0:2")
    [0, 1, 2]
    >>> summarize([{"metrics": {"a": 1.0}}, {"metrics": {"a": 3.0}}])["a"]
    {'mean': 2.0, 'std': 1.4142135623730951, 'n': 2}
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qspectral.errors import InvalidParameterError
from qspectral.experiments.registry import get_experiment
from qspectral.ranges import SYNTAX, parse_int_range

DISTRIBUTED_EXTRA = 'pip install "qspectral[distributed]"'


def parse_sweep(spec: str) -> list[int]:
    """The seeds of a ``--sweep`` spec: ``seeds=`` then qspectral's range syntax
    (:mod:`qspectral.ranges`: ``seeds=0:9`` is ten seeds, both ends included; or ``seeds=A,B,C``).

    Example:
        >>> parse_sweep("seeds=0:3"), parse_sweep("seeds=5,2")
        ([0, 1, 2, 3], [5, 2])
    """
    key, sep, value = spec.partition("=")
    if key.strip() != "seeds" or not sep or not value.strip():
        raise InvalidParameterError(
            f"cannot read sweep {spec!r}; write seeds={SYNTAX}, e.g. seeds=0:9 (ten seeds) or seeds=1,2,3"
        )
    try:
        return parse_int_range(value, minimum=0, what="seeds")
    except InvalidParameterError as exc:
        raise InvalidParameterError(f"{exc} (sweep {spec!r}; e.g. seeds=0:9)") from None


@dataclass(frozen=True)
class SweepTask:
    """One unit of work: experiment ``name`` in ``mode`` (fields replaced by ``overrides``) at ``seed``."""

    name: str
    mode: str
    seed: int
    device: str = "cpu"
    overrides: tuple[tuple[str, Any], ...] = ()

    def path(self, out_dir: str | Path) -> Path:
        """Where this task's metrics document is written."""
        return Path(out_dir) / self.name / "seeds" / f"seed_{self.seed}.json"

    def figure_dir(self, out_dir: str | Path) -> Path:
        """Where this task's figures are written."""
        return Path(out_dir) / self.name / "seeds" / f"seed_{self.seed}"


def make_tasks(
    names: Sequence[str],
    seeds: Sequence[int] | None,
    *,
    mode: str = "quick",
    device: str = "cpu",
    **overrides: Any,
) -> list[SweepTask]:
    """One task per experiment x seed (``seeds=None``: each experiment's own seed).

    Names, mode and overrides are checked here, before any work starts.
    """
    tasks = []
    for name in names:
        experiment = get_experiment(name)
        experiment.config(mode, **overrides)
        for seed in ([experiment.seed] if seeds is None else seeds):
            tasks.append(SweepTask(name, mode, int(seed), device, tuple(sorted(overrides.items()))))
    return tasks


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if isinstance(text, bytes) else "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_task(task: SweepTask, out_dir: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Run one task, write its metrics document and figures atomically, return both (figures by file name)."""
    from qspectral.experiments.report import metrics_document, run_experiment

    run = run_experiment(task.name, mode=task.mode, seed=task.seed, device=task.device,
                         progress=False, **dict(task.overrides))
    document = metrics_document(run)
    with tempfile.TemporaryDirectory() as scratch:
        figures = {path.name: path.read_bytes() for path in run.experiment.plot(run.result, Path(scratch))}
    _write_task(task, out_dir, document, figures)
    return document, figures


def _write_task(task: SweepTask, out_dir: str, document: dict[str, Any], figures: dict[str, bytes]) -> None:
    """The figures first, the document last: a resumed sweep counts a task done by its document."""
    for name, data in figures.items():
        write_atomic(task.figure_dir(out_dir) / name, data)
    write_atomic(task.path(out_dir), json.dumps(document, indent=2) + "\n")


def _done(task: SweepTask, out_dir: str | Path) -> dict[str, Any] | None:
    """The task's document if its file is complete and matches the task, else None."""
    try:
        document = json.loads(task.path(out_dir).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    expected = (task.name, task.mode, task.seed, task.device)
    found = (document.get("experiment"), document.get("mode"), document.get("seed"), document.get("device"))
    return document if found == expected else None


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported here."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class SweepResult:
    """What a sweep did: documents by task, which tasks ran now, which were already done, where."""

    documents: dict[SweepTask, dict[str, Any]]
    ran: list[SweepTask]
    skipped: list[SweepTask]
    executor: str
    seconds: float
    notes: list[str] = field(default_factory=list)


def _serial(tasks: Sequence[SweepTask], out_dir: str) -> Iterator[tuple[SweepTask, dict[str, Any]]]:
    for task in tasks:
        yield task, run_task(task, out_dir)[0]


def _on_dask(tasks: Sequence[SweepTask], out_dir: str, client: Any) -> Iterator[tuple[SweepTask, dict[str, Any]]]:
    from dask.distributed import as_completed

    futures = {
        client.submit(run_task, task, out_dir, key=f"qspectral-{task.name}-{task.seed}-{time.time_ns()}",
                      pure=False, retries=2): task
        for task in tasks
    }
    for future in as_completed(futures):
        task, (document, figures) = futures[future], future.result()
        # the worker wrote them on its own filesystem; write them here too, for clusters without a shared one
        _write_task(task, out_dir, document, figures)
        yield task, document


def run_sweep(
    tasks: Sequence[SweepTask],
    out_dir: str | Path = "results",
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    resume: bool = False,
    on_done: Callable[[SweepTask, int, int], None] | None = None,
) -> SweepResult:
    """Run ``tasks``, writing each result as it finishes; return every task's document.

    Where: an existing Dask ``client``; else the scheduler at ``scheduler``; else a LocalCluster of
    ``workers`` processes (one thread each); else (or without Dask installed) serially here, with
    a note saying how to install the extra. ``resume=True`` skips tasks whose file is complete.
    ``on_done(task, finished, total)`` is called after each task (progress streaming). A script
    that starts a LocalCluster must guard its entry point with ``if __name__ == "__main__":``
    (worker processes are spawned and re-import the main module).
    """
    if workers is not None and workers < 1:
        raise InvalidParameterError(f"workers must be at least 1, got {workers}")
    out = str(out_dir)
    start = time.perf_counter()
    documents: dict[SweepTask, dict[str, Any]] = {}
    skipped = []
    if resume:
        for task in tasks:
            document = _done(task, out)
            if document is not None:
                documents[task] = document
                skipped.append(task)
    todo = [t for t in tasks if t not in documents]
    notes = []
    wants_dask = client is not None or scheduler is not None or workers is not None
    cluster = None
    if wants_dask and client is None and not dask_available():
        notes.append(f"dask.distributed is not installed: ran the tasks serially; for parallel runs: "
                     f"{DISTRIBUTED_EXTRA}")
        wants_dask = False
    try:
        if wants_dask and todo:
            if client is None:
                from dask.distributed import Client, LocalCluster

                if scheduler is None:
                    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
                client = Client(scheduler or cluster)
                executor = f"dask ({scheduler or f'LocalCluster, {workers} workers'})"
            else:
                executor = "dask (given client)"
            results = _on_dask(todo, out, client)
        else:
            executor = "serial"
            results = _serial(todo, out)
        for finished, (task, document) in enumerate(results, start=1):
            documents[task] = document
            if on_done is not None:
                on_done(task, finished, len(todo))
    finally:
        if cluster is not None:
            client.close()
            cluster.close()
    ordered = {task: documents[task] for task in tasks}
    return SweepResult(ordered, todo, skipped, executor, time.perf_counter() - start, notes)


def _numbers(value: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield prefix, float(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{prefix}.{key}" if prefix else str(key))


def summarize(documents: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean, sample std and count of every numeric metric (nested keys joined by dots) over documents."""
    values: dict[str, list[float]] = {}
    for document in documents:
        for key, number in _numbers(document["metrics"]):
            values.setdefault(key, []).append(number)
    return {
        key: {"mean": statistics.fmean(v), "std": statistics.stdev(v) if len(v) > 1 else 0.0, "n": len(v)}
        for key, v in values.items()
    }


def _measured(values: list[Any]) -> str:
    from qspectral.experiments.report import format_measured

    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.fmean(values):.4g} ± {std:.2g}"
    if all(isinstance(v, dict) for v in values) and all(v.keys() == values[0].keys() for v in values):
        return ", ".join(f"{k}: {_measured([v[k] for v in values])}" for k in values[0])
    distinct = list(dict.fromkeys(format_measured(v) for v in values))
    return distinct[0] if len(distinct) == 1 else "; ".join(distinct)


def write_sweep(result: SweepResult, out_dir: str | Path = "results", *,
                compare_table: str | None = None) -> Path:
    """Write ``<name>/sweep.json`` per experiment and ``REPORT.md`` (mean ± std over seeds)."""
    out = Path(out_dir)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for task, document in result.documents.items():
        by_name.setdefault(task.name, []).append(document)
    lines = ["| experiment | kind | claim | criterion | measured (mean ± std over seeds) | holds | seeds |",
             "|---|---|---|---|---|---|---|"]
    held = {"paper": 0, "check": 0}
    total = {"paper": 0, "check": 0}
    for name, documents in by_name.items():
        seeds = [d["seed"] for d in documents]
        claims = []
        for i, claim in enumerate(documents[0]["claims"]):
            measured = [d["claims"][i]["measured"] for d in documents]
            holds = sum(bool(d["claims"][i]["holds"]) for d in documents)
            kind = claim.get("kind", "paper")
            claims.append({"text": claim["text"], "criterion": claim["criterion"], "measured": measured,
                           "holds": holds, "kind": kind})
            held[kind] += holds == len(documents)
            total[kind] += 1
            row = (f"{name} ({documents[0]['mode']})", kind, claim["text"], claim["criterion"], _measured(measured),
                   f"{holds}/{len(documents)}", ",".join(map(str, seeds)))
            lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in row) + " |")
        sweep = {"experiment": name, "mode": documents[0]["mode"], "seeds": seeds,
                 "config": documents[0]["config"], "claims": claims, "summary": summarize(documents)}
        write_atomic(out / name / "sweep.json", json.dumps(sweep, indent=2) + "\n")
    parts = ["# qspectral report", "",
             f"paper claims: {held['paper']} of {total['paper']} hold on every seed; checks: {held['check']} of "
             f"{total['check']} pass on every seed. Per-seed details: `<name>/seeds/seed_<seed>.json`; "
             "mean and std of every metric: `<name>/sweep.json`.", "", *lines, ""]
    if compare_table is not None:
        parts += ["## Simulators: QFT of a seeded random 12-qubit state against numpy.fft", "",
                  "```text", compare_table, "```", ""]
    path = out / "REPORT.md"
    write_atomic(path, "\n".join(parts))
    return path
