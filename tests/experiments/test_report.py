"""Running experiments and writing results/: metrics.json, figures, REPORT.md, the CLI commands."""

from __future__ import annotations

import json

import pytest
import torch

from qspectral.cli import main
from qspectral.errors import BackendUnavailableError, UnknownExperimentError
from qspectral.experiments.registry import Claim, experiment_names
from qspectral.experiments.report import (
    claims_table,
    format_effect,
    format_measured,
    metrics_document,
    run_experiment,
    write_report,
    write_run,
)

TINY_BIAS = dict(samples=16, frequencies=(1, 2), steps=4, records=3, repeats=1, grades=2, grade_widths=(6,),
                 fourier_features=4, quantum_depth=1, settings=("equal",), gradient_draws=2)
TINY_DEGREE = dict(num_layers=(1, 2), steps=3, restarts=1, depth=1)


@pytest.fixture(scope="module")
def runs():
    return [run_experiment("spectral-bias", progress=False, **TINY_BIAS),
            run_experiment("fourier-degree", progress=False, **TINY_DEGREE)]


def test_the_same_seed_writes_identical_metrics(runs, tmp_path):
    again = run_experiment("spectral-bias", progress=False, **TINY_BIAS)
    first = (write_run(runs[0], tmp_path / "a") / "metrics.json").read_text()
    second = (write_run(again, tmp_path / "b") / "metrics.json").read_text()
    assert first == second
    other_seed = run_experiment("spectral-bias", seed=5, progress=False, **TINY_BIAS)
    assert metrics_document(other_seed)["metrics"] != json.loads(first)["metrics"]


def test_metrics_json_holds_every_claim_as_an_object(runs, tmp_path):
    folder = write_run(runs[1], tmp_path)
    doc = json.loads((folder / "metrics.json").read_text())
    assert doc["experiment"] == "fourier-degree" and doc["mode"] == "quick" and doc["seed"] == 0
    assert doc["config"]["num_layers"] == [1, 2]
    for claim in doc["claims"]:
        assert set(claim) == {"text", "criterion", "measured", "holds", "kind", "source", "paper_value", "departures", "effect", "seeds", "indicative"}
        assert isinstance(claim["holds"], bool) and claim["kind"] == "paper"
        assert claim["indicative"] is True  # one restart: fewer than 10 seeds
    assert (folder / "mse_per_layers.png").stat().st_size > 0


def test_run_restores_the_thread_count(runs):
    before = torch.get_num_threads()
    run_experiment("fourier-degree", progress=False, **TINY_DEGREE)
    assert torch.get_num_threads() == before


def test_report_counts_paper_claims_and_checks_apart(runs, tmp_path):
    path = write_report(runs, tmp_path, compare_table="backend  qubits\nqiskit   12")
    text = path.read_text()
    claims = [c for r in runs for c in r.result.claims]
    papers = [c for c in claims if c.kind == "paper"]
    assert papers and all(c.kind in ("paper", "check") for c in claims)
    held = sum(c.holds for c in papers)
    assert f"paper claims: {held} of {len(papers)} reproduced ({len(papers)} indicative" in text
    assert text.index("## Findings") < text.index("## Claims and checks")
    header = "| experiment | paper claim | paper's number | setup | criterion | measured | effect (95% CI) | verdict | time |"
    assert header in text
    rows = [line for line in text.splitlines() if line.startswith(("| spectral-bias", "| fourier-degree"))]
    assert len(rows) == len(claims)
    assert all(row.rstrip(" |").endswith(" s") for row in rows)
    assert "qiskit   12" in text
    assert claims_table(runs) in text
    failing = [c for c in papers if not c.holds]
    for claim in failing:  # each failing paper claim says whether the paper's setup was followed
        line = next(row for row in text.splitlines() if row.startswith("- **" + claim.text))
        assert claim.setup_note() in line and "Not reproduced" in line


def test_findings_name_a_check_failure_as_a_defect(tmp_path):
    run = run_experiment("fourier-degree", progress=False, **TINY_DEGREE)
    bad = Claim("engine = numpy", "max error <= 1e-12", 1.0, False, kind="check")
    run.result.claims.append(bad)
    text = write_report([run], tmp_path).read_text()
    assert "checks: 0 of 1 pass" in text and "- engine = numpy: max error <= 1e-12" in text


def test_effect_is_printed_with_its_interval():
    effect = {"name": "gap", "mean": 0.25, "ci_low": -0.5, "ci_high": 1.0, "seeds": 12}
    assert format_effect(effect) == "gap: 0.25 [-0.5, 1] (12 seeds)"
    assert format_effect(None) == "n/a"


def test_format_measured():
    assert format_measured({"rho": 0.912345, "fits": [5, 6], "x": None}) == "rho: 0.9123, fits: [5, 6], x: n/a"


def test_unknown_experiment_and_device_are_refused():
    with pytest.raises(UnknownExperimentError, match="registered experiments"):
        run_experiment("nope")
    with pytest.raises(UnknownExperimentError, match="unknown device"):
        run_experiment("fourier-degree", device="tpu")
    if not torch.cuda.is_available():
        with pytest.raises(BackendUnavailableError, match="no CUDA GPU"):
            run_experiment("fourier-degree", device="cuda")


@pytest.mark.slow
def test_cli_reproduce_quick_writes_results(tmp_path, capsys):
    assert main(["reproduce", "fourier-degree", "--quick", "--seed", "2", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "| fourier-degree (quick) |" in out and "took" in out
    doc = json.loads((tmp_path / "fourier-degree" / "metrics.json").read_text())
    assert doc["seed"] == 2 and doc["mode"] == "quick" and doc["config"] == json.loads(json.dumps(_quick_config()))


def _quick_config():
    import dataclasses

    from qspectral.experiments.registry import get_experiment

    return dataclasses.asdict(get_experiment("fourier-degree").quick)


def test_cli_reproduce_unknown_name_exits_2(capsys):
    assert main(["reproduce", "nope", "--quick"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'nope'" in err and all(name in err for name in experiment_names())
