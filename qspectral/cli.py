"""The ``qspectral`` command line.

Example::

    qspectral backends
    qspectral compare --circuit qft --qubits 12 --out compare.json
    qspectral submit qft --qubits 3 --provider ibm --backend fake_sherbrooke --wait
    qspectral jobs fetch JOB_ID --compare
    qspectral reproduce spectral-bias --quick
    qspectral report --quick
"""

from __future__ import annotations

import argparse
import sys

from qspectral.errors import QSpectralError


def _cmd_backends(args: argparse.Namespace) -> int:
    from qspectral.sim.backends import backends

    for status in backends():
        mark = "yes" if status.available else "no"
        line = f"{status.name:<15} {mark:<4} {status.description}"
        if not status.available:
            line += f"\n{'':<20}why: {status.reason}"
        print(line)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from qspectral.sim.compare import compare_qft, format_table, write_json

    from qspectral.conventions import random_state
    from qspectral.quantum.qasm import load_qasm
    from qspectral.sim.compare import compare, random_circuit

    if args.circuit in ("qft", "random") and args.qubits is None:
        raise QSpectralError(f"--circuit {args.circuit} needs --qubits N")
    if args.circuit == "qft":
        rows = compare_qft(args.qubits, args.backends, repeats=args.repeats, seed=args.seed)
        what = f"QFT of a seeded random state (seed {args.seed}) vs sqrt(N) numpy.fft.ifft"
    else:
        if args.circuit == "random":
            circuit = random_circuit(args.qubits, args.depth, seed=args.seed)
            what = f"random circuit (depth {args.depth}, seed {args.seed}) vs Qiskit Statevector"
        else:
            circuit = load_qasm(args.circuit)
            what = f"{args.circuit} on a seeded random state (seed {args.seed}) vs Qiskit Statevector"
        psi = random_state(circuit.num_qubits, args.seed) if args.circuit != "random" else None
        rows = compare(circuit, args.backends, initial_state=psi, repeats=args.repeats)
    print(f"{what}; complex128, median of {args.repeats} runs")
    print(format_table(rows))
    if args.out:
        write_json(rows, args.out)
        print(f"wrote {args.out}")
    return 0 if all(r.passed for r in rows) else 1


