"""The persistent job store: one SQLite row per cloud job, written before the job is sent.

**Location.** ``$QSPECTRAL_HOME/jobs.sqlite``, with ``QSPECTRAL_HOME`` defaulting to
``~/.qspectral``; the CLI's ``--store FILE`` overrides both (:func:`default_store_path`).

**Rows.** provider, backend, the circuit (OpenQASM 3 text and its SHA-256), shots, state,
remote id, timestamps (Unix seconds), counts (JSON ``{outcome: count}``, outcomes in qspectral's
bit order), the total-variation distance to ideal, and the last error (redacted). The submitting
process's host and pid tell ``sync`` whether a job's submitter is still alive. Every state change
is also appended to an ``events`` table. Credentials are never stored.

**States** and the moves between them::

    created         -> submitted | failed | needs_resubmit
    submitted       -> running | done | failed | cancelled | needs_resubmit
    running         -> done | failed | cancelled | needs_resubmit
    needs_resubmit  -> created (explicit resubmit) | submitted (found again by sync) | cancelled
    failed          -> created (explicit resubmit)

``created`` is written before anything is sent, so a crash mid-submit leaves a row for
``qspectral jobs sync`` to reconcile; ``needs_resubmit`` means the job may not exist remotely
and only an explicit ``qspectral jobs resubmit ID`` sends it again (nothing is resent silently).

**Concurrency.** WAL journal, a 30 s busy timeout (also for the lock that switching to WAL
takes), and every change in a ``BEGIN IMMEDIATE`` transaction that checks the current state first
(compare-and-set), so concurrent CLI processes neither corrupt the file nor overwrite each other's
transitions.

Example:
    >>> import tempfile, pathlib
    >>> store = JobStore(pathlib.Path(tempfile.mkdtemp()) / "jobs.sqlite")
    >>> job = store.create("local", "aer", "OPENQASM 3.0;", shots=10, num_bits=1)
    >>> store.transition(job.id, "submitted", remote_id="r1").state
    'submitted'
    >>> store.transition(job.id, "done", counts={0: 10}).counts
    {0: 10}
"""

from __future__ import annotations

import json
import os
import random
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from qspectral.cloud.program import circuit_hash
from qspectral.cloud.redact import redact
from qspectral.errors import JobNotFoundError, JobStateError, JobStoreBusyError

