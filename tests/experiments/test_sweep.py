"""Sweeps: serial vs Dask LocalCluster give identical files; a killed worker or a killed run is recovered."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qspectral.cli import main
from qspectral.errors import InvalidParameterError, UnknownExperimentError
from qspectral.experiments.report import metrics_document, run_experiment
from qspectral.experiments.sweep import make_tasks, parse_sweep, run_sweep, summarize, write_atomic, write_sweep

SEEDS = list(range(6))
TINY = {"num_layers": (1,)}  # fourier-degree quick with one model: about a second per task


def _tasks(seeds=SEEDS):
    return make_tasks(["fourier-degree"], seeds, mode="quick", **TINY)


def _files(out: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((out / "fourier-degree" / "seeds").glob("seed_*.json"))}


def _figures(out: Path) -> dict[str, int]:
    """Size of every per-seed figure, by 'seed_<s>/<file>'; each must be a PNG."""
    seeds = out / "fourier-degree" / "seeds"
    found = {str(p.relative_to(seeds)): p.read_bytes() for p in sorted(seeds.glob("seed_*/*"))}
    assert all(data.startswith(b"\x89PNG\r\n\x1a\n") for data in found.values())
    return {name: len(data) for name, data in found.items()}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    result = run_sweep(_tasks(), out)
    return out, result


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_parse_sweep():
    assert parse_sweep("seeds=0:4") == [0, 1, 2, 3, 4]  # both ends included, as --qubits 10:16:2
    assert parse_sweep("seeds=3,1,7") == [3, 1, 7]


@pytest.mark.parametrize("spec", ["seed=0:3", "seeds=", "seeds=a:b", "seeds=3:2", "seeds=1,1", "seeds=-1,2"])
def test_parse_sweep_refuses_bad_specs(spec):
    with pytest.raises(InvalidParameterError, match="seeds="):
        parse_sweep(spec)


def test_bad_tasks_are_refused_before_any_work():
    with pytest.raises(UnknownExperimentError, match="registered experiments"):
        make_tasks(["no-such-experiment"], [0])
    with pytest.raises(UnknownExperimentError, match="no config field"):
        make_tasks(["fourier-degree"], [0], mode="quick", no_such_field=1)
    with pytest.raises(InvalidParameterError, match="workers must be at least 1"):
        run_sweep(_tasks([0]), "unused", workers=0)


@pytest.mark.slow
def test_serial_sweep_writes_the_single_run_document_and_figures(serial, tmp_path):
    out, result = serial
    assert result.executor == "serial" and len(result.ran) == 6 and not result.skipped
    run = run_experiment("fourier-degree", mode="quick", seed=4, progress=False, **TINY)
    assert json.loads(_files(out)["seed_4.json"]) == metrics_document(run)
    drawn = [p.name for p in run.experiment.plot(run.result, tmp_path)]  # what a single run draws
    assert sorted(_figures(out)) == sorted(f"seed_{s}/{name}" for s in SEEDS for name in drawn)
    assert not list((out / "fourier-degree" / "seeds").glob(".*"))  # no temporary files left


@pytest.mark.slow
def test_local_cluster_matches_serial(serial, client, tmp_path):
    streamed = []
    result = run_sweep(_tasks(), tmp_path, client=client, on_done=lambda t, i, n: streamed.append((t.seed, i, n)))
    assert result.executor.startswith("dask")
    assert _files(tmp_path) == _files(serial[0])
    assert _figures(tmp_path) == _figures(serial[0])
    assert sorted(s for s, _, _ in streamed) == SEEDS and [i for _, i, _ in streamed] == list(range(1, 7))


@pytest.mark.slow
def test_killed_worker_still_gives_identical_results(serial, client, tmp_path):
    pids = client.run(os.getpid)
    killed = []

    def kill_once(task, finished, total):
        busy = [address for address, keys in client.processing().items() if keys]
        if not killed and busy:  # one kill: a worker of this test's own LocalCluster that is running a task
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(pids[busy[0]])

    result = run_sweep(_tasks(), tmp_path, client=client, on_done=kill_once)
    assert len(killed) == 1 and killed[0] not in client.run(os.getpid).values()
    assert len(result.documents) == 6
    assert _files(tmp_path) == _files(serial[0])


@pytest.mark.slow
def test_killed_run_resumes_only_the_missing_tasks(serial, tmp_path):
    script = (
        "import sys\n"
        "from qspectral.experiments.sweep import make_tasks, run_sweep\n"
        f"run_sweep(make_tasks(['fourier-degree'], {SEEDS}, mode='quick', num_layers=(1,)), sys.argv[1])\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)])
    seeds = tmp_path / "fourier-degree" / "seeds"
    deadline = time.monotonic() + 120
    while len(list(seeds.glob("seed_*.json"))) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    present = set(_files(tmp_path))
    assert 0 < len(present) < len(SEEDS), "the run should have been killed mid-sweep"

    result = run_sweep(_tasks(), tmp_path, resume=True)
    assert len(result.ran) == len(SEEDS) - len(present)
    assert {f"seed_{t.seed}.json" for t in result.ran} == {f"seed_{s}.json" for s in SEEDS} - present
    assert len(result.skipped) == len(present)
    assert _files(tmp_path) == _files(serial[0])

    (seeds / "seed_2.json").write_text('{"experiment": "fourier-de')  # a torn file (not written by us)
    again = run_sweep(_tasks(), tmp_path, resume=True)
    assert [t.seed for t in again.ran] == [2]
    assert _files(tmp_path) == _files(serial[0])


def test_without_dask_the_cli_runs_serially_and_says_how_to_install(monkeypatch, tmp_path, capsys):
    import qspectral.experiments.fourier_degree as module

    tiny = dataclasses.replace(module.EXPERIMENT, quick=module.EXPERIMENT.config("quick", **TINY))
    monkeypatch.setattr(module, "EXPERIMENT", tiny)
    monkeypatch.setitem(sys.modules, "dask", None)  # import dask -> ImportError, as when not installed
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    argv = ["reproduce", "fourier-degree", "--quick", "--sweep", "seeds=0:1", "--workers", "2", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert 'pip install "qspectral[distributed]"' in out and "(serial)" in out
    assert sorted(_files(tmp_path)) == ["seed_0.json", "seed_1.json"]
    report = (tmp_path / "REPORT.md").read_text()
    assert "fourier-degree (quick)" in report and "| 0,1 |" in report


def test_cli_refuses_a_bad_sweep(capsys):
    assert main(["reproduce", "fourier-degree", "--quick", "--sweep", "seed=0:2"]) == 2
    assert "seeds=START:STOP" in capsys.readouterr().err


def test_summary_and_report_give_mean_and_sample_std(tmp_path):
    docs = [{"experiment": "x", "mode": "quick", "seed": s, "config": {}, "metrics": {"m": {"a": v}, "ok": True},
             "claims": [{"text": "t", "criterion": "c", "measured": v, "holds": v < 3}]} for s, v in [(0, 1.0), (1, 3.0)]]
    assert summarize(docs) == {"m.a": {"mean": 2.0, "std": 2**0.5, "n": 2}}
    result = type("R", (), {"documents": {type("T", (), {"name": "x"})(): d for d in docs}})()
    report = write_sweep(result, tmp_path).read_text()
    assert "| 2 ± 1.4 | 1/2 | 0,1 |" in report
    sweep = json.loads((tmp_path / "x" / "sweep.json").read_text())
    assert sweep["claims"][0]["measured"] == [1.0, 3.0] and sweep["claims"][0]["holds"] == 1


def test_write_atomic_replaces_whole_files(tmp_path):
    path = tmp_path / "a" / "f.json"
    write_atomic(path, "one")
    write_atomic(path, "two")
    assert path.read_text() == "two" and [p.name for p in path.parent.iterdir()] == ["f.json"]
