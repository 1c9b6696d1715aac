"""The simulator benchmark behind ``qspectral bench qft|spectral-phase|spectral-filter|random``.

For each register size it builds one seeded workload, checks every backend's memory need first
(a refused backend gets a row saying why, nothing is allocated for it), runs each backend once to
warm up and to check its output against a closed form, then times ``repeats`` more runs and keeps
the median.

**What a row times.** For ``spectral-phase`` and ``spectral-filter`` each timed call is what a user
runs: ``simulate(spectral_phase(n, phases), backend, initial_state=psi)``, the circuit build
included (note ``build + simulate``); two more rows split it: ``build`` (the builder alone) and
``engine, prebuilt`` (``simulate`` on a circuit built once, for a user who reuses it). For ``qft``
and ``random`` the circuit is built once and each call is ``simulate`` alone. Everything is measured in one process, so the ratios between backends are the
meaningful numbers on a shared machine. Ratios are ``time / time of the engine`` where the engine
ran, else ``time / fastest``.

Workloads (``n`` qubits, complex128 unless ``dtype`` says otherwise):

- ``qft``: the QFT of a random state; checked against ``sqrt(N) * numpy.fft.ifft``. Two bare
  baselines are timed too: ``numpy.fft`` and ``torch.fft`` (one ``ifft`` of the same array);
- ``spectral-phase``: QFT . diag(e^{i phi_k}) . inverse QFT (:func:`spectral_phase`); checked against
  ``ifft(e^{i phi} fft(psi))``;
- ``spectral-filter``: the block-encoded low-pass filter on ``n - 1`` data qubits plus the ancilla
  (:func:`spectral_filter`); the ancilla-|0> half is checked against ``ifft(g fft(psi))``;
- ``random``: Qiskit's random circuit of one- and two-qubit gates, depth 20, no QFT; checked
  against the first backend's output (no closed form exists).
- ``gates``: gate-heavy circuits (:func:`gate_heavy_circuit`: 10 000 random one- and two-qubit
  gates up to 8 qubits, 3 000 up to 16; above that Qiskit's random circuit of depth 20), checked
  against the first backend. The engine caches compiled programs, so its timed runs are repeat
  runs; an extra row ``engine (compile)`` times it with the cache cleared before every run.

Example:
    >>> rows = run_benchmark("qft", [4], backends=["qiskit"], repeats=1, progress=False)
    >>> sorted({r.backend for r in rows}) == ["numpy.fft", "qiskit", "torch.fft"]
    True
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qspectral.conventions import apply_qft, random_state
from qspectral.errors import QSpectralError
from qspectral.quantum.qft import qft
from qspectral.quantum.spectral_ops import spectral_filter, spectral_phase
from qspectral.ranges import parse_int_range
from qspectral.sim.backends import available_backends, check_memory, get_backend, simulate
from qspectral.sim.compare import random_circuit
from qspectral.timing import format_table as timing_table
from qspectral.timing import time_calls

WORKLOADS = ("qft", "spectral-phase", "spectral-filter", "random", "gates")
#: ``gates``: one- and two-qubit gates per circuit, by register size (from 17 qubits: a depth-20 random circuit).
GATE_COUNTS = {8: 10_000, 16: 3_000}
#: Output agreement required of a complex128 run (complex64: 1e-4).
TOLERANCES = {np.dtype(np.complex128): 1e-9, np.dtype(np.complex64): 1e-4}


@dataclass
class BenchRow:
    """One backend at one size: median seconds, all repeat times, error and ratio."""

    workload: str
    num_qubits: int
    backend: str
    median_seconds: float | None
    seconds: list[float]
    max_abs_error: float | None
    passed: bool
    ratio: float | None = None
    note: str = ""


@dataclass
class _Workload:
    build: Callable[[], object]  # () -> the circuit
    initial_state: np.ndarray
    check: Callable[[np.ndarray], float] | None  # output -> error; None: compare with the first backend
    rebuild: bool = False  # True: every timed call builds the circuit too (the build is part of the workload)

    def __post_init__(self) -> None:
        self.circuit = self.build()

    def call(self, backend: str, dtype: np.dtype, *, prebuilt: bool = False) -> Callable[[], np.ndarray]:
        """The timed call on ``backend``: build (unless prebuilt) and simulate."""
        if self.rebuild and not prebuilt:
            return lambda: simulate(self.build(), backend, initial_state=self.initial_state, dtype=dtype)
        return lambda: simulate(self.circuit, backend, initial_state=self.initial_state, dtype=dtype)


def _build(workload: str, n: int, seed: int) -> _Workload:
    rng = np.random.default_rng(seed)
    if workload == "qft":
        psi = random_state(n, rng)
        reference = apply_qft(psi)
        return _Workload(lambda: qft(n), psi, lambda out: float(np.max(np.abs(out - reference))))
    if workload == "spectral-phase":
        psi = random_state(n, rng)
        phases = rng.uniform(-np.pi, np.pi, 2**n)
        reference = np.fft.ifft(np.exp(1j * phases) * np.fft.fft(psi))
        return _Workload(
            lambda: spectral_phase(n, phases), psi, lambda out: float(np.max(np.abs(out - reference))), rebuild=True
        )
    if workload == "spectral-filter":
        m = n - 1
        data = random_state(m, rng)
        k = np.minimum(np.arange(2**m), 2**m - np.arange(2**m))
        gains = np.exp(-((k / max(2 ** (m - 3), 1)) ** 2))
        reference = np.fft.ifft(gains * np.fft.fft(data))
        psi = np.concatenate([data, np.zeros_like(data)])  # ancilla (highest qubit) in |0>
        return _Workload(
            lambda: spectral_filter(m, gains).circuit, psi,
            lambda out: float(np.max(np.abs(out[: 2**m] - reference))), rebuild=True,
        )
    if workload == "random" or (workload == "gates" and n > max(GATE_COUNTS)):
        return _Workload(lambda: random_circuit(n, 20, seed=seed), random_state(n, rng), None)
    if workload == "gates":
        count = next(c for size, c in sorted(GATE_COUNTS.items()) if n <= size)
        return _Workload(lambda: gate_heavy_circuit(n, count, seed), random_state(n, rng), None)
    raise QSpectralError(f"unknown workload {workload!r}; choose one of {', '.join(WORKLOADS)}")


def gate_heavy_circuit(num_qubits: int, count: int, seed: int = 0):
    """``count`` seeded random gates: 60 % one-qubit (h, x, sx, s, t, rx, ry, rz, u), 40 % two-qubit
    (cx, cz, cp, rzz, swap, crx) on random qubit pairs.

    Example:
        >>> gate_heavy_circuit(4, 100).size()
        100
    """
    from qiskit import QuantumCircuit

    rng = np.random.default_rng(seed)
    circuit = QuantumCircuit(num_qubits)
    angles = {"rx": 1, "ry": 1, "rz": 1, "u": 3, "cp": 1, "rzz": 1, "crx": 1}
    for _ in range(count):
        two = num_qubits > 1 and rng.random() < 0.4
        name = str(rng.choice(["cx", "cz", "cp", "rzz", "swap", "crx"] if two else
                              ["h", "x", "sx", "s", "t", "rx", "ry", "rz", "u"]))
        qubits = [int(q) for q in rng.permutation(num_qubits)[: 2 if two else 1]]
        getattr(circuit, name)(*rng.uniform(-3, 3, angles.get(name, 0)), *qubits)
    return circuit


def _cold_engine(work: _Workload, dtype, repeats: int):
    """Time the engine with its program cache cleared before every run (compilation included)."""
    from qspectral.sim.engine.compiler import clear_cache

    def run():
        clear_cache()
        return simulate(work.circuit, "engine", initial_state=work.initial_state, dtype=dtype)

    return time_calls(run, repeats)


def _baselines(psi: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    import torch

    scale = math.sqrt(psi.size)
    tensor = torch.from_numpy(psi)
    return {
        "numpy.fft": lambda: np.fft.ifft(psi) * scale,
        "torch.fft": lambda: torch.fft.ifft(tensor, norm="ortho").numpy(),
    }


def run_benchmark(
    workload: str,
    qubit_counts: list[int],
    *,
    backends: list[str] | None = None,
    repeats: int = 3,
    dtype: type | np.dtype = np.complex128,
    seed: int = 0,
    budget_seconds: float = 120.0,
    progress: bool = True,
) -> list[BenchRow]:
    """Time ``workload`` at each size on each backend; see the module docstring.

    A backend whose warm-up run took longer than ``budget_seconds`` is not run at larger sizes
    (its rows say so), so a sweep to 26 qubits ends in reasonable time.
    """
    from tqdm import tqdm

    if workload not in WORKLOADS:
        raise QSpectralError(f"unknown workload {workload!r}; choose one of {', '.join(WORKLOADS)}")
    names = backends if backends is not None else available_backends()
    for name in names:
        get_backend(name)  # unknown names fail before any work
    dtype = np.dtype(dtype)
    tolerance = TOLERANCES[dtype]
    over_budget: set[str] = set()
    rows: list[BenchRow] = []
    steps = [(n, name) for n in qubit_counts for name in names]
    bar = tqdm(total=len(steps), desc=f"bench {workload}", disable=None if progress else True, leave=False)
    for n in qubit_counts:
        size_rows: list[BenchRow] = []
        work = None
        reference_output = None
        for name in names:
            bar.set_postfix_str(f"n={n} {name}")
            bar.update()
            if name in over_budget:
                size_rows.append(BenchRow(workload, n, name, None, [], None, False, note="skipped: over time budget at a smaller size"))
                continue
            try:
                check_memory(n, name, dtype)
            except QSpectralError as exc:
                size_rows.append(BenchRow(workload, n, name, None, [], None, False, note=f"refused: {exc}"))
                continue
            work = work or _build(workload, n, seed)
            start = time.perf_counter()
            timing = time_calls(work.call(name, dtype), repeats)
            output = timing.output
            if time.perf_counter() - start > budget_seconds * (1 + repeats):
                over_budget.add(name)
            if work.check is not None:
                error = work.check(output)
            elif reference_output is None:
                reference_output, error = output, 0.0
            else:
                error = float(np.max(np.abs(output - reference_output)))
            note = "build + simulate" if work.rebuild else "" if work.check is not None or error else "reference for this size"
            size_rows.append(BenchRow(workload, n, name, timing.median, timing.seconds, error, error <= tolerance, note=note))
        if workload == "qft" and work is not None:
            for name, run in _baselines(work.initial_state).items():
                timing = time_calls(run, repeats)
                error = work.check(timing.output)
                size_rows.append(BenchRow(workload, n, name, timing.median, timing.seconds, error, error <= tolerance, note="bare FFT baseline"))
        if workload == "gates" and work is not None and "engine" in names and reference_output is not None:
            timing = _cold_engine(work, dtype, repeats)
            error = float(np.max(np.abs(timing.output - reference_output)))
            size_rows.append(BenchRow(workload, n, "engine (compile)", timing.median, timing.seconds, error,
                                      error <= tolerance, note="program cache cleared before each run"))
        timed = {r.backend: r.median_seconds for r in size_rows if r.median_seconds}
        unit = timed.get("engine") or (min(timed.values()) if timed else None)
        if work is not None and work.rebuild:
            size_rows.extend(_split_rows(work, workload, n, "engine" in timed, dtype, repeats, tolerance))
        for r in size_rows:
            if r.median_seconds and unit:
                r.ratio = r.median_seconds / unit
        rows.extend(size_rows)
    bar.close()
    return rows


def _split_rows(work: _Workload, workload: str, n: int, engine_ran: bool, dtype: np.dtype, repeats: int,
                tolerance: float) -> list[BenchRow]:
    """The ``build`` row (the circuit build alone) and, when the engine ran, ``engine, prebuilt``."""
    build = time_calls(work.build, repeats)
    rows = [BenchRow(workload, n, "build", build.median, build.seconds, None, True, note="the circuit build alone")]
    if engine_ran:
        timing = time_calls(work.call("engine", dtype, prebuilt=True), repeats)
        error = work.check(timing.output)
        rows.append(BenchRow(workload, n, "engine, prebuilt", timing.median, timing.seconds, error,
                             error <= tolerance, note="simulate only, on a circuit built once"))
    return rows


def parse_qubits(spec: str) -> list[int]:
    """Qubit counts in qspectral's range syntax (:mod:`qspectral.ranges`; both ends included).

    Example:
        >>> parse_qubits("10:16:2"), parse_qubits("12,18"), parse_qubits("5")
        ([10, 12, 14, 16], [12, 18], [5])
    """
    return parse_int_range(spec, minimum=1, what="qubit counts")


def format_table(rows: list[BenchRow]) -> str:
    """One line per (size, backend): median time, ratio, error, note (:func:`qspectral.timing.format_table`)."""
    columns = [("workload", "<16"), ("n", ">3"), ("backend", "<15"), ("median", ">11"), ("ratio", ">8"),
               ("max |err|", ">10"), ("note", "")]
    cells = [
        [r.workload, str(r.num_qubits), r.backend,
         f"{r.median_seconds * 1e3:.1f}ms" if r.median_seconds is not None else "-",
         f"{r.ratio:.2f}x" if r.ratio is not None else "-",
         f"{r.max_abs_error:.1e}" if r.max_abs_error is not None else "-",
         ("" if r.passed or r.median_seconds is None else "FAIL ") + r.note]
        for r in rows
    ]
    return timing_table(columns, cells)


def write_records(records: list[dict], directory: str | Path, name: str) -> list[Path]:
    """Write ``NAME.json`` (every record) and ``NAME.csv`` (one row per record, list and dict fields
    left out) into ``directory``; return both paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = folder / f"{name}.json", folder / f"{name}.csv"
    json_path.write_text(json.dumps(records, indent=2) + "\n")
    with csv_path.open("w", newline="") as handle:
        fields = [k for k, v in records[0].items() if not isinstance(v, (list, dict))]
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    return [json_path, csv_path]


