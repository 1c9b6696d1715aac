"""The side-by-side: the engine against bare FFTs, a gate-level GPU simulator and Aer/Lightning on the CPU.

For each (workload, dtype, n), in the order given (the target sizes first), one seeded task is
built on the device (:mod:`gpucheck.workloads`) and each contender runs it: a warm-up whose
output is checked, then timed repeats (fewer for slow runs), median kept. Every row is recorded
the moment it is measured. A contender is skipped at a size where its memory need exceeds the
free device memory, where the time it would take (from its last size, times 2 per qubit) does
not fit in what is left, or (CPU simulators) above ``cpu_max_qubits``; a contender that raises
gets a row with the error and the race goes on.

Contenders: ``engine`` is :func:`qspectral.run_circuit` (what a user calls: it validates the
state's norm and compiles the circuit, ``compile_s`` in its row); ``engine (execute)`` runs the
already compiled program (``qspectral.sim.engine.execute``), the engine's execution alone.

Checks: every row against the first contender of its task: the bare torch FFT program (for the
QFT itself checked against the DFT sum at random indices in float64,
:func:`~gpucheck.workloads.dft_spot_check`), or for random circuits the engine (whose gates the
property checks compare with Qiskit's Statevector). ``rel_err = ||out - ref|| / ||ref||`` over
2**16 seeded random amplitudes (all of them in smaller states), so no second full state is kept.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gpucheck.record import OutOfTime, Record, error_text
from gpucheck.workloads import FILTER_MAX_QUBITS, build, dft_spot_check

TOLERANCE = {torch.complex64: 1e-4, torch.complex128: 1e-10}
#: Memory of a run in states of 2**n amplitudes, beyond the input state (outputs, FFT workspace).
EXTRA_STATES = {"engine": 3, "engine (execute)": 3, "torch.fft": 3, "cupy.fft": 3, "qibo": 3, "aer (CPU)": 0, "lightning (CPU)": 0}
GATE_LEVEL_GPU = ("qibo",)


@dataclass
class Contender:
    name: str
    run: Callable[[Any], Any]  # task -> output (torch, cupy or numpy array)
    on_cpu: bool = False


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()
        try:
            import cupy

            cupy.cuda.Device().synchronize()
        except ImportError:
            pass


def _free(device: str) -> None:
    if device == "cuda":
        torch.cuda.empty_cache()
        try:
            import cupy

            cupy.get_default_memory_pool().free_all_blocks()
        except ImportError:
            pass


def _to_torch(out: Any, device: str) -> torch.Tensor:
    if isinstance(out, torch.Tensor):
        return out.reshape(-1)
    if isinstance(out, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(out)).reshape(-1).to(device)
    return torch.from_dlpack(out).reshape(-1)  # cupy


SAMPLES = 2**16


@dataclass
class Sample:
    """A reference output kept at (up to) :data:`SAMPLES` seeded random indices, in complex128."""

    index: torch.Tensor
    values: torch.Tensor

    @classmethod
    def of(cls, out: torch.Tensor, seed: int = 0) -> "Sample":
        size = out.numel()
        if size <= SAMPLES:
            index = torch.arange(size, device=out.device)
        else:
            picks = np.random.default_rng(seed).choice(size, SAMPLES, replace=False)
            index = torch.as_tensor(np.sort(picks), device=out.device)
        return cls(index, out[index].to(torch.complex128))

    def rel_err(self, out: torch.Tensor) -> float:
        """``||out - ref|| / ||ref||`` over the sampled indices (all of them up to 2**16 amplitudes)."""
        diff = out[self.index].to(torch.complex128) - self.values
        return float(torch.linalg.vector_norm(diff) / torch.linalg.vector_norm(self.values))


def contenders(device: str, available: dict[str, str | None]) -> list[Contender]:
    """The contenders that can run here (``available`` maps each name to None or why not)."""
    import qspectral

    def engine(task):
        return qspectral.run_circuit(task.circuit, task.state, dtype=task.state.dtype, device=device)[0]

    def engine_execute(task):
        from qspectral.sim.engine import execute  # not top-level API: the contender is dropped if it moves

        with torch.no_grad():
            return execute(task.program, task.state.reshape(1, -1), dtype=task.state.dtype, device=device)[0]

    def qibo_run(task):
        import qibo

        qibo.set_dtype(str(task.state.dtype).replace("torch.", ""))  # the same precision as the others
        state = task.state.clone().numpy() if device == "cpu" else _cupy_copy(task.state)
        return task.qibo_circuit()(initial_state=state).state()

    def cpu_backend(name):
        def run(task):
            psi = task.state.cpu().numpy()
            return qspectral.simulate(task.circuit, name, initial_state=psi, dtype=psi.dtype)
        return run

    every = [  # the bare FFT first: it is the reference of the rest (random circuits: the engine)
        Contender("torch.fft", lambda task: task.bare_torch()),
        Contender("engine", engine),
        Contender("engine (execute)", engine_execute),
        Contender("cupy.fft", lambda task: task.bare_cupy()),
        Contender("qibo", qibo_run),
        Contender("aer (CPU)", cpu_backend("aer"), on_cpu=True),
        Contender("lightning (CPU)", cpu_backend("lightning"), on_cpu=True),
    ]
    return [c for c in every if available.get(c.name) is None]


def _cupy_copy(state: torch.Tensor):
    import cupy

    return cupy.from_dlpack(state).copy()


def availability(device: str) -> dict[str, str | None]:
    """Each contender: None when it runs here, else why not."""
    import qspectral

    found: dict[str, str | None] = {"engine": None, "torch.fft": None}
    try:
        from qspectral.sim.engine import execute  # noqa: F401

        found["engine (execute)"] = None
    except ImportError as exc:
        found["engine (execute)"] = f"qspectral.sim.engine.execute not importable: {exc}"
    try:
        import cupy  # noqa: F401

        found["cupy.fft"] = None if device == "cuda" else "the race runs on the CPU (--cpu-smoke)"
    except ImportError as exc:
        found["cupy.fft"] = f"cupy not importable: {exc}"
    try:
        import qibo

        if device == "cuda":
            qibo.set_backend("qibojit", platform="cupy")
        else:
            qibo.set_backend("numpy")
        qibo.set_max_qubits(40)  # its default refuses more than 30 qubits
        found["qibo"] = None
    except Exception as exc:  # noqa: BLE001 -- qibojit can fail in many ways (numba, NVRTC); record why
        found["qibo"] = error_text(exc)
    status = {b.name: b for b in qspectral.backends()}
    for name, backend in (("aer (CPU)", "aer"), ("lightning (CPU)", "lightning")):
        entry = status.get(backend)
        found[name] = (f"no backend {backend!r} in qspectral.backends()" if entry is None
                       else None if entry.available else f"{backend}: {entry.reason}")
    return found


def _predicted(history: dict, key: tuple, n: int) -> float | None:
    last = history.get(key)
    if last is None:
        return None
    last_n, seconds = last
    return seconds * 2.0 ** (n - last_n)


def _measure(contender: Contender, task, device: str, time_left: float,
             inspect: Callable[[Any], None]) -> list[float]:
    """Warm-up (its output goes to ``inspect`` and is dropped), then repeats that fit in ``time_left``."""
    sync_device = "cpu" if contender.on_cpu else device
    _sync(sync_device)
    start = time.perf_counter()
    output = contender.run(task)
    _sync(sync_device)
    warm = time.perf_counter() - start
    inspect(output)
    del output  # one output at a time on the device
    repeats = 5 if warm < 0.5 else 3 if warm < 3 else 1
    repeats = max(1, min(repeats, int(time_left / max(warm, 1e-6)) - 1))
    seconds = []
    for _ in range(repeats):
        _sync(sync_device)
        start = time.perf_counter()
        out = contender.run(task)
        _sync(sync_device)
        seconds.append(time.perf_counter() - start)
        del out
    return seconds


def race(
    record: Record,
    items: list[tuple[str, torch.dtype, int]],
    *,
    device: str,
    budget_end: float,
    cpu_max_qubits: int,
    seed: int = 0,
    fail_contender: str | None = None,
) -> None:
    """Measure ``items`` (workload, dtype, n) until ``budget_end`` (``time.monotonic``); see the module doc.

    ``fail_contender`` makes that contender raise (the smoke test's check that a failure is recorded).
    """
    found = availability(device)
    record.set("contenders", found)
    runners = contenders(device, found)
    history: dict[tuple, tuple[int, float]] = {}
    done: set[tuple] = set()
    for workload, dtype, n in items:
        key = (workload, dtype, n)
        if key in done:
            continue
        done.add(key)
        dtype_name = str(dtype).replace("torch.", "")
        base = {"workload": workload, "dtype": dtype_name, "n": n}
        if time.monotonic() > budget_end:
            record.add_row("race", {**base, "contender": "-", "status": "skipped: the race's time is up"})
            continue
        if workload == "spectral-filter" and n > FILTER_MAX_QUBITS:
            continue
        try:
            start = time.perf_counter()
            task = build(workload, n, seed=seed, dtype=dtype, device=device)
            import qspectral

            compile_start = time.perf_counter()
            task.program = qspectral.compile_circuit(task.circuit)
            compile_seconds = time.perf_counter() - compile_start
            build_seconds = time.perf_counter() - start
        except OutOfTime:
            raise
        except Exception as exc:  # noqa: BLE001 -- record and go on with the next size
            record.add_row("race", {**base, "contender": "-", "status": f"error building the task: {error_text(exc)}"})
            _free(device)
            continue
        reference = None
        rows: list[dict] = []
        for contender in runners:
            row = {**base, "contender": contender.name}
            if contender.name == "qibo" and task.qibo_circuit is None:
                continue
            if contender.name in ("torch.fft", "cupy.fft") and task.bare_torch is None:
                continue
            if contender.on_cpu and n > cpu_max_qubits:
                record.add_row("race", {**row, "status": f"skipped: CPU simulators run up to n={cpu_max_qubits}"})
                continue
            left = budget_end - time.monotonic()
            predicted = _predicted(history, (workload, dtype, contender.name), n)
            if predicted is not None and predicted * 2 > left:
                record.add_row("race", {**row, "status": f"skipped: ~{predicted:.1f} s a run, {left:.0f} s left"})
                continue
            if device == "cuda" and not contender.on_cpu:
                _free(device)
                need = EXTRA_STATES[contender.name] * task.state.numel() * task.state.element_size()
                free = torch.cuda.mem_get_info()[0]
                if need > free:
                    record.add_row("race", {**row, "status": f"refused: needs ~{need / 2**30:.0f} GiB, "
                                                                f"{free / 2**30:.0f} GiB free"})
                    continue
            try:
                if contender.name == fail_contender:
                    raise RuntimeError(f"injected failure of {contender.name} (--inject-failure)")
                def inspect(output, row=row, name=contender.name):
                    nonlocal reference
                    out = _to_torch(output, device)
                    if reference is None:  # the bare FFT (checked by the DFT sum) or, for random circuits, the engine
                        reference = Sample.of(out, seed)
                        if workload == "qft":  # the DFT sum's error over the rms amplitude 1/sqrt(N)
                            row["rel_err"] = dft_spot_check(task.state, out) * out.numel() ** 0.5
                            row["note"] = "reference; rel_err: DFT sum at 4 indices, float64"
                        else:
                            row["note"] = "reference for this size"
                    else:
                        row["rel_err"] = reference.rel_err(out)
                    row["passed"] = row.get("rel_err", 0.0) <= TOLERANCE[dtype]

                seconds = _measure(contender, task, device, left, inspect)
                median = statistics.median(seconds)
                history[(workload, dtype, contender.name)] = (n, median)
                row.update(status="ok", median_s=median, runs=seconds)
                if contender.name == "engine":
                    row["compile_s"] = compile_seconds
            except OutOfTime:
                raise
            except Exception as exc:  # noqa: BLE001 -- record and go on
                row.update(status="error", error=error_text(exc))
            rows.append(row)
            record.add_row("race", row)
        engine = next((r for r in rows if r["contender"] == "engine" and r.get("median_s")), None)
        if engine is not None:
            for r in rows:
                if r.get("median_s"):
                    r["engine_speedup"] = r["median_s"] / engine["median_s"]
            record.flush()
        record.add_row("race_tasks", {**base, "build_s": build_seconds, "compile_s": compile_seconds})
        del task, reference
        _free(device)


def targets(rows: list[dict], n: int = 30) -> list[dict]:
    """The issue's targets at ``n`` qubits, from the race rows (met / not met / not measured)."""
    def find(workload, contender):
        return next((r for r in rows if r.get("workload") == workload and r.get("dtype") == "complex64"
                     and r.get("n") == n and r.get("contender") == contender and r.get("median_s")
                     and r.get("passed")), None)

    out = []
    fft = find("qft", "torch.fft")
    for name in ("engine", "engine (execute)"):
        engine_qft = find("qft", name)
        ratio = engine_qft["median_s"] / fft["median_s"] if engine_qft and fft else None
        out.append({"target": f"{name} QFT n={n} complex64 <= 1.3x the bare FFT (torch.fft)", "value": ratio,
                    "met": None if ratio is None else ratio <= 1.3})
    for workload, label in (("qft", "engine QFT"), ("spectral-phase", "QFT.diag.iQFT")):
        engine = find(workload, "engine")
        gate = [find(workload, name) for name in GATE_LEVEL_GPU]
        gate = [g for g in gate if g]
        speedup = min(g["median_s"] for g in gate) / engine["median_s"] if engine and gate else None
        out.append({"target": f"{label} n={n} complex64 >= 20x the fastest gate-level GPU simulator",
                    "value": speedup, "met": None if speedup is None else speedup >= 20})
    return out
