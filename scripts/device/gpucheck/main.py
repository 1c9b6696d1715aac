"""``scripts/device/check``: the whole GPU check in one call, within a global deadline; see ``--help``.

Phases, in order, each capped and clipped to the time left: ``race-targets`` (the issue's
n = 30 complex64 numbers first), ``pytest``, ``properties``, ``race`` (the sweep), ``train``,
``bench-cli``, ``experiments`` (full mode, as many as fit). A phase that fails or runs out of
time is recorded with its error and the next one starts; ``gpu-check.json`` and ``gpu-check.md``
are rewritten after every measurement. ``--cpu-smoke`` runs the same code at tiny sizes on the
CPU with the packages installed here (the test suite runs it).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from gpucheck.record import Deadline, OutOfTime, Record, error_text

ROOT = Path(__file__).resolve().parents[3]
PHASES = ("race-targets", "pytest", "properties", "race", "train", "bench-cli", "experiments")
#: Seconds each phase may take at most (then clipped to what is left), on the GPU / in the smoke run.
CAPS = {"gpu": {"race-targets": 100, "pytest": 100, "properties": 45, "race": 150, "train": 40, "bench-cli": 45,
                "experiments": 10_000},
        "smoke": {"race-targets": 5, "pytest": 18, "properties": 5, "race": 4, "train": 8, "bench-cli": 6,
                  "experiments": 10_000}}
GPU_MARKERS = ("<!-- gpu-table:start -->", "<!-- gpu-table:end -->")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/device/check", description=__doc__.split("\n\n")[1])
    parser.add_argument("--out", default=os.environ.get("OUT") or "results/device-check",
                        help="folder for gpu-check.json and gpu-check.md (default: $OUT, else results/device-check)")
    parser.add_argument("--deadline", type=float, default=None,
                        help="global wall-time limit in seconds (default 480; 48 with --cpu-smoke)")
    parser.add_argument("--cpu-smoke", action="store_true", help="the same code paths at tiny sizes on the CPU")
    parser.add_argument("--no-install", action="store_true", help="do not install the carried wheels")
    parser.add_argument("--wheels", default=".whl", help="folder of carried wheels (default .whl)")
    parser.add_argument("--site", default=None, help="where the wheels are installed (default: a new temp folder)")
    parser.add_argument("--only", nargs="+", choices=PHASES, default=None, help="run only these phases (a rerun)")
    parser.add_argument("--skip", nargs="+", choices=PHASES, default=(), help="leave these phases out")
    parser.add_argument("--inject-failure", default=None, metavar="CONTENDER", help=argparse.SUPPRESS)
    parser.add_argument("--publish", default=None, metavar="GPU_CHECK_MD",
                        help="do no check: put this gpu-check.md into benchmarks/GPU.md and exit")
    return parser.parse_args(argv)


def publish(table: Path, target: Path = ROOT / "benchmarks" / "GPU.md") -> None:
    """Replace the table between the markers of ``benchmarks/GPU.md`` with ``table``'s text."""
    text = target.read_text()
    start, end = GPU_MARKERS
    if start not in text or end not in text:
        raise SystemExit(f"{target} lacks the markers {start} ... {end}")
    body = re.sub(r"^(#+) ", r"##\1 ", table.read_text(), flags=re.M)  # its headings under this page's
    new = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: f"{start}\n{body}\n{end}", text, flags=re.S)
    new = re.sub(r"^\*\*Status:.*?\n\n", "**Status:** the table at the end is the latest GPU run (its date and "
                 "machine are in it).\n\n", new, count=1, flags=re.S | re.M)
    target.write_text(new)
    print(f"wrote {target}")


