"""The ``qspectral`` command line.

Example::

    qspectral backends
    qspectral compare --circuit qft --qubits 12 --out compare.json
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

    p = sub.add_parser("circuits", help="export the canonical OpenQASM 3 circuits, or verify them on every backend")
    p.add_argument("action", choices=["export", "verify"])
    p.add_argument("--dir", default="circuits", help="the library folder (default: circuits)")
    p.add_argument("--backends", nargs="+", default=None, help="backends to verify on (default: every available one)")
    p.set_defaults(func=_cmd_circuits)
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