HOME_VAR = "QSPECTRAL_HOME"
BUSY_TIMEOUT = 30.0  # seconds a connection waits for another process's lock
STATES = ("created", "submitted", "running", "done", "failed", "cancelled", "needs_resubmit")
TERMINAL = frozenset({"done", "failed", "cancelled"})
_NEXT = {
    "created": {"submitted", "failed", "needs_resubmit"},
    "submitted": {"running", "done", "failed", "cancelled", "needs_resubmit"},
    "running": {"done", "failed", "cancelled", "needs_resubmit"},
    "needs_resubmit": {"created", "submitted", "cancelled"},
    "failed": {"created"},
    "done": set(),
    "cancelled": set(),
}
_UPDATABLE = {"remote_id", "counts", "tv_distance", "error", "submitted_at", "attempts", "pid", "host"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    backend       TEXT NOT NULL,
    circuit_qasm3 TEXT NOT NULL,
    circuit_hash  TEXT NOT NULL,
    num_bits      INTEGER NOT NULL,
    shots         INTEGER NOT NULL,
    state         TEXT NOT NULL,
    remote_id     TEXT,
    created_at    REAL NOT NULL,
    submitted_at  REAL,
    updated_at    REAL NOT NULL,
    host          TEXT NOT NULL,
    pid           INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    counts        TEXT,
    tv_distance   REAL,
    error         TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    at     REAL NOT NULL,
    state  TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_job ON events(job_id);
"""


def default_store_path() -> Path:
    """``$QSPECTRAL_HOME/jobs.sqlite``, ``QSPECTRAL_HOME`` defaulting to ``~/.qspectral``."""
    home = os.environ.get(HOME_VAR) or str(Path.home() / ".qspectral")
    return Path(home).expanduser() / "jobs.sqlite"


@dataclass(frozen=True)
class JobRecord:
    """One row of the job store (``counts`` decoded to ``{outcome: count}``)."""

    id: str
    provider: str
    backend: str
    circuit_qasm3: str
    circuit_hash: str
    num_bits: int
    shots: int
    state: str
    remote_id: str | None
    created_at: float
    submitted_at: float | None
    updated_at: float
    host: str
    pid: int
    attempts: int
    counts: dict[int, int] | None
    tv_distance: float | None
    error: str | None

    @property
    def terminal(self) -> bool:
        """True for done, failed and cancelled jobs."""
        return self.state in TERMINAL

    def submitter_alive(self) -> bool:
        """True when the process that submitted this job still runs (on this host).

        A process with the same pid that started after the row was last written is a different
        process (the pid was reused).
        """
        if self.host != socket.gethostname():
            return False
        try:
            return psutil.Process(self.pid).create_time() <= self.updated_at + 1.0
        except psutil.NoSuchProcess:
            return False


def _record(row: sqlite3.Row) -> JobRecord:
    data = dict(row)
    if data["counts"] is not None:
        data["counts"] = {int(k): int(v) for k, v in json.loads(data["counts"]).items()}
    return JobRecord(**data)


class JobStore:
    """The SQLite job store at ``path`` (default :func:`default_store_path`); created on first use."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    def _open(self) -> sqlite3.Connection:
        """A connection in WAL mode, retried while another process holds a lock that opening needs.

        Switching a new file to WAL takes an exclusive lock *without* SQLite's busy handler, so two
        processes creating the store at the same moment see "database is locked" at once (as does a
        connection opened while another one recovers the WAL after a crash). Those are retried with
        jittered backoff for up to :data:`BUSY_TIMEOUT` seconds.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT
        delay = 0.005
        while True:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA foreign_keys=ON")
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise JobStoreBusyError(
                        f"the job store {self.path} stayed locked for {BUSY_TIMEOUT:.0f} s; another process"
                        " holds it; wait for that process, or point --store / QSPECTRAL_HOME at another file"
                    ) from exc
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(2 * delay, 0.25)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def create(self, provider: str, backend: str, circuit_qasm3: str, *, shots: int, num_bits: int) -> JobRecord:
        """Record a new job in state ``created`` (before it is sent) and return it."""
        now = time.time()
        job_id = uuid.uuid4().hex[:12]
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO jobs (id, provider, backend, circuit_qasm3, circuit_hash, num_bits, shots,"
                " state, created_at, updated_at, host, pid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (job_id, provider, backend, circuit_qasm3, circuit_hash(circuit_qasm3), num_bits,
                 shots, "created", now, now, socket.gethostname(), os.getpid()),
            )
            conn.execute("INSERT INTO events VALUES (?,?,?,?)", (job_id, now, "created", f"{provider}/{backend}"))
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        """The job whose id is ``job_id`` or starts with it (a unique prefix); else JobNotFoundError."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM jobs WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 3",
                (job_id, job_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
            ).fetchall()
        exact = [r for r in rows if r["id"] == job_id]
        if exact:
            return _record(exact[0])
        if len(rows) == 1 and job_id:
            return _record(rows[0])
        if not rows:
            raise JobNotFoundError(
                f"no job {job_id!r} in the job store {self.path}; list the jobs with `qspectral jobs list`"
            )
        raise JobNotFoundError(f"{job_id!r} matches several jobs; give more characters of the id")

    def list(self, states: tuple[str, ...] | None = None) -> list[JobRecord]:
        """Every job (or those in ``states``), oldest first."""
        query, args = "SELECT * FROM jobs", ()
        if states:
            query += f" WHERE state IN ({','.join('?' * len(states))})"
            args = tuple(states)
        with self._connect() as conn:
            return [_record(r) for r in conn.execute(query + " ORDER BY created_at, id", args)]

    def events(self, job_id: str) -> list[tuple[float, str, str]]:
        """``(time, state, detail)`` for every change of the job, oldest first."""
        with self._connect() as conn:
            return [tuple(r) for r in conn.execute(
                "SELECT at, state, detail FROM events WHERE job_id = ? ORDER BY rowid", (job_id,)
            )]

    def transition(
        self, job_id: str, state: str, *, expect: str | None = None, detail: str = "", **fields
    ) -> JobRecord:
        """Move a job to ``state`` and update ``fields`` in one transaction; return the new row.

        Raises JobStateError when the job's current state (or ``expect``, when given) does not
        allow the move, e.g. a concurrent process got there first. Error text is redacted.
        """
        if state not in STATES:
            raise JobStateError(f"unknown job state {state!r}; states are {', '.join(STATES)}")
        unknown = set(fields) - _UPDATABLE
        if unknown:
            raise JobStateError(f"cannot update {sorted(unknown)}; updatable: {sorted(_UPDATABLE)}")
        if "counts" in fields and fields["counts"] is not None:
            fields["counts"] = json.dumps({str(k): int(v) for k, v in sorted(fields["counts"].items())})
        if fields.get("error"):
            fields["error"] = redact(fields["error"])
        detail = redact(detail or fields.get("error") or "")
        now = time.time()
        with self._transaction() as conn:
            row = conn.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFoundError(f"no job {job_id!r} in the job store {self.path}")
            current = row["state"]
            if (expect is not None and current != expect) or state not in _NEXT[current]:
                raise JobStateError(
                    f"job {job_id} is '{current}' and cannot become '{state}'"
                    + (f" (expected '{expect}'; another process changed it)" if expect and current != expect else "")
                )
            sets = ", ".join(f"{k} = ?" for k in fields)
            conn.execute(
                f"UPDATE jobs SET state = ?, updated_at = ?{', ' + sets if sets else ''} WHERE id = ?",
                (state, now, *fields.values(), job_id),
            )
            if state != current or detail:
                conn.execute("INSERT INTO events VALUES (?,?,?,?)", (job_id, now, state, detail))
        return self.get(job_id)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``'ok'`` for a healthy file)."""
        with self._connect() as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]
