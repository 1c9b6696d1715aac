"""The ``qspectral`` command line.

Every command checks its arguments before any work: bad input prints one line
``qspectral: error: <what> — <how to fix>`` and exits 2; Ctrl-C exits 130 with a line saying what
was left and how to resume; a closed pipe (``| head``) ends the command quietly. Heavy modules are
imported inside each command, so ``qspectral --help`` starts fast.

Example::

    qspectral backends
    qspectral compare --circuit qft --qubits 12 --out compare.json
    qspectral submit qft --qubits 3 --provider ibm --backend fake_sherbrooke --wait
    qspectral jobs fetch JOB_ID --compare
    qspectral reproduce spectral-bias --quick
    qspectral report --quick

Over 500 lines: one argparse parser and one short handler per subcommand, kept in one file so that
every command's flags follow one style (the work itself is imported inside each handler).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from qspectral.errors import QSpectralError

DESCRIPTION = (
    "qspectral: spectral (Fourier) methods, quantum and classical side by side. "
    "Run `qspectral COMMAND --help` for a command's options."
)
EXPERIMENTS_TIP = "run `qspectral reproduce --help` for the list"


class UsageError(QSpectralError, ValueError):
    """A command-line argument is invalid (exit status 2)."""


# -- argument types: every range is checked before any work -------------------------------------


def _int_type(minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise argparse.ArgumentTypeError(f"{value} is out of range; give an integer {bound}")
        return value

    parse.__name__ = "integer"
    return parse


def _float_type(minimum: float, *, inclusive: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
            relation = ">=" if inclusive else ">"
            raise argparse.ArgumentTypeError(f"{text} is not allowed; give a finite number {relation} {minimum:g}")
        return value

    parse.__name__ = "number"
    return parse


def _qubit_range(text: str) -> list[int]:
    from qspectral.ranges import parse_int_range

    try:
        return parse_int_range(text, minimum=1, what="qubit counts")
    except QSpectralError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _sweep(text: str) -> list[int]:
    from qspectral.experiments.sweep import parse_sweep

    try:
        return parse_sweep(text)
    except QSpectralError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


POSITIVE = _int_type(1)
NON_NEGATIVE = _int_type(0)
QUBITS = _int_type(1, 64)
SHOTS = _int_type(1, 10_000_000)


def _output_file(path: str | None) -> None:
    """Refuse, before any work, an output file that could not be written."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--out {path} is a folder — give a file name, e.g. --out {target / 'out.json'}")
    if not target.parent.is_dir():
        raise UsageError(f"--out {path}: the folder {target.parent} does not exist — create it or choose another path")


def _output_folder(path: str) -> None:
    if Path(path).exists() and not Path(path).is_dir():
        raise UsageError(f"--out {path} is a file, but bench writes a folder of results — give a folder name")


# -- commands ------------------------------------------------------------------------------------


def _cmd_backends(args: argparse.Namespace) -> int:
    from qspectral.sim.backends import backends

    for status in backends():
        mark = "yes" if status.available else "no"
        line = f"{status.name:<15} {mark:<4} {status.description}"
        if not status.available:
            line += f"\n{'':<20}why: {status.reason}"
        print(line)
    return 0


def _load_circuit(path: str, purpose: str):
    """A circuit file as ``(unitary circuit, number of final measurements removed)``."""
    from qspectral.errors import UnsupportedCircuitError
    from qspectral.quantum.measurements import split_final_measurements
    from qspectral.quantum.qasm import load_qasm

    circuit = load_qasm(Path(path))
    try:
        unitary, measured = split_final_measurements(circuit, strict=False)
    except UnsupportedCircuitError as exc:
        raise UnsupportedCircuitError(f"{path}: {exc} — {purpose} needs a unitary circuit") from None
    return unitary, sum(1 for inst in circuit.data if inst.operation.name == "measure")


def _nothing_ran(rows) -> None:
    """Exit 2 with one line when every backend was refused (memory, missing package)."""
    if rows and all(r.median_seconds is None for r in rows):
        first = rows[0]
        raise UsageError(f"no backend could run it ({first.backend}: {first.error or first.note}) — "
                         "`qspectral plan --qubits N` shows what fits where")


