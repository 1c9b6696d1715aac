"""The report's worker pool: byte-identical metrics to a serial run, failures recorded, Ctrl-C, progress lines."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from qspectral.errors import InvalidParameterError
from qspectral.experiments.parallel import EXPECTED_SECONDS, default_jobs, longest_first, run_many
from qspectral.experiments.registry import experiment_names
from qspectral.experiments.report import write_report

TINY = {
    "spectral-bias": dict(samples=16, frequencies=(1, 2), steps=4, records=3, repeats=1, grades=2, grade_widths=(6,),
                          fourier_features=4, quantum_depth=1, settings=("equal",)),
    "fourier-degree": dict(num_layers=(1, 2), steps=3, restarts=1, depth=1),
}


def test_parallel_metrics_are_byte_identical_to_serial(tmp_path):
    serial_log, parallel_log = io.StringIO(), io.StringIO()
    serial, failed = run_many(TINY, out_dir=tmp_path / "serial", jobs=1, log=serial_log)
    assert failed == {}
    parallel, failed = run_many(TINY, out_dir=tmp_path / "parallel", jobs=2, log=parallel_log)
    assert failed == {}
    assert [r.experiment.name for r in parallel] == list(TINY)  # the given order, whatever finished first
    for name in TINY:
        serial_bytes = (tmp_path / "serial" / name / "metrics.json").read_bytes()
        assert serial_bytes == (tmp_path / "parallel" / name / "metrics.json").read_bytes()
        assert sorted(p.name for p in (tmp_path / "parallel" / name).glob("*.png"))
    for run in serial:  # and the runs handed back carry the same claims
        twin = next(r for r in parallel if r.experiment.name == run.experiment.name)
        assert [c.to_dict() for c in run.result.claims] == [c.to_dict() for c in twin.result.claims]
    for log, runs in ((serial_log, serial), (parallel_log, parallel)):  # a StringIO is no terminal: lines only
        lines = log.getvalue().splitlines()
        assert len(lines) == 2 * len(TINY)
        for run in runs:
            name, claims = run.experiment.name, run.result.claims
            assert f"start {name}" in lines
            done = next(line for line in lines if line.startswith(f"done  {name}: "))
            assert f"{sum(c.holds for c in claims)} of {len(claims)} claims held" in done
            assert done.endswith(" s") and lines.index(f"start {name}") < lines.index(done)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_experiment_is_recorded_and_the_others_finish(tmp_path, jobs):
    log = io.StringIO()
    broken = {"spectral-bias": {**TINY["spectral-bias"], "frequencies": (1,)}, "fourier-degree": TINY["fourier-degree"]}
    runs, failures = run_many(broken, out_dir=tmp_path, jobs=jobs, log=log)
    assert [r.experiment.name for r in runs] == ["fourier-degree"]
    assert list(failures) == ["spectral-bias"] and "InvalidModelError" in failures["spectral-bias"]
    assert (tmp_path / "fourier-degree" / "metrics.json").exists()
    assert not (tmp_path / "spectral-bias" / "metrics.json").exists()
    assert "done  spectral-bias: FAILED: qspectral.errors.InvalidModelError: frequencies" in log.getvalue()
    report = write_report(runs, tmp_path, failures=failures).read_text()
    assert "## Failed: spectral-bias" in report and "InvalidModelError" in report


def test_ctrl_c_stops_every_worker(tmp_path):
    """SIGINT to the parent: it exits at once and no worker lives on to write its results."""
    script = textwrap.dedent(f"""
        from qspectral.experiments.parallel import run_many
        if __name__ == "__main__":
            long = dict(samples=16, frequencies=(1, 2), steps=200000, records=3, repeats=1, grades=2,
                        grade_widths=(6,), settings=("equal",), models=("mlp",))
            run_many({{"spectral-bias": long, "fourier-degree": dict(num_layers=(1,), steps=200000, restarts=1)}},
                     out_dir={str(tmp_path)!r}, jobs=2)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    started = []
    while len(started) < 2:
        line = process.stderr.readline()
        assert line, "the pool exited before starting both experiments"
        started += [line] if line.startswith("start ") else []
    time.sleep(2)
    workers = _descendants(process.pid)  # the fork server and the two workers it forked
    assert len(workers) >= 3
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    rest = process.communicate(timeout=60)[1]
    assert time.monotonic() - sent < 30 and process.returncode != 0 and "KeyboardInterrupt" in rest
    deadline = time.monotonic() + 20
    while set(workers) & _live() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not set(workers) & _live()
    assert not list(tmp_path.glob("*/metrics.json"))


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live (not zombie) process, from /proc."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                found[int(entry)] = int(fields[1])
    return found


def _live() -> set[int]:
    return set(_parents())


def _descendants(pid: int) -> list[int]:
    parents, found, frontier = _parents(), [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def test_jobs_must_be_a_positive_count(tmp_path):
    with pytest.raises(InvalidParameterError, match="jobs must be a positive number"):
        run_many(TINY, out_dir=tmp_path, jobs=0)
    assert default_jobs() >= 1


def test_every_registered_experiment_has_an_expected_time():
    assert set(EXPECTED_SECONDS) == set(experiment_names())


def test_longest_first_starts_unknown_then_slowest():
    order = longest_first(["fourier-degree", "new-one", "spectral-bias"])
    assert order == ["new-one", "spectral-bias", "fourier-degree"]


def test_cli_report_refuses_zero_jobs_before_running_anything(tmp_path, capsys):
    from qspectral.cli import main

    assert main(["report", "--quick", "--jobs", "0", "--out", str(tmp_path)]) == 2
    assert "jobs must be a positive number of worker processes, got 0" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
