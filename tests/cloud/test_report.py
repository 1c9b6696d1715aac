"""Job views: result JSON bit order, progress display on terminals and in logs, tables."""

from __future__ import annotations

import io

import pytest

from qspectral.cloud.jobs import JobStore
from qspectral.cloud.report import ProgressPrinter, job_details, jobs_table, result_json


@pytest.fixture
def job_store(tmp_path) -> JobStore:
    return JobStore(tmp_path / "jobs.sqlite")


def _job(store, state="done", counts=None):
    arn = "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"
    job = store.create("braket", arn, "OPENQASM 3.0;", shots=8, num_bits=3)
    job = store.transition(job.id, "submitted", remote_id="arn:task")
    return store.transition(job.id, state, counts=counts) if state != "submitted" else job


def test_result_json_writes_bitstrings_with_bit_zero_rightmost(job_store):
    data = result_json(_job(job_store, counts={1: 5, 6: 3}))
    assert data["counts"] == {"1": 5, "6": 3} and data["counts_by_bitstring"] == {"001": 5, "110": 3} and data["remote_id"] == "arn:task"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_log_prints_each_state_once(job_store):
    stream = io.StringIO()
    show = ProgressPrinter(stream)
    job = _job(job_store, "submitted")
    show(job, 0.1)
    show(job, 0.5)
    show(job_store.transition(job.id, "done", counts={0: 8}), 1.0)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "submitted" in lines[0] and "done" in lines[1] and "1.0 s" in lines[1]


def test_progress_on_a_terminal_rewrites_one_line(job_store):
    stream = _Terminal()
    show = ProgressPrinter(stream)
    job = _job(job_store, "submitted")
    show(job, 0.1)
    show(job, 0.5)
    show(job_store.transition(job.id, "done", counts={0: 8}), 1.0)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("s\n") and text.count("\n") == 1


def test_tables(job_store):
    assert "no jobs yet" in jobs_table([])
    job = job_store.transition(_job(job_store, "submitted").id, "failed", error="device offline")
    row = jobs_table([job]).splitlines()[1]
    assert row.startswith(job.id) and "braket/arn:a...u/ionq/Aria-1" in row and "failed" in row
    details = job_details(job, job_store.events(job.id))
    assert "error      device offline" in details and details.count("\n  ") == 3  # three history lines
