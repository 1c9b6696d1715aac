"""Failure injection at the network boundary: the job store stays consistent and sync recovers.

The network side of IBM Quantum and Braket is replaced by netfakes.py (remote jobs still run on
real simulators); everything else is the real code path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from qiskit import QuantumCircuit

from qspectral.cloud import JobManager, JobStore, RetryPolicy, SamplingProgram, qft_roundtrip
from qspectral.errors import CredentialsError, JobStateError, ProviderError, SubmitUncertainError

IBM_DEVICE = "ibm_brisbane"
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
BASE = 0.01


def _basis_program() -> SamplingProgram:
    qc = QuantumCircuit(4)
    qc.x([0, 2])  # outcome 5 in our order
    return SamplingProgram.from_circuit(qc)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def manager(home, sleeps) -> JobManager:
    """Backoff of 0.01 s, 4 attempts; sleeps are recorded instead of slept (the fakes answer at once)."""
    return JobManager(JobStore(), policy=RetryPolicy(attempts=4, base_delay=BASE), sleep=sleeps.append)


# -- IBM ------------------------------------------------------------------------------------


def test_ibm_unsent_failures_are_retried_with_backoff(ibm_net, server, manager, sleeps):
    server.fault("submit", "429", "connect_timeout")
    job = manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=64)
    assert job.state == "submitted" and list(server.jobs()) == [job.remote_id]
    assert server.calls("submit") == 3 and server.calls("lookup") == 0
    assert sleeps == [BASE, 2 * BASE]
    done = manager.wait(job.id)
    assert (done.state, done.counts, done.tv_distance) == ("done", {5: 64}, 0.0)
    assert server.jobs()[job.remote_id]["tags"] == [f"qspectral-job:{job.id}"]


def test_ibm_lost_response_finds_the_accepted_job_instead_of_resending(ibm_net, server, manager):
    server.fault("submit", "timeout_after_accept")
    job = manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=32)
    assert server.calls("submit") == 1 and server.calls("lookup") == 1
    assert list(server.jobs()) == [job.remote_id]  # one job: nothing was sent twice
    assert manager.wait(job.id).counts == {5: 32}


def test_ibm_ambiguous_failure_is_resent_only_after_the_lookup_finds_nothing(ibm_net, server, manager, sleeps):
    server.fault("submit", "503")
    server.fault("lookup", "reset")  # the lookup itself is retried
    job = manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=16)
    assert server.calls("submit") == 2 and server.calls("lookup") == 2 and len(server.jobs()) == 1
    assert job.state == "submitted" and sleeps == [BASE, BASE]


def test_ibm_401_is_not_retried_and_says_what_to_fix(ibm_net, server, manager, sleeps):
    server.fault("connect", "401")
    with pytest.raises(CredentialsError, match="HTTP 401.*set QISKIT_IBM_TOKEN to a valid IBM Quantum API key"):
        manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=16)
    assert server.calls("connect") == 1 and server.calls("submit") == 0 and sleeps == []
    (job,) = manager.store.list()
    assert job.state == "failed" and "QISKIT_IBM_TOKEN" in job.error


def test_ibm_status_and_result_failures_are_retried(ibm_net, server, manager, sleeps):
    job = manager.submit(SamplingProgram.from_circuit(qft_roundtrip(3, 5)), "ibm", IBM_DEVICE, shots=50)
    server.fault("status", "reset", "502")
    server.fault("result", "timeout")
    done = manager.wait(job.id)
    assert (done.counts, done.tv_distance) == ({5: 50}, 0.0)
    assert sleeps == [BASE, 2 * BASE, BASE]


def test_status_outage_leaves_the_job_untouched_until_it_recovers(ibm_net, server, manager):
    job = manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=8)
    server.fault("status", *["timeout"] * 4)
    with pytest.raises(ProviderError, match="after 4 attempts.*ReadTimeout"):
        manager.refresh(job.id)
    assert manager.store.get(job.id).state == "submitted"
    assert manager.refresh(job.id).state == "done"


def test_remote_failure_is_recorded_with_its_reason(ibm_net, server, manager):
    job = manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=8)
    data = server._load()
    data["jobs"][job.remote_id].update(status="ERROR", error="Error code 1517; circuit too deep")
    server._save(data)
    failed = manager.refresh(job.id)
    assert failed.state == "failed" and "1517" in failed.error


def test_cancel(ibm_net, server, manager):
    job = manager.submit(_basis_program(), "ibm", IBM_DEVICE, shots=8)
    server.set_status(job.remote_id, "QUEUED")
    assert manager.refresh(job.id).state == "submitted"
    assert manager.cancel(job.id).state == "cancelled"
    assert server.jobs()[job.remote_id]["status"] == "CANCELLED"
    with pytest.raises(JobStateError, match="already 'cancelled'"):
        manager.cancel(job.id)


# -- Braket ---------------------------------------------------------------------------------


def test_braket_throttling_is_retried_and_counts_are_in_our_order(braket_net, server, manager, sleeps):
    server.fault("submit", "429", "429")
    job = manager.submit(_basis_program(), "braket", SV1, shots=40)
    assert server.calls("submit") == 3 and sleeps == [BASE, 2 * BASE]
    assert server.jobs()[job.remote_id]["tags"] == [["qspectral-job", job.id]]
    assert manager.wait(job.id).counts == {5: 40}  # Braket's '1010'-style strings, read back as 5


def test_braket_lost_response_is_not_resent_blindly(braket_net, server, manager, sleeps):
    server.fault("submit", "reset_after_accept")
    with pytest.raises(SubmitUncertainError, match="tagged qspectral-job=.*qspectral jobs resubmit"):
        manager.submit(_basis_program(), "braket", SV1, shots=8)
    (job,) = manager.store.list()
    assert job.state == "needs_resubmit" and server.calls("submit") == 1 and sleeps == []
    again = manager.resubmit(job.id)  # explicit, so a second task is expected
    assert again.state == "submitted" and again.attempts == 2 and len(server.jobs()) == 2
    assert manager.wait(job.id).counts == {5: 8}
    assert "resubmit requested" in [detail for _, _, detail in manager.store.events(job.id)]


def test_braket_rejected_credentials(braket_net, server, manager):
    server.fault("connect", "401")
    with pytest.raises(CredentialsError, match="UnrecognizedClientException.*AWS_ACCESS_KEY_ID"):
        manager.submit(_basis_program(), "braket", SV1, shots=8)
    assert manager.store.list()[0].state == "failed" and server.calls("connect") == 1


# -- crashes and sync -----------------------------------------------------------------------

_CRASH = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    import netfakes
    from qspectral.cloud import JobManager, SamplingProgram, qft_roundtrip
    provider, server = sys.argv[1], netfakes.Server(sys.argv[2])
    netfakes.install_ibm(setattr, server)
    netfakes.install_braket(setattr, server)
    program = SamplingProgram.from_circuit(qft_roundtrip(3, 5))
    manager = JobManager()
    if provider == "ibm":  # first an in-process job whose result this process never reads
        manager.submit(program, "local", shots=32)
    backend = {"ibm": "ibm_brisbane", "braket": "arn:aws:braket:::device/quantum-simulator/amazon/sv1"}[provider]
    server.fault("submit", "crash_after_accept")
    manager.submit(program, provider, backend, shots=32)  # the process dies in here
    """
)


