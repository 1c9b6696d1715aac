"""A sentinel token must never appear in output, logs, exceptions, the job store or result files."""

from __future__ import annotations

import logging
import traceback

import pytest

from qspectral.cli import main
from qspectral.cloud import JobManager, SamplingProgram, qft_roundtrip
from qspectral.errors import CredentialsError

SENTINEL = "qsk-SENTINEL-7f3a9c2e51d04b"
AWS_SENTINEL = "aws-SENTINEL-wJalrXUtnFEMI"


def test_sentinel_token_never_leaks(ibm_net, braket_net, server, home, tmp_path, monkeypatch, capsys, caplog):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", SENTINEL)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SENTINEL)
    caplog.set_level(logging.DEBUG)
    out_file = tmp_path / "result.json"
    ibm = ["--provider", "ibm", "--backend", "ibm_brisbane"]

    server.fault("submit", "429")  # a retry is logged
    server.fault("status", "503")
    assert main(["submit", "qft", "--qubits", "3", *ibm, "--shots", "50", "--wait"]) == 0
    job_id = capsys.readouterr().out.splitlines()[0]
    assert ibm_net.last_token == SENTINEL  # the token did reach the (fake) service
    assert main(["jobs", "status", job_id]) == 0
    assert main(["jobs", "fetch", job_id, "--compare", "--out", str(out_file)]) == 0
    assert main(["jobs", "list"]) == 0
    assert main(["submit", "qft", "--qubits", "2", "--provider", "braket", "--backend",
                 "arn:aws:braket:::device/quantum-simulator/amazon/sv1", "--wait"]) == 0

    server.fault("connect", "401")  # the fake server echoes the token in its 401 message
    assert main(["submit", "qft", "--qubits", "3", *ibm]) == 2
    assert server.calls("connect") == 3
    assert main(["jobs", "sync"]) == 0
    server.fault("connect", "401")
    with pytest.raises(CredentialsError) as info:
        JobManager().submit(SamplingProgram.from_circuit(qft_roundtrip(2, 1)), "ibm", "ibm_brisbane", shots=10)

    captured = capsys.readouterr()
    texts = {
        "stdout": captured.out,
        "stderr": captured.err,
        "logs": caplog.text + "\n".join(r.getMessage() for r in caplog.records),
        "exception": "".join(traceback.format_exception(info.value)) + repr(info.value),
        "result file": out_file.read_text(),
    }
    assert "HTTP 401" in texts["stderr"] and "***" in texts["stderr"]  # the echo arrived, redacted
    assert "retrying" in texts["logs"]
    for where, text in texts.items():
        assert SENTINEL not in text and AWS_SENTINEL not in text, where
    stored = list(home.rglob("*"))
    assert any(p.name == "jobs.sqlite" for p in stored)
    for path in stored:
        if path.is_file():
            data = path.read_bytes()
            assert SENTINEL.encode() not in data and AWS_SENTINEL.encode() not in data, path
