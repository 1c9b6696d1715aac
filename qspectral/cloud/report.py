"""Text and JSON views of cloud jobs for the ``qspectral submit`` / ``qspectral jobs`` commands.

Counts are shown as bitstrings with bit 0 rightmost (Qiskit's order; bit ``j`` is the measured
value of qubit ``measured[j]``, i.e. qubit ``j`` for circuits without explicit measurements).
Nothing here prints a credential: job rows never contain one and error text is redacted when
it is stored.

Example:
    >>> import tempfile, pathlib
    >>> from qspectral.cloud.jobs import JobStore
    >>> store = JobStore(pathlib.Path(tempfile.mkdtemp()) / "jobs.sqlite")
    >>> job = store.create("local", "aer", "OPENQASM 3.0;", shots=4, num_bits=2)
    >>> job = store.transition(job.id, "submitted", remote_id="r")
    >>> data = result_json(store.transition(job.id, "done", counts={1: 4}))
    >>> data["counts"], data["counts_by_bitstring"]
    ({'1': 4}, {'01': 4})
"""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any, TextIO

from qspectral.cloud.counts import bitstring, comparison_table
from qspectral.cloud.jobs import JobRecord
from qspectral.cloud.program import MAX_IDEAL_QUBITS, SamplingProgram

BIT_ORDER = (
    "rightmost character = classical bit 0 = qubit measured[0] (qubit 0 for circuits without "
    "explicit measurements): Qiskit's order, the statevector index of qspectral.conventions"
)


def setup_logging() -> None:
    """Send the cloud layer's warnings (retries, recoveries) to stderr, once."""
    log = logging.getLogger("qspectral.cloud")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("qspectral: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.WARNING)


def _when(t: float | None) -> str:
    return "-" if t is None else datetime.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S")


def jobs_table(jobs: list[JobRecord]) -> str:
    """One line per job: id, provider/backend, state, shots, created, TV distance."""
    if not jobs:
        return "no jobs yet; submit one with `qspectral submit qft --qubits 3`"
    lines = [f"{'id':<12}  {'provider/backend':<28} {'state':<15} {'shots':>6}  {'created':<19}  tv"]
    for job in jobs:
        where = f"{job.provider}/{job.backend}"
        if len(where) > 28:
            where = where[:12] + "..." + where[-13:]
        tv = "-" if job.tv_distance is None else f"{job.tv_distance:.4f}"
        lines.append(f"{job.id:<12}  {where:<28} {job.state:<15} {job.shots:>6}  {_when(job.created_at):<19}  {tv}")
    return "\n".join(lines)


def job_details(job: JobRecord, events: list[tuple[float, str, str]]) -> str:
    """A job's fields and its history of state changes."""
    lines = [
        f"job        {job.id}",
        f"provider   {job.provider}",
        f"backend    {job.backend}",
        f"state      {job.state}",
        f"remote id  {job.remote_id or '-'}",
        f"shots      {job.shots}",
        f"circuit    sha256 {job.circuit_hash[:16]}..., {job.num_bits} measured bits",
        f"attempts   {job.attempts}",
    ]
    if job.tv_distance is not None:
        lines.append(f"tv         {job.tv_distance:.4f} (total-variation distance to ideal)")
    if job.error:
        lines.append(f"error      {job.error}")
    lines.append("history")
    lines += [f"  {_when(at)}  {state:<15} {detail}" for at, state, detail in events]
    return "\n".join(lines)


def counts_text(job: JobRecord, *, compare: bool) -> str:
    """The counts of a finished job, as a table against the ideal distribution if ``compare``."""
    counts = job.counts or {}
    ideal = None
    if compare:
        program = SamplingProgram.from_qasm3(job.circuit_qasm3)
        if program.num_qubits > MAX_IDEAL_QUBITS:
            return comparison_table(counts, None, job.num_bits) + (
                f"\n(no ideal distribution: {program.num_qubits} qubits > {MAX_IDEAL_QUBITS})"
            )
        ideal = program.ideal_distribution()
        if program.dynamic is not None:
            return comparison_table(counts, ideal, job.num_bits) + f"\n(ideal distribution {program.ideal_source})"
    return comparison_table(counts, ideal, job.num_bits)


def result_json(job: JobRecord) -> dict[str, Any]:
    """What ``qspectral jobs fetch ID --out FILE`` writes: the counts and the TV distance.

    ``counts`` is ``{outcome integer: count}`` as documented (JSON writes the integer keys as
    strings: ``{"5": 30}``); ``counts_by_bitstring`` gives the same counts as bitstrings with
    classical bit 0 rightmost (:data:`BIT_ORDER`).
    """
    return {
        "job": job.id,
        "provider": job.provider,
        "backend": job.backend,
        "remote_id": job.remote_id,
        "state": job.state,
        "shots": job.shots,
        "circuit_sha256": job.circuit_hash,
        "bit_order": BIT_ORDER,
        "counts": {str(k): v for k, v in sorted((job.counts or {}).items())},
        "counts_by_bitstring": {bitstring(k, job.num_bits): v for k, v in sorted((job.counts or {}).items())},
        "tv_distance": job.tv_distance,
    }


class ProgressPrinter:
    """``on_progress`` for :meth:`JobManager.wait`: one updating line on a terminal, else a line
    per state change."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last: str | None = None

    def __call__(self, job: JobRecord, elapsed: float) -> None:
        line = f"job {job.id} on {job.provider}/{job.backend}: {job.state:<14} {elapsed:7.1f} s"
        if self.tty:
            end = "\n" if job.terminal or job.state == "needs_resubmit" else ""
            print("\r" + line, end=end, file=self.stream, flush=True)
        elif job.state != self.last:
            print(line, file=self.stream, flush=True)
        self.last = job.state