def _cmd_circuits(args: argparse.Namespace) -> int:
    from qspectral.sim.canonical import export_library, verify_library

    if args.action == "export":
        for path in export_library(args.dir):
            print(f"wrote {path}")
        return 0
    results = verify_library(args.dir, args.backends)
    print(f"{'circuit':<20} {'backend':<15} {'error':>10} {'tolerance':>10}  result")
    for r in results:
        print(f"{r.circuit:<20} {r.backend:<15} {r.error:>10.2e} {r.tolerance:>10.2e}  {'pass' if r.passed else 'FAIL'}")
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _bench_models(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from qspectral.experiments.bench_models import benchmark_coefficients, benchmark_train, format_results

    run = {"train": benchmark_train, "coefficients": benchmark_coefficients}[args.target]
    result = run(repeats=args.repeats, seed=args.seed, device=args.device)
    print(format_results([result]))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench_{args.target}.json"
    path.write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    print(f"wrote {path}")
    return 0 if result.passed else 1


def _sweeping(args: argparse.Namespace) -> bool:
    return any(v is not None for v in (args.sweep, args.scheduler, args.workers)) or args.resume


def _run_sweep(args: argparse.Namespace, names: list[str], compare: bool) -> int:
    from qspectral.experiments.sweep import make_tasks, parse_sweep, run_sweep, write_sweep

    seeds = parse_sweep(args.sweep) if args.sweep else None if args.seed is None else [args.seed]
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
    from qspectral.experiments.report import report_all

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

    print(format_plan(plan(args.qubits, dtype=args.dtype, backends=args.backend,
                           gpu_memory_gib=args.gpu_memory, bench_dir=args.bench_dir)))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import numpy as np

    if args.target in ("train", "coefficients"):
        return _bench_models(args)

    from qspectral.sim.bench import format_table, parse_qubits, run_benchmark, write_outputs

    rows = run_benchmark(
        args.target,
        parse_qubits(args.qubits),
        backends=args.backends,
        repeats=args.repeats,
        dtype=np.dtype(args.dtype),
        seed=args.seed,
        budget_seconds=args.budget,
        progress=not args.no_progress,
    )
    print(format_table(rows))
    for path in write_outputs(rows, args.out, f"bench_{args.target}_{args.dtype}"):
        print(f"wrote {path}")
    return 0 if all(r.passed for r in rows if r.median_seconds is not None) else 1


def _cloud_manager(args: argparse.Namespace):
    from qspectral.cloud import JobManager, JobStore
    from qspectral.cloud.report import setup_logging

    setup_logging()
    return JobManager(JobStore(args.store))


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
    from qspectral.errors import InvalidJobError
    from qspectral.quantum.qasm import load_qasm

    if args.circuit == "qft":
        if args.qubits is None:
            raise InvalidJobError("`qspectral submit qft` needs --qubits N (e.g. --qubits 3)")
        circuit = qft_roundtrip(args.qubits, 1 if args.input is None else args.input)
    elif args.qubits is not None or args.input is not None:
        raise InvalidJobError("--qubits and --input apply to the keyword 'qft' only, not to a .qasm file")
    else:
        circuit = load_qasm(args.circuit)
    program = SamplingProgram.from_circuit(circuit)
    manager = _cloud_manager(args)
    job = manager.submit(program, args.provider, args.backend, shots=args.shots)
    print(job.id)
    return _finish(manager, job, args)


def _cmd_jobs(args: argparse.Namespace) -> int:
    import json

    from qspectral.cloud.report import counts_text, job_details, jobs_table, result_json

    manager = _cloud_manager(args)
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
        print(job.id)
        return _finish(manager, job, args)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``qspectral`` command."""
    parser = argparse.ArgumentParser(prog="qspectral", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("backends", help="list simulators, whether they run here, and how to install them")
    p.set_defaults(func=_cmd_backends)

    p = sub.add_parser("compare", help="run a circuit on every backend: time and agreement table")
    p.add_argument("--circuit", default="qft", help="qft, random, or an OpenQASM 2/3 file (default: qft)")
    p.add_argument("--qubits", type=int, default=None, help="number of qubits (qft and random)")
    p.add_argument("--depth", type=int, default=20, help="depth of the random circuit (default: 20)")
    p.add_argument("--backends", nargs="+", default=None, help="backends (default: every available one)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per backend (median reported)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random input state")
    p.add_argument("--out", default=None, help="write the table as JSON to this file")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("bench", help="time simulators on a workload; table + JSON + CSV + PNG")
    p.add_argument("target", choices=["qft", "spectral-phase", "spectral-filter", "random", "train", "coefficients"],
                   help="simulator workloads, or the re-uploading model against PennyLane: train, coefficients")
    p.add_argument("--qubits", default="10:22:2", help="sizes: start:stop:step (stop included), a,b,c, or n")
    p.add_argument("--backends", nargs="+", default=None, help="backends (default: every available one)")
    p.add_argument("--dtype", choices=["complex128", "complex64"], default="complex128")
    p.add_argument("--repeats", type=int, default=3, help="timed runs after one warm-up (median reported)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=120.0, help="drop a backend at larger sizes once a run takes longer (s)")
    p.add_argument("--out", default="results/bench", help="folder for the JSON, CSV and PNG")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="torch device (train, coefficients)")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("plan", help="memory of an N-qubit statevector per backend; what would run it if not here")
    p.add_argument("--qubits", type=int, required=True, help="number of qubits")
    p.add_argument("--dtype", choices=["complex128", "complex64"], default="complex128")
    p.add_argument("--backend", nargs="+", default=None, help="backends (default: every registered one)")
    p.add_argument("--gpu-memory", type=float, default=80.0, help="GiB per GPU assumed for the routes (default: 80)")
    p.add_argument("--bench-dir", default="results/bench", help="where qspectral bench wrote bench_qft_<dtype>.json")
    p.set_defaults(func=_cmd_plan)

    experiment = argparse.ArgumentParser(add_help=False)
    modes = experiment.add_mutually_exclusive_group()
    modes.add_argument("--quick", dest="mode", action="store_const", const="quick", help="the quick config (about a minute)")
    modes.add_argument("--full", dest="mode", action="store_const", const="full", help="the full config (default)")
    experiment.set_defaults(mode="full")
    experiment.add_argument("--seed", type=int, default=None, help="seed (default: the experiment's own)")
    experiment.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="torch device (default: cpu)")
    experiment.add_argument("--out", default="results", help="results folder (default: results)")
    experiment.add_argument("--no-progress", action="store_true", help="no progress bars")
    experiment.add_argument("--sweep", default=None, help="run one task per seed: seeds=0:10 (stop excluded) or seeds=1,2,3")
    experiment.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (qspectral[distributed])")
    experiment.add_argument("--workers", type=int, default=None, help="run the tasks on a Dask LocalCluster of N worker processes")
    experiment.add_argument("--resume", action="store_true", help="run only the tasks whose results are missing")

    p = sub.add_parser("reproduce", parents=[experiment], help="run one paper experiment; write results/NAME/")
    p.add_argument("name", help="experiment name, e.g. spectral-bias or fourier-degree")
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("report", parents=[experiment],
                       help="run every experiment and the simulator comparison; write results/REPORT.md")
    p.add_argument("--jobs", type=int, default=None,
                   help="experiments run at once, one worker process each (default: one per CPU core)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("circuits", help="export the canonical OpenQASM 3 circuits, or verify them on every backend")
    p.add_argument("action", choices=["export", "verify"])
    p.add_argument("--dir", default="circuits", help="the library folder (default: circuits)")
    p.add_argument("--backends", nargs="+", default=None, help="backends to verify on (default: every available one)")
    p.set_defaults(func=_cmd_circuits)

    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", default=None,
                       help="job store file (default: $QSPECTRAL_HOME/jobs.sqlite, QSPECTRAL_HOME defaulting to ~/.qspectral)")
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument("--wait", action="store_true", help="poll until the job finishes, showing progress")
    waiting.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")

    p = sub.add_parser("submit", parents=[store, waiting],
                       help="run a circuit on IBM Quantum, Amazon Braket or Aer and record the job")
    p.add_argument("circuit", help="an OpenQASM 2/3 file, or 'qft': |x> -> QFT -> inverse QFT, measured")
    p.add_argument("--qubits", type=int, default=None, help="qubits of the 'qft' round trip")
    p.add_argument("--input", type=int, default=None, help="basis state x of the 'qft' round trip (default 1)")
    p.add_argument("--provider", choices=["local", "ibm", "braket"], default="local", help="where to run (default: local)")
    p.add_argument("--backend", default=None,
                   help="aer (local); fake_sherbrooke-style names or a device such as ibm_brisbane (ibm); "
                        "local or a device ARN (braket). Default: the provider's offline simulator")
    p.add_argument("--shots", type=int, default=1024, help="number of shots (default: 1024)")
    p.set_defaults(func=_cmd_submit)

    p = sub.add_parser("jobs", help="list, inspect, fetch, sync, cancel or resubmit recorded jobs")
    actions = p.add_subparsers(dest="action", required=True)
    a = actions.add_parser("list", parents=[store], help="every recorded job")
    a = actions.add_parser("status", parents=[store], help="ask the provider, then show the job and its history")
    a.add_argument("id", help="job id (or a unique prefix)")
    a = actions.add_parser("fetch", parents=[store, waiting], help="print a finished job's counts")
    a.add_argument("id", help="job id (or a unique prefix)")
    a.add_argument("--compare", action="store_true", help="show the counts against the ideal distribution")
    a.add_argument("--out", default=None, help="also write the counts as JSON to this file")
    a = actions.add_parser("sync", parents=[store], help="reconcile every unfinished job with its provider")
    a = actions.add_parser("cancel", parents=[store], help="cancel an unfinished job")
    a.add_argument("id", help="job id (or a unique prefix)")
    a = actions.add_parser("resubmit", parents=[store, waiting], help="send a job marked needs_resubmit (or failed) again")
    a.add_argument("id", help="job id (or a unique prefix)")
    p.set_defaults(func=_cmd_jobs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qspectral`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (QSpectralError, FileNotFoundError) as exc:
        print(f"qspectral: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