@pytest.mark.slow
def test_crash_between_created_and_submitted_then_sync(home, tmp_path, monkeypatch):
    pytest.importorskip("qiskit_ibm_runtime", reason="the [cloud] extra is not installed")
    pytest.importorskip("braket.aws", reason="the [cloud] extra is not installed")
    import netfakes

    monkeypatch.setenv("QISKIT_IBM_TOKEN", "token-for-tests")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFORTESTS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-key-for-tests")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    servers = {p: netfakes.Server(tmp_path / f"{p}.json") for p in ("ibm", "braket")}
    here = str(Path(__file__).parent)
    procs = {
        p: subprocess.Popen([sys.executable, "-c", _CRASH, p, str(s.path), here], stderr=subprocess.PIPE, text=True)
        for p, s in servers.items()
    }
    for proc in procs.values():
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 17, err

    store = JobStore()
    rows = {j.provider: j for j in store.list()}
    assert rows["ibm"].state == rows["braket"].state == "created"  # crashed before recording the id
    assert rows["ibm"].remote_id is None and len(servers["ibm"].jobs()) == 1  # ... but IBM has the job
    assert rows["local"].state == "submitted"

    netfakes.install_ibm(monkeypatch.setattr, servers["ibm"])
    netfakes.install_braket(monkeypatch.setattr, servers["braket"])
    manager = JobManager(store, policy=RetryPolicy(attempts=2, base_delay=0))
    report = {job.provider: (job, what) for job, what in manager.sync()}
    (ibm_remote,) = servers["ibm"].jobs()
    assert report["ibm"][0].state == "done" and report["ibm"][0].remote_id == ibm_remote
    assert report["ibm"][1] == f"found at the provider as {ibm_remote}"
    assert report["ibm"][0].counts == {5: 32}
    assert report["braket"][0].state == "needs_resubmit" and "cannot be searched by tag" in report["braket"][0].error
    assert report["local"][0].state == "needs_resubmit" and "process that has ended" in report["local"][0].error
    assert len(servers["ibm"].jobs()) == 1 and len(servers["braket"].jobs()) == 1  # sync sent nothing

    for provider in ("braket", "local"):
        manager.resubmit(rows[provider].id)
        assert manager.wait(rows[provider].id).counts == {5: 32}
    assert manager.sync() == [] and store.integrity_check() == "ok"


def test_sync_leaves_a_submission_in_progress_alone(home):
    manager = JobManager()
    job = manager.store.create("ibm", IBM_DEVICE, "OPENQASM 3.0;", shots=1, num_bits=1)  # this process, alive
    ((seen, what),) = manager.sync()
    assert seen.state == "created" and what == f"being submitted by process {os.getpid()} on {job.host}"
