"""Run several experiments at once, one worker process each, longest first, and say what happens;
:func:`report_all` runs every registered experiment this way and writes ``REPORT.md``.

:func:`run_many` runs experiments with :func:`~qspectral.experiments.report.run_experiment` (seeded,
one torch thread, deterministic ops) and writes each one's ``metrics.json`` and figures with
:func:`~qspectral.experiments.report.write_run`. With ``jobs > 1`` at most ``jobs`` experiments run
at a time, each in its own process (started from a ``forkserver`` that has imported the package
once), so ``metrics.json`` is byte-identical to a serial run's: the process is different, the
computation is not. They start in order of :data:`EXPECTED_SECONDS` (longest first, unknown ones
before known ones), which keeps the slowest from starting last; a serial run keeps the given order.

One line per experiment when it starts and when it finishes (name, claims held, seconds) goes to
``log`` (stderr by default) whatever ``log`` is; a terminal also gets a bar of finished experiments
(``progress``; in a serial run the experiments' own training bars instead). An experiment that
raises, or whose process dies, is recorded in the returned failures and the others go on. Ctrl-C
(KeyboardInterrupt in the caller) terminates every worker before it propagates. As with any
``multiprocessing`` program, a script that calls this with ``jobs > 1`` needs the
``if __name__ == "__main__":`` guard.

Example:
    >>> import io, tempfile
    >>> log = io.StringIO()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     runs, failures = run_many({"fourier-degree": {"num_layers": (1,), "steps": 2, "restarts": 1}},
    ...                               out_dir=tmp, jobs=1, progress=False, log=log)
    >>> [run.experiment.name for run in runs], failures
    (['fourier-degree'], {})
    >>> log.getvalue().splitlines()[0]
    'start fourier-degree'
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Mapping
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, TextIO

from tqdm.auto import tqdm

from qspectral.errors import ExperimentFailedError, InvalidParameterError
from qspectral.experiments.registry import EXPERIMENT_MODULES, experiments
from qspectral.experiments.report import ExperimentRun, check_device, run_experiment, write_report, write_run

#: CPU seconds of each experiment's quick mode on one core (2-core CI-class machine, 2026-11). Only the
#: order matters: the report starts the longest first, so that none of them starts last and runs alone.
EXPECTED_SECONDS = {
    "denoiser-spectral-bias": 100.0,
    "amplitude-phase": 80.0,
    "born-machine": 76.0,
    "spectral-bias": 64.0,
    "pde": 50.0,
    "self-diffusion": 41.0,
    "fourier-degree": 25.0,
    "schedule-design": 13.0,
    "qft-wiener-filter": 10.0,
}


def default_jobs() -> int:
    """The CPU cores this process may use (its affinity where the OS says, else ``os.cpu_count()``)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def longest_first(names: list[str]) -> list[str]:
    """``names`` in the order to start them: by :data:`EXPECTED_SECONDS`, longest first, unknown first.

    Example:
        >>> longest_first(["fourier-degree", "mystery", "spectral-bias"])
        ['mystery', 'spectral-bias', 'fourier-degree']
    """
    return sorted(names, key=lambda name: -EXPECTED_SECONDS.get(name, float("inf")))


def _held(run: ExperimentRun) -> str:
    claims = run.result.claims
    return f"{sum(bool(c.holds) for c in claims)} of {len(claims)} claims held"


def _run_and_write(name: str, overrides: dict[str, Any], options: dict[str, Any], out_dir: str) -> ExperimentRun:
    run = run_experiment(name, **options, **overrides)
    write_run(run, out_dir)
    return run


