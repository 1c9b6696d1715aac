"""Fixtures of the cloud tests: an isolated job-store home, and the fake network of netfakes.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from qspectral.cloud.redact import SECRET_ENV_VARS  # noqa: E402

FAST = 0.001  # seconds: the retry base delay in CLI tests


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """QSPECTRAL_HOME in a temporary folder, no credentials in the environment, tiny backoff."""
    path = tmp_path / "qspectral-home"
    monkeypatch.setenv("QSPECTRAL_HOME", str(path))
    monkeypatch.setenv("QSPECTRAL_RETRY_BASE", str(FAST))
    for name in (*SECRET_ENV_VARS, "QISKIT_IBM_INSTANCE", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return path


@pytest.fixture
def server(tmp_path):
    import netfakes

    return netfakes.Server(tmp_path / "server.json")


@pytest.fixture
def ibm_net(home, server, monkeypatch):
    """IBM Quantum's network side replaced by netfakes; QISKIT_IBM_TOKEN set. Returns the service class."""
    pytest.importorskip("qiskit_ibm_runtime", reason="the [cloud] extra is not installed")
    import netfakes

    monkeypatch.setenv("QISKIT_IBM_TOKEN", "token-for-tests")
    return netfakes.install_ibm(monkeypatch.setattr, server)


@pytest.fixture
def braket_net(home, server, monkeypatch):
    """Amazon Braket's network side replaced by netfakes; dummy AWS keys in the environment."""
    pytest.importorskip("braket.aws", reason="the [cloud] extra is not installed")
    import netfakes

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFORTESTS")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-key-for-tests")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    netfakes.install_braket(monkeypatch.setattr, server)
