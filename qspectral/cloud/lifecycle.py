"""Submit, poll, fetch, sync, cancel and resubmit cloud jobs, keeping the job store consistent.

:class:`JobManager` ties a :class:`~qspectral.cloud.jobs.JobStore` to the providers:

* **submit** records the job (``created``) *before* sending it, then sends it with bounded
  exponential backoff (:mod:`qspectral.cloud.retry`) and records the remote id (``submitted``).
  Rejected credentials are never retried. When a send fails in a way that leaves unknown whether
  the provider got the job (read timeout, connection reset, HTTP 5xx), the manager asks the
  provider for a job carrying this job's tag (IBM) before trying again; a provider that cannot
  answer (Braket) gets no blind second send: the job becomes ``needs_resubmit``.
* **refresh** asks the provider for the state; a finished job's counts (qspectral's bit order)
  are stored with their total-variation distance to the ideal distribution.
* **sync** reconciles every unfinished job, including rows left ``created`` by a process that
  died mid-submit: found by tag -> ``submitted``; otherwise -> ``needs_resubmit``.
* **resubmit** is the only way a job is sent again, and only on request.

Example:
    >>> import tempfile, pathlib
    >>> from qspectral.cloud.program import SamplingProgram, qft_roundtrip
    >>> manager = JobManager(JobStore(pathlib.Path(tempfile.mkdtemp()) / "jobs.sqlite"))
    >>> job = manager.submit(SamplingProgram.from_circuit(qft_roundtrip(2, 1)), "local", shots=50)
    >>> done = manager.wait(job.id)
    >>> done.state, done.counts, done.tv_distance
    ('done', {1: 50}, 0.0)
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from qspectral.cloud.counts import tv_distance
from qspectral.cloud.jobs import JobRecord, JobStore
from qspectral.cloud.program import MAX_IDEAL_QUBITS, SamplingProgram
from qspectral.cloud.providers import Provider, get_provider
from qspectral.cloud.retry import RetryPolicy, call_with_retry
from qspectral.errors import (
    InvalidJobError,
    JobLostError,
    JobStateError,
    QSpectralError,
    SubmitUncertainError,
)

T = TypeVar("T")
log = logging.getLogger("qspectral.cloud")


def _check_shots(shots: int) -> int:
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise InvalidJobError(f"shots must be a positive integer, got {shots!r}; e.g. --shots 1000")
    return int(shots)


class JobManager:
    """Cloud jobs against one job store.

    Args:
        store: the job store (default: :func:`~qspectral.cloud.jobs.default_store_path`).
        policy: retry policy for provider calls (default: :meth:`RetryPolicy.from_env`).
        provider_factory: ``(name, backend) -> Provider`` (default :func:`get_provider`).
        sleep: the function used to wait between retries and polls.
        stale_after: seconds after which a ``created`` row written on another host counts as
            abandoned (on this host the submitting process's liveness decides).
    """

    def __init__(
        self,
        store: JobStore | None = None,
        *,
        policy: RetryPolicy | None = None,
        provider_factory: Callable[[str, str | None], Provider] = get_provider,
        sleep: Callable[[float], None] = time.sleep,
        stale_after: float = 600.0,
    ) -> None:
        self.store = store if store is not None else JobStore()
        self.policy = policy if policy is not None else RetryPolicy.from_env()
        self.provider_factory = provider_factory
        self.sleep = sleep
        self.stale_after = stale_after
        self._providers: dict[tuple[str, str | None], Provider] = {}

    def provider(self, name: str, backend: str | None = None) -> Provider:
        """The provider ``name`` on ``backend``, created once per manager."""
        key = (name, backend)
        if key not in self._providers:
            self._providers[key] = self.provider_factory(name, backend)
        return self._providers[key]

    def _call(self, provider: Provider, fn: Callable[[], T], what: str) -> T:
        return call_with_retry(
            fn, what=what, policy=self.policy, credential_hint=provider.credential_hint, sleep=self.sleep
        )

    # -- submission ------------------------------------------------------------------------

    def submit(
        self, program: SamplingProgram, provider: str = "local", backend: str | None = None, *, shots: int = 1024
    ) -> JobRecord:
        """Record and send ``program``; return the job (``submitted``).

        Raises CredentialsError / ProviderError / SubmitUncertainError after recording the
        outcome (``failed`` or ``needs_resubmit``) in the store.
        """
        shots = _check_shots(shots)
        prov = self.provider(provider, backend)
        prov.check(program)
        job = self.store.create(
            prov.name, prov.backend, program.to_qasm3(), shots=shots, num_bits=program.num_bits
        )
        log.info("job %s recorded (%s/%s, %d shots)", job.id, prov.name, prov.backend, shots)
        return self._send(job, prov, program)

    def _send(self, job: JobRecord, prov: Provider, program: SamplingProgram) -> JobRecord:
        what = f"submitting job {job.id} to {prov.name}/{prov.backend}"
        uncertain: list[str] = []

        def on_ambiguous(detail: str) -> str | None:
            uncertain.append(detail)
            if not prov.can_lookup:
                raise SubmitUncertainError(
                    f"{what} failed ({detail}) and {prov.name} may or may not have received it, "
                    f"so it is not sent again automatically: check for a task tagged "
                    f"qspectral-job={job.id}, then run `qspectral jobs resubmit {job.id}` if there is none"
                )
            found = self._call(prov, lambda: prov.lookup(job.id), f"looking up job {job.id} by its tag")
            if found:
                log.warning("%s: the provider had received it after all (remote id %s)", what, found)
            return found

        try:
            remote_id = call_with_retry(
                lambda: prov.submit(program, job.shots, job.id), what=what, policy=self.policy,
                credential_hint=prov.credential_hint, on_ambiguous=on_ambiguous, sleep=self.sleep,
            )
        except QSpectralError as exc:
            state = "needs_resubmit" if isinstance(exc, SubmitUncertainError) or uncertain else "failed"
            self.store.transition(job.id, state, error=str(exc))
            raise
        job = self.store.transition(
            job.id, "submitted", detail=f"remote id {remote_id}", remote_id=remote_id, submitted_at=time.time()
        )
        log.info("job %s submitted (remote id %s)", job.id, remote_id)
        return job

    def resubmit(self, job_id: str) -> JobRecord:
        """Send a ``needs_resubmit`` or ``failed`` job again, on explicit request."""
        job = self.store.get(job_id)
        if job.state not in ("needs_resubmit", "failed"):
            raise JobStateError(
                f"job {job.id} is '{job.state}'; only 'needs_resubmit' or 'failed' jobs can be resubmitted"
                + ("" if job.terminal else "; if its submitting command was interrupted, run "
                   "`qspectral jobs sync` first, which marks it needs_resubmit when it never reached the provider")
            )
        prov = self.provider(job.provider, job.backend)
        program = SamplingProgram.from_qasm3(job.circuit_qasm3)
        prov.check(program)
        job = self.store.transition(
            job.id, "created", expect=job.state, detail="resubmit requested", remote_id=None,
            error=None, attempts=job.attempts + 1, pid=os.getpid(), host=socket.gethostname(),
        )
        return self._send(job, prov, program)

    # -- progress --------------------------------------------------------------------------

    def refresh(self, job_id: str) -> JobRecord:
        """Ask the provider about an unfinished job, store what changed, return the job."""
        job = self.store.get(job_id)
        if job.terminal or job.state in ("created", "needs_resubmit"):
            return job
        prov = self.provider(job.provider, job.backend)
        try:
            state = self._call(prov, lambda: prov.status(job.remote_id), f"reading the status of job {job.id}")
            if state == "done":
                program = SamplingProgram.from_qasm3(job.circuit_qasm3)
                counts = self._call(
                    prov, lambda: prov.result(job.remote_id, program), f"fetching the result of job {job.id}"
                )
                tv = None
                if program.num_qubits <= MAX_IDEAL_QUBITS:
                    tv = tv_distance(counts, program.ideal_distribution())
                detail = f"{sum(counts.values())} shots" + (
                    "" if tv is None else f", tv distance {tv:.4f} to the ideal distribution, {program.ideal_source}"
                )
                return self.store.transition(
                    job.id, "done", expect=job.state, detail=detail, counts=counts, tv_distance=tv
                )
            if state == "failed":
                reason = self._call(
                    prov, lambda: prov.failure_reason(job.remote_id), f"reading why job {job.id} failed"
                )
                error = f"the provider reports the job failed: {reason or 'no reason given'}"
                return self.store.transition(job.id, "failed", expect=job.state, error=error)
            if state != job.state:
                return self.store.transition(job.id, state, expect=job.state)
            return job
        except JobLostError as exc:
            if job.pid != os.getpid() and job.submitter_alive():
                return job  # still running inside the process that submitted it
            return self.store.transition(job.id, "needs_resubmit", expect=job.state, error=str(exc))
        except JobStateError:
            return self.store.get(job.id)  # another process moved it first

    def wait(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        poll: tuple[float, float, float] = (0.2, 1.5, 10.0),
        on_progress: Callable[[JobRecord, float], None] | None = None,
    ) -> JobRecord:
        """Refresh until the job is finished (or needs resubmission) or ``timeout`` s have passed.

        Polls after ``poll[0]`` s, growing by ``poll[1]`` per poll up to ``poll[2]`` s;
        ``on_progress(job, elapsed)`` is called after every poll. Returns the last job seen.
        """
        start = time.monotonic()
        delay, factor, cap = poll
        while True:
            job = self.refresh(job_id)
            elapsed = time.monotonic() - start
            if on_progress is not None:
                on_progress(job, elapsed)
            if job.terminal or job.state == "needs_resubmit":
                return job
            if timeout is not None and elapsed + delay > timeout:
                return job
            self.sleep(delay)
            delay = min(delay * factor, cap)

    # -- housekeeping ----------------------------------------------------------------------

    def cancel(self, job_id: str) -> JobRecord:
        """Cancel an unfinished job (at the provider when it was sent)."""
        job = self.store.get(job_id)
        if job.terminal:
            raise JobStateError(
                f"job {job.id} is already '{job.state}'; there is nothing to cancel"
                " (`qspectral jobs sync` reconciles jobs whose submitting command was interrupted)"
            )
        if job.state == "created":
            raise JobStateError(
                f"job {job.id} is still being submitted (or its submitter died): run "
                "`qspectral jobs sync` first, then cancel it"
            )
        if job.state == "needs_resubmit":
            return self.store.transition(
                job.id, "cancelled", expect=job.state,
                detail="cancelled locally; if the provider did receive it, cancel it in the provider's console too",
            )
        prov = self.provider(job.provider, job.backend)
        self._call(prov, lambda: prov.cancel(job.remote_id), f"cancelling job {job.id}")
        return self.store.transition(job.id, "cancelled", expect=job.state, detail="cancelled at the provider")

    def _interrupted(self, job: JobRecord) -> bool:
        if job.submitter_alive():
            return False
        if job.host == socket.gethostname():
            return True
        return time.time() - job.updated_at > self.stale_after

    def _reconcile(self, job: JobRecord) -> tuple[JobRecord, str]:
        prov = self.provider(job.provider, job.backend)
        found = None
        if prov.can_lookup:
            found = self._call(prov, lambda: prov.lookup(job.id), f"looking up job {job.id} by its tag")
        if found:
            self.store.transition(job.id, "submitted", expect=job.state, remote_id=found,
                                  detail="found at the provider by its tag")
            return self.refresh(job.id), f"found at the provider as {found}"
        if job.state == "needs_resubmit":
            return job, "still needs resubmission: `qspectral jobs resubmit ID` sends it again"
        where = "no job with its tag exists at the provider" if prov.can_lookup else (
            f"{prov.name} cannot be searched by tag: check for a task tagged qspectral-job={job.id}"
        )
        job = self.store.transition(
            job.id, "needs_resubmit", expect=job.state,
            error=f"the submission was interrupted before the remote id was recorded; {where}",
        )
        return job, "marked needs_resubmit (submission interrupted)"

    def sync(self) -> list[tuple[JobRecord, str]]:
        """Reconcile every unfinished job with its provider; return ``(job, what happened)`` pairs."""
        report = []
        for job in self.store.list(("created", "submitted", "running", "needs_resubmit")):
            try:
                if job.state in ("created", "needs_resubmit"):
                    if job.state == "created" and not self._interrupted(job):
                        report.append((job, f"being submitted by process {job.pid} on {job.host}"))
                        continue
                    report.append(self._reconcile(job))
                else:
                    new = self.refresh(job.id)
                    report.append((new, "unchanged" if new.state == job.state else f"{job.state} -> {new.state}"))
            except QSpectralError as exc:
                report.append((self.store.get(job.id), f"not reconciled: {exc}"))
        return report