def _worker(conn: Connection, name: str, overrides: dict[str, Any], options: dict[str, Any], out_dir: str) -> None:
    """A worker process: run one experiment, send back ``("ok", run)`` or ``("error", traceback)``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it terminates us
    try:
        message: tuple[str, Any] = ("ok", _run_and_write(name, overrides, options, out_dir))
    except Exception:  # noqa: BLE001 -- any failure is reported to the parent, which goes on
        message = ("error", traceback.format_exc())
    conn.send(message)
    conn.close()


class _Log:
    """The start/finish lines, through the bar when there is one so that the two do not garble."""

    def __init__(self, stream: TextIO, total: int, bar: bool) -> None:
        self.stream = stream
        self.bar = tqdm(total=total, desc="experiments", file=stream, leave=False) if bar else None

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def finished(self, name: str, outcome: str, seconds: float) -> None:
        self.line(f"done  {name}: {outcome}, {seconds:.1f} s")
        if self.bar is not None:
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _last_line(error: str) -> str:
    return error.strip().splitlines()[-1] if error.strip() else "failed"


def run_many(
    experiments: Mapping[str, Mapping[str, Any]],
    *,
    mode: str = "quick",
    seed: int | None = None,
    device: str = "cpu",
    out_dir: str | Path = "results",
    jobs: int | None = None,
    progress: bool | None = None,
    log: TextIO | None = None,
) -> tuple[list[ExperimentRun], dict[str, str]]:
    """Run each experiment name -> config overrides of ``experiments``; return its runs and failures.

    Runs come back in the order of ``experiments``; failures map a name to its error (the traceback).
    ``jobs`` defaults to :func:`default_jobs` (and is capped at the number of experiments); ``progress``
    to whether ``log`` is a terminal.
    """
    jobs = default_jobs() if jobs is None else jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InvalidParameterError(f"jobs must be a positive number of worker processes, got {jobs!r}")
    stream = sys.stderr if log is None else log
    if progress is None:
        progress = bool(getattr(stream, "isatty", lambda: False)())
    names = list(experiments)
    jobs = min(jobs, len(names)) or 1
    results: dict[str, ExperimentRun] = {}
    failures: dict[str, str] = {}
    if jobs == 1:
        _serial(experiments, names, dict(mode=mode, seed=seed, device=device, progress=progress),
                str(out_dir), stream, results, failures)
    else:
        _parallel(experiments, longest_first(names), jobs, dict(mode=mode, seed=seed, device=device, progress=False),
                  str(out_dir), _Log(stream, len(names), progress), results, failures)
    return [results[name] for name in experiments if name in results], failures


def _serial(experiments: Mapping[str, Mapping[str, Any]], names: list[str], options: dict[str, Any], out_dir: str,
            stream: TextIO, results: dict[str, ExperimentRun], failures: dict[str, str]) -> None:
    log = _Log(stream, len(names), bar=False)  # the experiments draw their own training bars
    for name in names:
        log.line(f"start {name}")
        start = time.perf_counter()
        try:
            results[name] = _run_and_write(name, dict(experiments[name]), options, out_dir)
            log.finished(name, _held(results[name]), results[name].seconds)
        except Exception:  # noqa: BLE001 -- recorded; the other experiments still run
            failures[name] = traceback.format_exc()
            log.finished(name, "FAILED: " + _last_line(failures[name]), time.perf_counter() - start)


def _context() -> multiprocessing.context.BaseContext:
    """``forkserver`` where there is one: the server imports every experiment once, each worker forks from it.

    Not plain ``fork``: the caller may have used torch's OpenMP threads, which do not survive a fork.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, *EXPERIMENT_MODULES])
    return context


def _parallel(experiments: Mapping[str, Mapping[str, Any]], names: list[str], jobs: int, options: dict[str, Any],
              out_dir: str, log: _Log, results: dict[str, ExperimentRun], failures: dict[str, str]) -> None:
    context = _context()
    waiting = list(names)
    running: dict[Connection, tuple[str, Any, float]] = {}  # parent end of the pipe -> name, process, start
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                name = waiting.pop(0)
                parent, child = context.Pipe(duplex=False)
                process = context.Process(target=_worker, args=(child, name, dict(experiments[name]), options, out_dir),
                                          name=f"qspectral-{name}", daemon=True)
                log.line(f"start {name}")
                process.start()
                child.close()
                running[parent] = (name, process, time.perf_counter())
            for conn in wait(list(running)):
                name, process, start = running.pop(conn)  # type: ignore[index]
                try:
                    status, payload = conn.recv()
                except EOFError:  # the process died without a word (killed, out of memory, a crash)
                    process.join()
                    status, payload = "error", f"worker process died (exit code {process.exitcode})"
                conn.close()
                process.join()
                if status == "ok":
                    results[name] = payload
                    log.finished(name, _held(payload), payload.seconds)
                else:
                    failures[name] = payload
                    log.finished(name, "FAILED: " + _last_line(payload), time.perf_counter() - start)
    finally:  # normal exit: nothing left; Ctrl-C or an error here: stop every worker before going on
        for conn, (_, process, _) in running.items():
            process.terminate()
        for conn, (_, process, _) in running.items():
            process.join()
            conn.close()
        log.close()


def report_all(
    *,
    mode: str = "quick",
    seed: int | None = None,
    device: str = "cpu",
    out_dir: str | Path = "results",
    progress: bool | None = None,
    compare_qubits: int | None = 12,
    jobs: int | None = None,
) -> tuple[list[ExperimentRun], Path]:
    """Run every registered experiment, write its results, the comparison and REPORT.md.

    The experiments run ``jobs`` at a time in worker processes (default: one per core; see
    :func:`run_many`), each seeded and single-threaded, so every
    ``metrics.json`` is the one a serial run writes. If any experiment fails, REPORT.md is still
    written (the others' claims and each failure's traceback) and then
    :class:`~qspectral.errors.ExperimentFailedError` is raised.
    """
    check_device(device)
    runs, failures = run_many({name: {} for name in experiments()}, mode=mode, seed=seed, device=device,
                              out_dir=out_dir, jobs=jobs, progress=progress)
    table = None
    if compare_qubits is not None:
        from qspectral.sim.compare import compare_qft, format_table

        table = format_table(compare_qft(compare_qubits))
    path = write_report(runs, out_dir, compare_table=table, failures=failures)
    if failures:
        raise ExperimentFailedError(
            f"{len(failures)} experiment(s) failed: {', '.join(failures)}; {path} has the others' results and "
            "each traceback; rerun one alone with `qspectral reproduce NAME` once fixed"
        )
    return runs, path
