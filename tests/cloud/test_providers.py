"""Every provider returns counts in qspectral's bit order; names and credentials are checked early."""

from __future__ import annotations

import importlib.util
import time

import pytest
from qiskit import QuantumCircuit

from qspectral.cloud.program import SamplingProgram, qft_roundtrip
from qspectral.cloud.providers import PROVIDERS, get_provider
from qspectral.errors import (
    BackendUnavailableError,
    CredentialsError,
    InvalidJobError,
    JobLostError,
    JobStateError,
    UnknownBackendError,
)


needs_ibm = pytest.mark.skipif(
    importlib.util.find_spec("qiskit_ibm_runtime") is None,
    reason="qiskit-ibm-runtime (the [cloud] extra) is not installed",
)
needs_braket = pytest.mark.skipif(
    importlib.util.find_spec("braket") is None,
    reason="amazon-braket-sdk (the [cloud] extra) is not installed",
)

OFFLINE = [
    pytest.param("local", "aer", id="local-aer"),
    pytest.param("ibm", "fake_manila", id="ibm-fake_manila", marks=needs_ibm),
    pytest.param("ibm", "fake_sherbrooke", id="ibm-fake_sherbrooke", marks=needs_ibm),
    pytest.param("braket", "local", id="braket-local", marks=needs_braket),
]


def _run(provider, backend, circuit, shots):
    p = get_provider(provider, backend)
    program = SamplingProgram.from_circuit(circuit)
    p.check(program)
    job = p.submit(program, shots, tag="test")
    while p.status(job) not in ("done", "failed"):
        time.sleep(0.05)
    assert p.status(job) == "done"
    return p.result(job, program)


@pytest.mark.parametrize("provider, backend", OFFLINE)
def test_basis_state_comes_back_in_our_bit_order(provider, backend):
    """X on qubits {0, 2} of 4 is outcome 0b0101 = 5 (reading it reversed would give 10)."""
    qc = QuantumCircuit(4)
    qc.x([0, 2])
    counts = _run(provider, backend, qc, 400)
    assert sum(counts.values()) == 400
    assert max(counts, key=counts.get) == 5
    noiseless = provider != "ibm"
    assert counts[5] == 400 if noiseless else counts[5] > 0.6 * 400  # fake devices have ~10% read-out error


@pytest.mark.parametrize("provider, backend", [p for p in OFFLINE if "sherbrooke" not in p.id])
def test_explicit_readout_order_is_respected(provider, backend):
    """Qubit 2 (set) read into bit 0, qubit 0 (clear) into bit 1, qubit 1 (set) into bit 2: 0b101."""
    qc = QuantumCircuit(3, 3)
    qc.x([1, 2])
    qc.measure([2, 0, 1], [0, 1, 2])
    counts = _run(provider, backend, qc, 200)
    assert max(counts, key=counts.get) == 0b101


@pytest.mark.parametrize("provider, backend", [p for p in OFFLINE if "manila" not in p.id])
def test_qft_roundtrip_returns_the_input_state(provider, backend):
    counts = _run(provider, backend, qft_roundtrip(3, 6), 1000)
    assert max(counts, key=counts.get) == 6
    assert counts[6] > (0.999 if provider != "ibm" else 0.6) * 1000


def test_unknown_names():
    with pytest.raises(UnknownBackendError, match="choose one of local, ibm, braket"):
        get_provider("rigetti")
    with pytest.raises(UnknownBackendError, match="one backend, 'aer'"):
        get_provider("local", "fake_sherbrooke")


@needs_ibm
def test_unknown_fake_backend_and_too_many_qubits():
    with pytest.raises(UnknownBackendError, match="no fake IBM backend named 'fake_nowhere'"):
        get_provider("ibm", "fake_nowhere")
    with pytest.raises(InvalidJobError, match="6 qubits but fake_manila has 5"):
        get_provider("ibm", "fake_manila").check(SamplingProgram.from_circuit(QuantumCircuit(6)))


@needs_braket
def test_unknown_braket_backend():
    with pytest.raises(UnknownBackendError, match="device ARN"):
        get_provider("braket", "sv1")


def test_defaults_are_offline():
    assert {name: default for name, (_, default) in PROVIDERS.items()} == {
        "local": "aer", "ibm": "fake_sherbrooke", "braket": "local"}


@needs_ibm
def test_missing_ibm_token_names_the_variable(home, tmp_path, monkeypatch):
    from qiskit_ibm_runtime.accounts import management

    monkeypatch.setattr(management, "_DEFAULT_ACCOUNT_CONFIG_JSON_FILE", str(tmp_path / "no-account.json"))
    provider = get_provider("ibm", "ibm_brisbane")
    with pytest.raises(CredentialsError, match="QISKIT_IBM_TOKEN is not set.*--backend fake_sherbrooke"):
        provider.check(SamplingProgram.from_circuit(QuantumCircuit(1)))


@needs_braket
def test_missing_aws_credentials_name_the_variables(home):
    provider = get_provider("braket", "arn:aws:braket:::device/quantum-simulator/amazon/sv1")
    with pytest.raises(CredentialsError, match="AWS_ACCESS_KEY_ID.*--backend local"):
        provider.check(SamplingProgram.from_circuit(QuantumCircuit(1)))


def test_in_process_job_of_another_process_is_lost():
    provider = get_provider("local")
    with pytest.raises(JobLostError, match="resubmit"):
        provider.status("job-from-a-dead-process")
    with pytest.raises(JobStateError, match="nothing to cancel"):
        provider.cancel("any")


@pytest.mark.parametrize("name, module", [("ibm", "qiskit_ibm_runtime"), ("braket", "braket")])
def test_missing_extra_says_how_to_install_it(monkeypatch, name, module):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda m, *a: None if m == module else real(m, *a))
    with pytest.raises(BackendUnavailableError, match=f"needs the Python package '{module}'.*qspectral\\[cloud\\]"):
        get_provider(name)
