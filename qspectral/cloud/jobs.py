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

**Concurrency.** WAL journal, up to 30 s of waiting for another process's lock (reported while
it waits, then :class:`~qspectral.errors.JobStoreBusyError`), and every change in a ``BEGIN IMMEDIATE`` transaction that checks the current state first
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import psutil

from qspectral.cloud.program import circuit_hash
from qspectral.cloud.redact import redact
from qspectral.errors import (
    JobNotFoundError,
    JobStateError,
    JobStoreBusyError,
    JobStoreMissingError,
    JobStoreUnusableError,
    QSpectralError,
)

T = TypeVar("T")

HOME_VAR = "QSPECTRAL_HOME"
BUSY_TIMEOUT = 30.0  # seconds a command waits for another process's lock
_LOCK_POLL = 0.05  # seconds SQLite itself waits on a lock before JobStore._retry polls again
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
    """The SQLite job store at ``path`` (default :func:`default_store_path`).

    ``mode`` says what the caller needs, so that a typo in a path never looks like an empty store:

    * ``"create"`` (the default; ``qspectral submit``): open it, creating the file (and, for the
      default location only, its folder) when missing; :attr:`created` says whether it was new;
    * ``"write"``: open an existing store to change jobs (``jobs status|fetch|sync|cancel|resubmit``);
    * ``"read"``: open an existing store read-only (``jobs list``); works on a read-only file.

    A missing store in ``"read"``/``"write"`` mode raises
    :class:`~qspectral.errors.JobStoreMissingError` naming the path; a corrupt file, a folder or a
    read-only file for a write raise :class:`~qspectral.errors.JobStoreUnusableError` saying how to
    move it aside, and the file is left untouched. A store locked by another process is waited for
    up to :data:`BUSY_TIMEOUT` seconds (``on_wait(seconds_waited)`` is called at each whole second
    waited meanwhile), then :class:`~qspectral.errors.JobStoreBusyError`.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        mode: str = "create",
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        if mode not in ("create", "write", "read"):
            raise ValueError(f"mode must be 'create', 'write' or 'read', got {mode!r}")
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.mode = mode
        self.on_wait = on_wait
        self.created = False
        if self.path.is_dir():
            raise JobStoreUnusableError(
                f"the job store path {self.path} is a folder, not a file; give a file such as "
                f"--store {self.path / 'jobs.sqlite'}"
            )
        if not self.path.exists():
            if mode != "create":
                raise JobStoreMissingError(
                    f"no job store at {self.path}; check --store / ${HOME_VAR} (`qspectral submit` creates "
                    "the store with its first job)"
                )
            if path is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            elif not self.path.parent.is_dir():
                raise JobStoreMissingError(
                    f"cannot create the job store {self.path}: the folder {self.path.parent} does not exist; "
                    "check the path or create the folder first"
                )
            self.created = True
        if mode != "read":
            self._retry(lambda conn: conn.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} COMMIT;"))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = self._open()
        try:
            yield conn
        finally:
            conn.close()

    def _unusable(self, exc: sqlite3.Error) -> QSpectralError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return JobStoreUnusableError(
                f"the job store {self.path} is read-only ({text}); `qspectral jobs list` still reads it, "
                "other commands need write access: fix its permissions or copy it and use --store COPY"
            )
        if "unable to open" in text:
            return JobStoreUnusableError(
                f"cannot open the job store {self.path} ({text}); check the permissions of it and its folder"
            )
        return JobStoreUnusableError(
            f"the job store {self.path} is not a readable SQLite database ({text}); it was left untouched: "
            f"move it aside (mv {self.path} {self.path}.broken) and rerun, which starts an empty store"
        )

    def _open(self) -> sqlite3.Connection:
        """A connection (read-only in ``"read"`` mode, else WAL); SQLite waits at most briefly for
        locks itself, :meth:`_retry` does the real waiting."""
        try:
            if self.mode == "read":
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                       timeout=_LOCK_POLL, isolation_level=None)
            else:
                conn = sqlite3.connect(self.path, timeout=_LOCK_POLL, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        try:
            conn.row_factory = sqlite3.Row
            if self.mode != "read":
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA foreign_keys=ON")
            return conn
        except BaseException:
            conn.close()
            raise

    def _retry(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work(connection)``, retried while another process holds a lock it needs.

        Locks are retried with jittered backoff for up to :data:`BUSY_TIMEOUT` seconds (opening a
        new file in WAL mode, and WAL recovery after a crash, take locks without SQLite's busy
        handler); ``on_wait`` hears how long it has waited. Other SQLite errors become
        :class:`~qspectral.errors.JobStoreUnusableError`.
        """
        start = time.monotonic()
        delay, told = 0.005, 0
        while True:
            try:
                with self._connect() as conn:
                    return work(conn)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise self._unusable(exc) from None
                waited = time.monotonic() - start
                if waited > BUSY_TIMEOUT:
                    raise JobStoreBusyError(
                        f"the job store {self.path} stayed locked for {BUSY_TIMEOUT:.0f} s; another process"
                        " holds it; wait for that process, or point --store / QSPECTRAL_HOME at another file"
                    ) from None
                if self.on_wait is not None and int(waited) > told:  # once per whole second waited
                    told = int(waited)
                    self.on_wait(float(told))
            except sqlite3.DatabaseError as exc:
                raise self._unusable(exc) from None
            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(2 * delay, 0.25)

    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction (rolled back on any exception)."""

        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return self._retry(transaction)

    def create(self, provider: str, backend: str, circuit_qasm3: str, *, shots: int, num_bits: int) -> JobRecord:
        """Record a new job in state ``created`` (before it is sent) and return it."""
        now = time.time()
        job_id = uuid.uuid4().hex[:12]
        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO jobs (id, provider, backend, circuit_qasm3, circuit_hash, num_bits, shots,"
                " state, created_at, updated_at, host, pid) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (job_id, provider, backend, circuit_qasm3, circuit_hash(circuit_qasm3), num_bits,
                 shots, "created", now, now, socket.gethostname(), os.getpid()),
            )
            conn.execute("INSERT INTO events VALUES (?,?,?,?)", (job_id, now, "created", f"{provider}/{backend}"))

        self._write(insert)
        return self.get(job_id)

    def get(self, job_id: str) -> JobRecord:
        """The job whose id is ``job_id`` or starts with it (a unique prefix); else JobNotFoundError."""
        rows = self._retry(lambda conn: conn.execute(
            "SELECT * FROM jobs WHERE id = ? OR id LIKE ? ESCAPE '\\' LIMIT 3",
            (job_id, job_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        ).fetchall())
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
        rows = self._retry(lambda conn: conn.execute(query + " ORDER BY created_at, id", args).fetchall())
        return [_record(r) for r in rows]

    def events(self, job_id: str) -> list[tuple[float, str, str]]:
        """``(time, state, detail)`` for every change of the job, oldest first."""
        rows = self._retry(lambda conn: conn.execute(
            "SELECT at, state, detail FROM events WHERE job_id = ? ORDER BY rowid", (job_id,)
        ).fetchall())
        return [tuple(r) for r in rows]

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
        def move(conn: sqlite3.Connection) -> None:
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

        self._write(move)
        return self.get(job_id)

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``'ok'`` for a healthy file)."""
        return self._retry(lambda conn: conn.execute("PRAGMA integrity_check").fetchone()[0])