def write_result_files(
    records: list[dict],
    directory: str | Path,
    name: str,
    series: dict[str, list[tuple[int, float]]],
    *,
    title: str,
    ylabel: str,
) -> list[Path]:
    """Write ``NAME.json`` and ``NAME.csv`` (:func:`write_records`) and ``NAME.png`` (each series
    against qubits: integer ticks, log y, legend outside the axes).

    Nothing is written when no series has a point: an empty plot would look like a result.
    """
    if not any(series.values()):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    json_path, csv_path = write_records(records, directory, name)
    png_path = Path(directory) / f"{name}.png"
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, points in series.items():
        if points:
            ax.plot(*zip(*sorted(points)), marker="o", label=label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("qubits")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize="small")
    fig.tight_layout()
    fig.savefig(png_path, dpi=120)
    plt.close(fig)
    return [json_path, csv_path, png_path]


def write_outputs(rows: list[BenchRow], directory: str | Path, name: str) -> list[Path]:
    """Write ``NAME.json``, ``NAME.csv`` and ``NAME.png`` (time vs qubits, log scale) into ``directory``;
    nothing when no row was timed."""
    series: dict[str, list[tuple[int, float]]] = {}
    for r in rows:
        if r.median_seconds:
            series.setdefault(r.backend, []).append((r.num_qubits, r.median_seconds))
    return write_result_files([asdict(r) for r in rows], directory, name, series,
                              title=f"qspectral bench {rows[0].workload}", ylabel="median wall time (s)")
