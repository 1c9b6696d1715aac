"""``qspectral bench integrations``: rows, table and files (speed targets live in the benchmark, not here)."""

import json

import numpy as np

from qspectral.sim.bench_integrations import TARGETS, format_table, run_integrations, write_outputs


def test_rows_agree_and_files_hold_every_row(tmp_path):
    rows = run_integrations(qubits=5, train_wires=3, batch=3, terms=6, repeats=2, seed=3)
    assert [r.runner for r in rows] == ["qspectral.engine", "lightning.qubit", "qspectral.engine", "default.qubit",
                                        "EngineEstimator", "aer EstimatorV2"]
    assert all(r.agrees for r in rows)
    for r in rows:
        assert len(r.seconds) == 2 and r.median_seconds == float(np.median(r.seconds))
    engine = {r.workload: r.median_seconds for r in rows if r.ratio == 1.0}
    for r in rows:
        assert np.isclose(r.ratio, r.median_seconds / engine[r.workload])
    table = format_table(rows)
    assert "nproc = " in table and "load average" in table and table.count(">=") == 3
    paths = write_outputs(rows, tmp_path)
    assert [p.name for p in paths] == ["bench_integrations.json", "bench_integrations.csv", "bench_integrations.png"]
    records = json.loads(paths[0].read_text())
    assert [(d["workload"], d["runner"], d["target"]) for d in records] == [
        (r.workload, r.runner, TARGETS[r.workload]) for r in rows]
    assert len(paths[1].read_text().strip().splitlines()) == len(rows) + 1
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