def _plan(smoke: bool):
    """Sizes and settings of each phase for the GPU run or the smoke run."""
    import torch

    c64, c128 = torch.complex64, torch.complex128
    if smoke:
        sizes, top = [4, 6], 6
    else:
        sizes, top = list(range(20, 33, 2)) + [31], 30
    targets = [("qft", c64, top), ("spectral-phase", c64, top)]
    sweep = [(w, d, n) for n in sorted(sizes) for d in (c64, c128) if d == c64 or n < 32  # c128 at 32: 64 GiB a state
             for w in ("qft", "spectral-phase", "spectral-filter", "random")]
    return {
        "device": "cpu" if smoke else "cuda",
        "targets": targets, "sweep": sweep, "cpu_max_qubits": 6 if smoke else 26,
        "properties": {"cases": 3, "long_qubits": 12} if smoke else {"cases": 20, "long_qubits": 24},
        "train": ["train", "--repeats", "1" if smoke else "5", "--device", "cpu" if smoke else "cuda"],
        "bench_cli": (["qft", "--qubits", "4", "--backends", "engine", "aer", "--repeats", "1", "--no-progress"] if smoke
                      else ["qft", "--qubits", "20:24:2", "--backends", "engine.gpu", "aer", "lightning", "--dtype",
                            "complex64", "--repeats", "3", "--budget", "20", "--no-progress"]),
        "experiment_mode": "quick" if smoke else "full",
        "experiments": ["fourier-degree"] if smoke else None,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.publish:
        publish(Path(args.publish))
        return 0
    os.chdir(ROOT)
    sys.dont_write_bytecode = True  # write nothing into the tree (children too)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    mode = "smoke" if args.cpu_smoke else "gpu"
    deadline = Deadline(args.deadline if args.deadline is not None else (48 if args.cpu_smoke else 480))
    record = Record(args.out, title="qspectral GPU check" + (" (CPU smoke run)" if args.cpu_smoke else ""))
    from gpucheck.report import render

    record.render = render
    record.set("deadline_s", deadline.end - deadline.start)
    record.set("mode", mode)
    scratch = Path(tempfile.mkdtemp(prefix="qspectral-check-"))
    wanted = [p for p in (args.only or PHASES) if p not in args.skip]
    failures = 0
    try:
        failures = _run(args, mode, deadline, record, scratch, wanted)
    except OutOfTime as exc:
        record.set("stopped", str(exc))
    finally:
        deadline.disarm()
        record.set("elapsed_s", round(deadline.elapsed(), 1))
        record.set("finished", time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    from gpucheck.report import summary

    print(summary(record.data, Path(args.out)))
    return 1 if failures else 0


def _run(args, mode: str, deadline: Deadline, record: Record, scratch: Path, wanted: list[str]) -> int:
    from gpucheck import environment

    wheels = ROOT / args.wheels
    if args.no_install or args.cpu_smoke:
        why = "--cpu-smoke: the packages installed here are used" if args.cpu_smoke else "--no-install"
        record.set("install", {"installed": False, "why": why})
        environment.add_to_path(ROOT)
    else:
        site = Path(args.site or tempfile.mkdtemp(prefix="qspectral-site-"))
        start = time.perf_counter()
        try:
            record.set("install", environment.install(wheels, site))
        except OutOfTime:
            raise
        except Exception as exc:  # noqa: BLE001 -- go on with what the machine has
            record.set("install", {"installed": False, "why": error_text(exc)})
        record.phase("install", status="ok" if record.data["install"].get("installed") else "skipped",
                     seconds=round(time.perf_counter() - start, 1), note=record.data["install"].get("why", ""))
    record.set("requirement_problems", environment.requirement_problems(wheels / "MANIFEST.json"))
    plan = _plan(mode == "smoke")
    device = plan["device"]
    record.set("environment", environment.describe(device))
    caps = CAPS[mode]
    failures = 0
    for name in wanted:
        left = deadline.left() - 3
        if left <= 1:
            record.phase(name, status="skipped: out of time")
            continue
        cap = min(caps[name], left)
        start = time.perf_counter()
        record.phase(name, status="running", cap_s=round(cap, 1))
        print(f"[{deadline.elapsed():6.1f} s] {name} (up to {cap:.0f} s)", flush=True)
        try:
            note, failed = PHASE_FUNCTIONS[name](record, plan, cap, scratch, args)
            failures += failed
            record.phase(name, status="ok" if not failed else f"{failed} failure(s)", note=note)
        except OutOfTime as exc:
            record.phase(name, status="out of time", error=str(exc), seconds=round(time.perf_counter() - start, 1))
            raise
        except Exception as exc:  # noqa: BLE001 -- record it, go on with the next phase
            record.phase(name, status="error", error=error_text(exc))
        record.phase(name, seconds=round(time.perf_counter() - start, 1))
    return failures


def _race(items_key: str):
    def phase(record: Record, plan: dict, cap: float, scratch: Path, args) -> tuple[str, int]:
        from gpucheck.race import race, targets

        done = {(r["workload"], r["dtype"], r["n"]) for r in record.data.get("race_tasks", [])}
        items = [i for i in plan[items_key] if (i[0], str(i[1]).replace("torch.", ""), i[2]) not in done]
        try:
            race(record, items, device=plan["device"], budget_end=time.monotonic() + cap,
                 cpu_max_qubits=plan["cpu_max_qubits"], fail_contender=args.inject_failure)
        finally:
            top = max(n for _, _, n in plan["targets"])
            record.set("targets", targets(record.data.get("race", []), top))
        wrong = sum(1 for r in record.data.get("race", []) if r.get("passed") is False)
        return f"{len(record.data.get('race', []))} rows so far", wrong

    return phase


def _pytest(record: Record, plan: dict, cap: float, scratch: Path, args) -> tuple[str, int]:
    from gpucheck.commands import gpu_test_files, run_pytest

    if plan["device"] == "cpu":
        targets, selection = gpu_test_files(ROOT), ["-m", "gpu"]
    else:
        targets, selection = ["tests"], ["-k", "(gpu or cuda) and not device_check"]  # not this check's own tests
    result = run_pytest(targets, selection, scratch, cap)
    result["selection"] = " ".join([*selection, *targets])
    record.set("pytest", result)
    failed = (result.get("failed") or 0) + (result.get("errors") or 0) + (1 if result["timed_out"] else 0)
    return f"{result.get('passed')} passed, {result.get('skipped')} skipped", failed


def _properties(record: Record, plan: dict, cap: float, scratch: Path, args) -> tuple[str, int]:
    from gpucheck.properties import check_properties

    results = check_properties(plan["device"], **plan["properties"],
                               on_result=lambda r: record.add_row("properties", r))
    failed = sum(r["failed"] for r in results)
    return f"{sum(r['passed'] for r in results)} cases passed", failed


def _train(record: Record, plan: dict, cap: float, scratch: Path, args) -> tuple[str, int]:
    from gpucheck.commands import run_bench_cli

    result = run_bench_cli(plan["train"], scratch / "train", cap)
    record.set("train", result.pop("rows"))
    record.set("train_run", result)
    if result["rc"] not in (0, 1):  # 1: ran, but below its speed target (the table says so)
        raise RuntimeError(f"qspectral bench train: rc {result['rc']}, timed out {result['timed_out']}: "
                           f"{result['tail'][-300:]}")
    return f"rc {result['rc']}", 0


def _bench_cli(record: Record, plan: dict, cap: float, scratch: Path, args) -> tuple[str, int]:
    from gpucheck.commands import run_bench_cli

    result = run_bench_cli(plan["bench_cli"], scratch / "bench", cap)
    record.set("bench_cli", result.pop("rows"))
    record.set("bench_cli_run", result)
    if result["rc"] != 0:
        raise RuntimeError(f"qspectral bench: rc {result['rc']}, timed out {result['timed_out']}: {result['tail'][-300:]}")
    return "", 0


def _experiments(record: Record, plan: dict, cap: float, scratch: Path, args) -> tuple[str, int]:
    from gpucheck.commands import experiment_names, run_experiment

    end = time.monotonic() + cap
    names = plan["experiments"] or experiment_names()
    for name in names:
        left = end - time.monotonic()
        if left < 5:
            record.add_row("experiments", {"name": name, "mode": plan["experiment_mode"], "status": "not run: out of time"})
            continue
        result = run_experiment(name, plan["experiment_mode"], plan["device"], scratch, left)
        status = "timed out" if result["timed_out"] else ("ok" if result["rc"] == 0 else f"rc {result['rc']}")
        record.add_row("experiments", {"name": name, "mode": plan["experiment_mode"], "status": status, **result})
    return "", 0


PHASE_FUNCTIONS = {"race-targets": _race("targets"), "pytest": _pytest, "properties": _properties,
                   "race": _race("sweep"), "train": _train, "bench-cli": _bench_cli, "experiments": _experiments}
