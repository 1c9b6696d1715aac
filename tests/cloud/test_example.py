"""examples/submit_offline.py runs as a user would run it and its numbers agree with the job store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qspectral.cloud import JobStore

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "submit_offline.py"


@pytest.mark.slow
def test_submit_offline_example(tmp_path):
    pytest.importorskip("qiskit_ibm_runtime", reason="the [cloud] extra is not installed")
    pytest.importorskip("braket", reason="the [cloud] extra is not installed")
    store = tmp_path / "jobs.sqlite"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--input", "6", "--store", str(store)],
        cwd=tmp_path, env={**os.environ, "QSPECTRAL_HOME": str(tmp_path / "home")},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: on both backends the most frequent outcome is the input |6>" in result.stdout
    ids = re.findall(r"^(ibm/fake_sherbrooke|braket/local): job (\w+) \(remote id ", result.stdout, re.MULTILINE)
    tvs = [float(v) for v in re.findall(r"distance to ideal: ([0-9.]+) \(500 shots\)", result.stdout)]
    jobs = {j.id: j for j in JobStore(store).list()}
    assert [where for where, _ in ids] == ["ibm/fake_sherbrooke", "braket/local"]
    for (where, job_id), tv in zip(ids, tvs):
        job = jobs[job_id]
        assert f"{job.provider}/{job.backend}" == where and job.state == "done"
        assert max(job.counts, key=job.counts.get) == 6 and job.tv_distance == pytest.approx(tv, abs=1e-4)
    assert tvs[1] == 0.0 and 0.0 < tvs[0] < 0.4  # noiseless Braket simulator vs noisy fake device
    assert not (tmp_path / "home").exists()  # --store was honoured