def _cmd_run(args: argparse.Namespace) -> int:
    from qspectral.sim.engine.run_command import run_command

    return run_command(args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from qspectral.sim.compare import compare, compare_qft, format_table, random_circuit, write_json

    _output_file(args.out)
    if args.circuit in ("qft", "random"):
        if args.qubits is None:
            raise UsageError(f"--circuit {args.circuit} needs --qubits N — e.g. --qubits 8")
    elif args.qubits is not None:
        raise UsageError("--qubits applies to --circuit qft or random only — a .qasm file sets its own size")
    if args.shots is not None:
        rows, what = _compare_sampled(args)
    elif args.circuit == "qft":
        rows = compare_qft(args.qubits, args.backends, repeats=args.repeats, seed=args.seed)
        what = f"QFT of a seeded random state (seed {args.seed}) vs sqrt(N) numpy.fft.ifft"
    elif args.circuit == "random":
        circuit = random_circuit(args.qubits, args.depth, seed=args.seed)
        rows = compare(circuit, args.backends, repeats=args.repeats)
        what = f"random circuit (depth {args.depth}, seed {args.seed}) vs Qiskit Statevector"
    else:
        circuit, removed = _load_circuit(args.circuit, "statevector comparison (without --shots)")
        if removed:
            print(f"note: {args.circuit}: removed {removed} final measurement(s); comparing statevectors before them")
        rows = compare(circuit, args.backends, seed=args.seed, repeats=args.repeats)
        what = f"{args.circuit} on a seeded random state (seed {args.seed}) vs Qiskit Statevector"
    _nothing_ran(rows)
    print(f"{what}; complex128, median of {args.repeats} runs")
    print(format_table(rows))
    if args.out:
        write_json(rows, args.out)
        print(f"wrote {args.out}")
    return 0 if all(r.passed for r in rows if not r.skipped) else 1


def _compare_sampled(args: argparse.Namespace):
    """``compare --shots``: the rows and the table's title line."""
    from qspectral.errors import UnsupportedCircuitError
    from qspectral.quantum.measurements import FALSE_ALARM, REFERENCE_SHOTS, dynamic_instruction
    from qspectral.sim.compare import compare, random_circuit

    if args.circuit == "qft":
        from qspectral.quantum.qft import qft

        circuit, name = qft(args.qubits), f"QFT on {args.qubits} qubits"
    elif args.circuit == "random":
        circuit = random_circuit(args.qubits, args.depth, seed=args.seed)
        name = f"random circuit (depth {args.depth}, seed {args.seed})"
    else:
        from qspectral.quantum.qasm import load_qasm

        circuit, name = load_qasm(Path(args.circuit)), args.circuit
    try:
        rows = compare(circuit, args.backends, shots=args.shots, seed=args.seed, repeats=args.repeats)
    except UnsupportedCircuitError as exc:
        raise UnsupportedCircuitError(f"{args.circuit}: {exc}") from None
    reference = "the exact distribution" if dynamic_instruction(circuit) is None else (
        f"an estimate from {REFERENCE_SHOTS} Aer shots (dynamic circuit: no statevector)")
    return rows, (f"{name}: {args.shots} shots from |0...0> (sampler seed {args.seed}), measured bits as written; "
                  f"TV distance to {reference}, pass when within the bound a correct sampler "
                  f"exceeds with probability <= {FALSE_ALARM:g}")


def _cmd_circuits(args: argparse.Namespace) -> int:
    import json

    from qspectral.sim.canonical import export_library, verify_library

    if args.action == "export":
        for path in export_library(args.dir):
            print(f"wrote {path}")
        return 0
    if not Path(args.dir, "manifest.json").is_file():
        raise UsageError(f"no circuit library in {args.dir} (no manifest.json) — run `qspectral circuits export` first")
    try:
        results = verify_library(args.dir, args.backends)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UsageError(f"{args.dir}/manifest.json is damaged ({type(exc).__name__}: {exc}) — "
                         "rewrite the library with `qspectral circuits export`") from None
    print(f"{'circuit':<20} {'backend':<15} {'error':>10} {'tolerance':>10}  result")
    for r in results:
        print(f"{r.circuit:<20} {r.backend:<15} {r.error:>10.2e} {r.tolerance:>10.2e}  {'pass' if r.passed else 'FAIL'}")
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _bench_models(args: argparse.Namespace) -> int:
    from qspectral.experiments.bench_models import format_results, run_models, write_model_outputs

    if args.backends is not None or args.dtype is not None:
        raise UsageError(f"bench {args.target} compares the engine with PennyLane default.qubit in complex128 — "
                         "drop --backends and --dtype (they apply to qft, spectral-phase, spectral-filter, random)")
    results = run_models(args.target, args.qubits or [4], repeats=args.repeats, seed=args.seed, device=args.device)
    print(format_results(results))
    for path in write_model_outputs(results, args.out, f"bench_{args.target}"):
        print(f"wrote {path}")
    return 0 if all(r.passed for r in results) else 1


def _sweeping(args: argparse.Namespace) -> bool:
    return any(v is not None for v in (args.sweep, args.scheduler, args.workers)) or args.resume


def _run_sweep(args: argparse.Namespace, names: list[str], compare: bool) -> int:
    from qspectral.experiments.sweep import make_tasks, run_sweep, write_sweep

    seeds = args.sweep if args.sweep else None if args.seed is None else [args.seed]
    tasks = make_tasks(names, seeds, mode=args.mode, device=args.device)

    def done(task, finished: int, total: int) -> None:
        if not args.no_progress:
            print(f"[{finished}/{total}] {task.name} seed {task.seed} done", flush=True)

    result = run_sweep(tasks, args.out, scheduler=args.scheduler, workers=args.workers, resume=args.resume,
                       on_done=done)
    for note in result.notes:
        print(f"note: {note}")
    table = None
    if compare:
        from qspectral.sim.compare import compare_qft, format_table

        table = format_table(compare_qft(12))
    path = write_sweep(result, args.out, compare_table=table)
    print(path.read_text())
    print(f"{len(result.ran)} task(s) ran ({result.executor}), {len(result.skipped)} already done; "
          f"{result.seconds:.1f} s; wrote {path}")
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from qspectral.experiments.report import claims_table, run_experiment, write_run

    if _sweeping(args):
        return _run_sweep(args, [args.name], compare=False)
    run = run_experiment(args.name, mode=args.mode, seed=args.seed, device=args.device,
                         progress=False if args.no_progress else None)
    folder = write_run(run, args.out)
    print(claims_table([run]))
    print(f"{run.experiment.name} ({run.mode}, seed {run.seed}) took {run.seconds:.1f} s; wrote {folder}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from qspectral.experiments.parallel import report_all

    if _sweeping(args):
        from qspectral.experiments.registry import experiment_names

        return _run_sweep(args, experiment_names(), compare=True)
    runs, path = report_all(mode=args.mode, seed=args.seed, device=args.device, out_dir=args.out,
                            progress=False if args.no_progress else None, jobs=args.jobs)
    print(path.read_text())
    print(f"wrote {path}")
    return 0


def _cmd_plan(args: argparse.Namespace) -> int:
    from qspectral.sim.memory import format_plan, plan

    print(format_plan(plan(args.qubits, dtype=args.dtype, backends=args.backends,
                           gpu_memory_gib=args.gpu_memory, bench_dir=args.bench_dir)))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    _output_folder(args.out)
    if args.target in ("train", "coefficients"):
        return _bench_models(args)
    if args.target == "integrations":
        from qspectral.sim.bench_integrations import format_table, run_integrations, write_outputs

        if args.backends is not None or args.dtype is not None or (args.qubits and len(args.qubits) > 1):
            raise UsageError("bench integrations races the engine against lightning.qubit, default.qubit and "
                             "Aer's EstimatorV2 in complex128 — drop --backends and --dtype, give one --qubits size")
        rows = run_integrations(qubits=args.qubits[0] if args.qubits else 20, repeats=args.repeats, seed=args.seed)
        print(format_table(rows))
        for path in write_outputs(rows, args.out):
            print(f"wrote {path}")
        return 0 if all(r.agrees for r in rows) else 1

    if args.device != "cpu":
        raise UsageError(f"--device applies to train and coefficients — for {args.target} on a GPU "
                         "use --backends engine.gpu aer.gpu lightning.gpu")
    import numpy as np

    from qspectral.sim.bench import format_table, run_benchmark, write_outputs

    dtype = args.dtype or "complex128"
    rows = run_benchmark(
        args.target,
        args.qubits or list(range(10, 23, 2)),
        backends=args.backends,
        repeats=args.repeats,
        dtype=np.dtype(dtype),
        seed=args.seed,
        budget_seconds=args.budget,
        progress=not args.no_progress,
    )
    print(format_table(rows))
    if all(r.median_seconds is None for r in rows):
        raise UsageError("nothing ran at any size (see the notes above); no files written — "
                         "choose fewer qubits (`qspectral plan --qubits N` shows what fits) or other --backends")
    for path in write_outputs(rows, args.out, f"bench_{args.target}_{dtype}"):
        print(f"wrote {path}")
    return 0 if all(r.passed for r in rows if r.median_seconds is not None) else 1


def _store(args: argparse.Namespace, mode: str):
    from qspectral.cloud import JobStore

    def waiting(seconds: float) -> None:
        print(f"qspectral: the job store is locked by another process; waited {seconds:.0f} s "
              f"(gives up after 30 s; Ctrl-C stops)", file=sys.stderr, flush=True)

    store = JobStore(args.store, mode=mode, on_wait=waiting)
    if store.created:
        print(f"qspectral: created a new job store at {store.path}", file=sys.stderr)
    return store


def _cloud_manager(args: argparse.Namespace, mode: str):
    from qspectral.cloud import JobManager
    from qspectral.cloud.report import setup_logging

    setup_logging()
    return JobManager(_store(args, mode))


def _finish(manager, job, args: argparse.Namespace) -> int:
    """Wait for a just-sent job when asked (always for in-process simulators) and print its counts."""
    from qspectral.cloud.report import ProgressPrinter, counts_text

    in_process = manager.provider(job.provider, job.backend).in_process
    if not (args.wait or in_process):
        print(f"sent to {job.provider}/{job.backend} as {job.remote_id}; "
              f"follow it with `qspectral jobs status {job.id}`", file=sys.stderr)
        return 0
    timeout = None if in_process else args.timeout
    job = manager.wait(job.id, timeout=timeout, on_progress=ProgressPrinter(sys.stderr))
    if job.state != "done":
        print(f"job {job.id} is '{job.state}'" + (f": {job.error}" if job.error else
              f"; fetch it later with `qspectral jobs fetch {job.id}`"), file=sys.stderr)
        return 1
    print(counts_text(job, compare=True))
    return 0


def _cmd_submit(args: argparse.Namespace) -> int:
    from qspectral.cloud import SamplingProgram, qft_roundtrip
    from qspectral.errors import UnsupportedCircuitError

    if args.circuit == "qft":
        if args.qubits is None:
            raise UsageError("`qspectral submit qft` needs --qubits N — e.g. --qubits 3")
        circuit = qft_roundtrip(args.qubits, 1 if args.input is None else args.input)
    elif args.qubits is not None or args.input is not None:
        raise UsageError("--qubits and --input apply to the keyword 'qft' only, not to a .qasm file")
    else:
        from qspectral.quantum.qasm import load_qasm

        circuit = load_qasm(Path(args.circuit))
    try:
        program = SamplingProgram.from_circuit(circuit)
    except UnsupportedCircuitError as exc:
        raise UnsupportedCircuitError(f"{args.circuit}: {exc}") from None
    manager = _cloud_manager(args, "create")
    job = manager.submit(program, args.provider, args.backend, shots=args.shots)
    args.job_id = job.id
    print(job.id, flush=True)
    return _finish(manager, job, args)


def _cmd_jobs(args: argparse.Namespace) -> int:
    import json

    from qspectral.cloud.report import counts_text, job_details, jobs_table, result_json

    if args.action == "fetch":
        _output_file(args.out)
    manager = _cloud_manager(args, "read" if args.action == "list" else "write")
    if args.action == "list":
        print(jobs_table(manager.store.list()))
    elif args.action == "status":
        job = manager.refresh(args.id)
        print(job_details(job, manager.store.events(job.id)))
    elif args.action == "fetch":
        job = manager.wait(args.id, timeout=args.timeout) if args.wait else manager.refresh(args.id)
        if job.state != "done":
            print(f"job {job.id} is '{job.state}', not done" + (f": {job.error}" if job.error else ""), file=sys.stderr)
            return 1
        print(counts_text(job, compare=args.compare))
        if args.out:
            with open(args.out, "w", encoding="utf-8") as fh:
                json.dump(result_json(job), fh, indent=2)
            print(f"wrote {args.out}")
    elif args.action == "sync":
        report = manager.sync()
        for job, what in report:
            print(f"{job.id}  {job.state:<15} {what}")
        if not report:
            print("nothing to sync: every job is finished")
    elif args.action == "cancel":
        job = manager.cancel(args.id)
        print(f"job {job.id} cancelled")
    else:  # resubmit
        job = manager.resubmit(args.id)
        args.job_id = job.id
        print(job.id, flush=True)
        return _finish(manager, job, args)
    return 0


# -- the parser ----------------------------------------------------------------------------------


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows ``(default: X)`` after every option that has a default worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or default is None or default is False or default is argparse.SUPPRESS
                or not action.option_strings or "default:" in text):
            return text
        shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else "%(default)s"
        return f"{text} (default: {shown})"


class _Parser(argparse.ArgumentParser):
    """Errors as one line: ``qspectral: error: <what> — <how to fix>``, exit status 2."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # noqa: D102 - argparse's hook
        message = " ".join(message.split())
        self.exit(2, f"qspectral: error: {message} — see `{self.prog} --help`\n")


class _Version(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version("qspectral")
        except PackageNotFoundError:
            text = "unknown (not installed; run `pip install -e .`)"
        print(f"qspectral {text}")
        parser.exit(0)


def _experiment_names(argv: list[str]) -> list[str] | None:
    """The experiment names, loaded only when the command is ``reproduce`` (they import torch)."""
    if "reproduce" not in argv[:1]:
        return None
    from qspectral.experiments.registry import experiment_names

    return experiment_names()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``qspectral`` command (``argv`` decides what ``reproduce`` lists)."""
    from qspectral.ranges import SYNTAX

    parser = _Parser(prog="qspectral", description=DESCRIPTION)
    parser.add_argument("--version", action=_Version, help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    backends_help = "backends, e.g. aer lightning engine (default: every available one)"

    p = sub.add_parser("backends", help="list simulators, whether they run here, and how to install them")
    p.set_defaults(func=_cmd_backends)

    p = sub.add_parser("compare", help="run a circuit on every backend: time and agreement table")
    p.add_argument("--circuit", default="qft", help="qft, random, or an OpenQASM 2/3 file")
    p.add_argument("--qubits", type=QUBITS, default=None, help="number of qubits (qft and random)")
    p.add_argument("--depth", type=POSITIVE, default=20, help="depth of the random circuit")
    p.add_argument("--backends", nargs="+", default=None, help=backends_help)
    p.add_argument("--repeats", type=POSITIVE, default=3, help="timed runs per backend (median reported)")
    p.add_argument("--seed", type=NON_NEGATIVE, default=0, help="seed of the random input state (with --shots: of the samplers)")
    p.add_argument("--shots", type=SHOTS, default=None,
                   help="sample N shots from |0...0> on each backend and compare the counts' total-variation "
                        "distance with the exact distribution; dynamic circuits (reset, if, mid-circuit "
                        "measurement) run on Aer")
    p.add_argument("--out", default=None, help="write the table as JSON to this file")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("bench", help="time simulators on a workload; table + JSON + CSV + PNG")
    p.add_argument("target", choices=["qft", "spectral-phase", "spectral-filter", "random", "gates", "train",
                                      "coefficients", "integrations"],
                   help="simulator workloads (gates: thousands of 1-2 qubit gates, engine against Aer), or the "
                        "re-uploading model against PennyLane: train, coefficients; "
                        "integrations: the engine as a PennyLane device and Qiskit estimator")
    p.add_argument("--qubits", type=_qubit_range, default=None,
                   help=f"sizes: {SYNTAX} (default: 10:22:2; train and coefficients: 4)")
    p.add_argument("--backends", nargs="+", default=None, help=backends_help + "; simulator workloads only")
    p.add_argument("--dtype", choices=["complex128", "complex64"], default=None,
                   help="amplitude type, simulator workloads only (default: complex128)")
    p.add_argument("--repeats", type=POSITIVE, default=3, help="timed runs after one warm-up (median reported)")
    p.add_argument("--seed", type=NON_NEGATIVE, default=0, help="seed of the inputs")
    p.add_argument("--budget", type=_float_type(0), default=120.0,
                   help="seconds: drop a backend at larger sizes once a run takes longer")
    p.add_argument("--out", default="results/bench", help="folder for the JSON, CSV and PNG")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="torch device (train, coefficients)")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("plan", help="memory of an N-qubit statevector per backend; what would run it if not here")
    p.add_argument("--qubits", type=POSITIVE, required=True, help="number of qubits")
    p.add_argument("--dtype", choices=["complex128", "complex64"], default="complex128", help="amplitude type")
    p.add_argument("--backends", "--backend", dest="backends", nargs="+", default=None,
                   help="backends (default: every registered one)")
    p.add_argument("--gpu-memory", type=_float_type(0), default=80.0, help="GiB per GPU assumed for the routes")
    p.add_argument("--bench-dir", default="results/bench", help="where qspectral bench wrote bench_qft_<dtype>.json")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("run", help="run one circuit on one backend; the engine shards it over ranks (torchrun, MPI, Slurm)")
    p.add_argument("circuit", help="an OpenQASM 2/3 file, or a built-in: qft, random (with --qubits)")
    p.add_argument("--qubits", type=QUBITS, default=None, help="qubits of a built-in circuit")
    p.add_argument("--depth", type=POSITIVE, default=20, help="depth of the random circuit")
    p.add_argument("--inverse", action="store_true", help="qft: the inverse QFT")
    p.add_argument("--backend", default="engine",
                   help="engine (CPU, sharded over the ranks), engine.gpu (CUDA), or any single-process backend")
    p.add_argument("--dtype", choices=["complex128", "complex64"], default="complex128", help="amplitude type")
    p.add_argument("--initial-state", default=None, help="a .npy file of 2**n amplitudes (default: |0...0>)")
    p.add_argument("--out", default=None, help="write the final state to this .npy file (or one file per rank)")
    p.add_argument("--split-out", action="store_true", help="write one file per rank even when the state fits rank 0")
    p.add_argument("--probs", type=NON_NEGATIVE, default=0, metavar="K", help="print the K most probable basis states")
    p.add_argument("--shots", type=NON_NEGATIVE, default=0, help="sample this many measurements and print the counts")
    p.add_argument("--seed", type=NON_NEGATIVE, default=0, help="seed of the random circuit and of the shots")
    p.add_argument("--ranks", type=POSITIVE, default=None, help="start this many local processes through torchrun")
    p.add_argument("--timeout", type=_float_type(0), default=300.0, help="seconds a rank waits for the others")
    p.set_defaults(func=_cmd_run)

    argv = sys.argv[1:] if argv is None else argv
    names = _experiment_names(argv)
    experiment = _Parser(add_help=False)
    modes = experiment.add_mutually_exclusive_group()
    modes.add_argument("--quick", dest="mode", action="store_const", const="quick", help="the quick config (about a minute)")
    modes.add_argument("--full", dest="mode", action="store_const", const="full", help="the full config (the default)")
    experiment.set_defaults(mode="full")
    experiment.add_argument("--seed", type=NON_NEGATIVE, default=None, help="seed (default: the experiment's own)")
    experiment.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="torch device")
    experiment.add_argument("--out", default="results", help="results folder")
    experiment.add_argument("--no-progress", action="store_true", help="no progress bars")
    experiment.add_argument("--sweep", type=_sweep, default=None,
                            help=f"one task per seed: seeds={SYNTAX}, e.g. seeds=0:9 (ten seeds)")
    experiment.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (qspectral[distributed])")
    experiment.add_argument("--workers", type=POSITIVE, default=None, help="run the tasks on a Dask LocalCluster of N worker processes")
    experiment.add_argument("--resume", action="store_true", help="run only the tasks whose results are missing")

    p = sub.add_parser("reproduce", parents=[experiment], help="run one paper experiment; write results/NAME/",
                       epilog=f"experiments: {', '.join(names)}" if names else None)
    p.add_argument("name", metavar="NAME", choices=names,
                   help="the experiment" + (f": {', '.join(names)}" if names else f" ({EXPERIMENTS_TIP})"))
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("report", parents=[experiment],
                       help="run every experiment and the simulator comparison; write results/REPORT.md")
    p.add_argument("--jobs", type=int, default=None,
                   help="experiments run at once, one worker process each (default: one per CPU core)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("circuits", help="export the canonical OpenQASM 3 circuits, or verify them on every backend")
    p.add_argument("action", choices=["export", "verify"], help="export writes the library; verify runs it")
    p.add_argument("--dir", default="circuits", help="the library folder")
    p.add_argument("--backends", nargs="+", default=None, help=backends_help)
    p.set_defaults(func=_cmd_circuits)

    store = _Parser(add_help=False)
    store.add_argument("--store", default=None,
                       help="job store file (default: $QSPECTRAL_HOME/jobs.sqlite, QSPECTRAL_HOME defaulting to ~/.qspectral)")
    waiting = _Parser(add_help=False)
    waiting.add_argument("--wait", action="store_true", help="poll until the job finishes, showing progress")
    waiting.add_argument("--timeout", type=_float_type(0, inclusive=True), default=None,
                         help="stop waiting after this many seconds (default: no limit)")

    p = sub.add_parser("submit", parents=[store, waiting],
                       help="run a circuit on IBM Quantum, Amazon Braket or Aer and record the job")
    p.add_argument("circuit", help="an OpenQASM 2/3 file, or 'qft': |x> -> QFT -> inverse QFT, measured")
    p.add_argument("--qubits", type=QUBITS, default=None, help="qubits of the 'qft' round trip")
    p.add_argument("--input", type=NON_NEGATIVE, default=None, help="basis state x of the 'qft' round trip (default: 1)")
    p.add_argument("--provider", choices=["local", "ibm", "braket"], default="local", help="where to run")
    p.add_argument("--backend", default=None,
                   help="aer (local); fake_sherbrooke-style names or a device such as ibm_brisbane (ibm); "
                        "local or a device ARN (braket) (default: the provider's offline simulator)")
    p.add_argument("--shots", type=SHOTS, default=1024, help="number of shots, 1 to 10000000")
    p.set_defaults(func=_cmd_submit)

    p = sub.add_parser("jobs", help="list, inspect, fetch, sync, cancel or resubmit recorded jobs")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", parents=[store], help="every recorded job (reads the store, never changes it)")
    a = actions.add_parser("status", parents=[store], help="ask the provider, then show the job and its history")
    a.add_argument("id", help="job id (or a unique prefix)")
    a = actions.add_parser("fetch", parents=[store, waiting], help="print a finished job's counts")
    a.add_argument("id", help="job id (or a unique prefix)")
    a.add_argument("--compare", action="store_true", help="show the counts against the ideal distribution")
    a.add_argument("--out", default=None, help="also write the counts as JSON to this file")
    actions.add_parser("sync", parents=[store], help="reconcile every unfinished job with its provider")
    a = actions.add_parser("cancel", parents=[store], help="cancel an unfinished job")
    a.add_argument("id", help="job id (or a unique prefix)")
    a = actions.add_parser("resubmit", parents=[store, waiting], help="send a job marked needs_resubmit (or failed) again")
    a.add_argument("id", help="job id (or a unique prefix)")
    p.set_defaults(func=_cmd_jobs)
    return parser


def _interrupted(args: argparse.Namespace | None) -> str:
    """What Ctrl-C left behind, and how to resume."""
    command = getattr(args, "command", None)
    if command in ("submit", "jobs"):
        job = getattr(args, "job_id", None)
        what = f"job {job} was left unfinished in the job store" if job else (
            "any job this command was sending is recorded in the job store")
        return f"{what}; run `qspectral jobs sync` to reconcile it, then `qspectral jobs list`"
    if command in ("reproduce", "report") and _sweeping(args):
        return "finished seeds are saved; rerun the same command with --resume to run only the missing ones"
    return "files listed as 'wrote' above are complete, nothing else was written; rerun the command"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qspectral`` console script; returns the exit status.

    0 success, 1 a check failed (a backend disagreed, a job did not finish), 2 bad input or a
    refused request (one line on stderr), 130 interrupted (Ctrl-C), 141 output pipe closed.
    """
    args = None
    try:
        try:
            args = build_parser(argv).parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a usage error already printed
            return exc.code if isinstance(exc.code, int) else 2
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return status
    except QSpectralError as exc:
        message = " ".join(str(exc).split())
        print(f"qspectral: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nqspectral: interrupted — {_interrupted(args)}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (`| head`) went away: stop writing, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("QSPECTRAL_DEBUG"):
            raise
        message = " ".join(str(exc).split())
        print(f"qspectral: error: unexpected {type(exc).__name__}: {message} — this is a bug in qspectral; "
              "rerun with QSPECTRAL_DEBUG=1 for the traceback and report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
