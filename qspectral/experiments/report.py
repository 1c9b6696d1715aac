"""Run registered experiments and write ``results/``: metrics, figures and the REPORT.md table.

Layout written under ``out_dir`` (default ``results``)::

    <name>/metrics.json   experiment, paper, mode, seed, device, config, claims, metrics
    <name>/*.png          the experiment's figures
    REPORT.md             Findings (each paper claim in plain words), then a table of paper
                          claims and one of checks, counted apart

In ``metrics.json`` every claim is an object with ``text``, ``criterion``, ``measured``,
``holds``, ``kind`` (``paper`` or ``check``), ``source``, ``paper_value``, ``departures``,
``effect`` (mean and confidence interval over seeds), ``seeds`` and ``indicative``. Wall time is
kept out of it (it is in REPORT.md), floats are rounded to 10 significant digits, and every run
is seeded and single-threaded, so the same seed on the same machine writes the same file.

Example:
    >>> import json, tempfile
    >>> run = run_experiment("fourier-degree", mode="quick", num_layers=(1,), steps=2, restarts=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     doc = json.loads((write_run(run, tmp) / "metrics.json").read_text())
    >>> doc["claims"][0]["kind"], doc["claims"][0]["holds"] in (True, False)
    ('paper', True)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from qspectral.errors import BackendUnavailableError, UnknownExperimentError
from qspectral.experiments.registry import (
    MIN_SEEDS,
    Claim,
    Experiment,
    ExperimentResult,
    get_experiment,
)
from qspectral.kernels.threads import torch_threads

DEVICES = ("cpu", "cuda")


@dataclass
class ExperimentRun:
    """One finished run: what ran (experiment, mode, seed, device, config), its result and time."""

    experiment: Experiment
    mode: str
    seed: int
    device: str
    config: Any
    result: ExperimentResult
    seconds: float


def default_progress() -> bool:
    """Progress bars by default only when stderr is a terminal."""
    return sys.stderr.isatty()


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise UnknownExperimentError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise BackendUnavailableError(
            "device 'cuda' was asked for but torch sees no CUDA GPU here; use --device cpu"
        )
    return device


@contextlib.contextmanager
def _reproducible() -> Iterator[None]:
    """One CPU thread (tiny models run faster, and reductions keep one order) and deterministic ops."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch_threads(1):
            yield
    finally:
        torch.use_deterministic_algorithms(deterministic)


def run_experiment(
    name: str,
    *,
    mode: str = "quick",
    seed: int | None = None,
    device: str = "cpu",
    progress: bool | None = None,
    **overrides: Any,
) -> ExperimentRun:
    """Run experiment ``name`` in ``mode`` (``quick``/``full``, fields replaced by ``overrides``).

    ``seed`` defaults to the experiment's own; ``progress`` to :func:`default_progress`.
    """
    experiment = get_experiment(name)
    config = experiment.config(mode, **overrides)
    check_device(device)
    seed = experiment.seed if seed is None else int(seed)
    progress = default_progress() if progress is None else progress
    with _reproducible():
        torch.manual_seed(seed)
        start = time.perf_counter()
        result = experiment.run(config, seed=seed, device=device, progress=progress)
        seconds = time.perf_counter() - start
    return ExperimentRun(experiment, mode, seed, device, config, result, seconds)


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(f"{float(value):.10g}")
    return value


def metrics_document(run: ExperimentRun) -> dict[str, Any]:
    """The content of ``metrics.json`` for a run (no wall time: it is reproducible)."""
    return _jsonable({
        "experiment": run.experiment.name,
        "paper": run.experiment.paper,
        "mode": run.mode,
        "seed": run.seed,
        "device": run.device,
        "config": run.config,
        "claims": [claim.to_dict() for claim in run.result.claims],
        "metrics": run.result.metrics,
    })


def write_run(run: ExperimentRun, out_dir: str | Path = "results") -> Path:
    """Write ``<out_dir>/<name>/metrics.json`` and the figures; return that directory."""
    folder = Path(out_dir) / run.experiment.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(metrics_document(run), indent=2) + "\n")
    run.experiment.plot(run.result, folder)
    return folder


def format_measured(value: Any) -> str:
    """A compact rendering of a measured value for tables.

    Example:
        >>> format_measured({"a": 0.123456, "b": [1, None]})
        'a: 0.1235, b: [1, n/a]'
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_measured(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_measured(v) for v in value) + "]"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_effect(effect: dict[str, Any] | None) -> str:
    """``name: mean [low, high] (n seeds)`` for a claim's measured effect, ``n/a`` without one.

    Example:
        >>> format_effect({"name": "gap", "mean": 0.5, "ci_low": 0.1, "ci_high": 0.9, "seeds": 10})
        'gap: 0.5 [0.1, 0.9] (10 seeds)'
    """
    if not effect:
        return "n/a"
    interval = ("" if effect.get("ci_low") is None
                else f" [{format_measured(effect['ci_low'])}, {format_measured(effect['ci_high'])}]")
    name = f"{effect['name']}: " if effect.get("name") else ""
    seeds = effect.get("seeds")
    return f"{name}{format_measured(effect['mean'])}{interval}" + ("" if seeds is None else f" ({seeds} seeds)")


def verdict(claim: Claim) -> str:
    """``reproduced`` / ``not reproduced`` for a paper claim (``, indicative`` under 10 seeds), ``pass`` / ``FAIL``."""
    if claim.kind == "check":
        return "pass" if claim.holds else "FAIL"
    text = "reproduced" if claim.holds else "not reproduced"
    if claim.indicative:
        text += f" (indicative: {claim.seeds if claim.seeds is not None else 'unknown'} seeds < {MIN_SEEDS})"
    return text


def _claim_rows(runs: Sequence[ExperimentRun], kind: str) -> list[tuple[ExperimentRun, Claim]]:
    return [(run, claim) for run in runs for claim in run.result.claims if claim.kind == kind]


def claims_table(runs: Sequence[ExperimentRun]) -> str:
    """Markdown tables of ``runs``: the paper claims, then the checks of our implementation."""
    lines = [
        "| experiment | paper claim | paper's number | setup | criterion | measured | effect (95% CI) | verdict "
        "| time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run, claim in _claim_rows(runs, "paper"):
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"{run.experiment.name} ({run.mode})", f"{claim.text} ({claim.source})", claim.paper_value or "n/a",
            claim.setup_note(), claim.criterion, format_measured(_jsonable(claim.measured)),
            format_effect(_jsonable(claim.effect)), verdict(claim), f"{run.seconds:.1f} s",
        )) + " |")
    lines += ["", "| experiment | check | criterion | measured | verdict | time |", "|---|---|---|---|---|---|"]
    for run, claim in _claim_rows(runs, "check"):
        lines.append("| " + " | ".join(_cell(c) for c in (
            f"{run.experiment.name} ({run.mode})", claim.text, claim.criterion,
            format_measured(_jsonable(claim.measured)), verdict(claim), f"{run.seconds:.1f} s",
        )) + " |")
    return "\n".join(lines)


def count_line(runs: Sequence[ExperimentRun]) -> str:
    """``paper claims: X of Y reproduced (...); checks: ...``, the two kinds counted apart."""
    papers = [c for _, c in _claim_rows(runs, "paper")]
    checks = [c for _, c in _claim_rows(runs, "check")]
    held = sum(c.holds for c in papers)
    indicative = sum(c.indicative for c in papers)
    passed = sum(c.holds for c in checks)
    line = f"paper claims: {held} of {len(papers)} reproduced"
    if indicative:
        line += f" ({indicative} indicative: fewer than {MIN_SEEDS} seeds)"
    line += "; checks: " + ("all pass" if passed == len(checks) else f"{passed} of {len(checks)} pass")
    return line + (f" ({len(checks)})" if passed == len(checks) else "")


def findings(runs: Sequence[ExperimentRun], out_dir: str | Path) -> str:
    """The Findings section: each paper claim in plain words, reproduced or not and why, with its figures."""
    out = Path(out_dir)
    lines = ["## Findings", "", count_line(runs) + ".", ""]
    for title, wanted in (("Reproduced", True), ("Did not reproduce", False)):
        rows = [(r, c) for r, c in _claim_rows(runs, "paper") if bool(c.holds) == wanted]
        if not rows:
            continue
        lines += [f"### {title}", ""]
        for run, claim in rows:
            figures = sorted((out / run.experiment.name).glob("*.png"))
            links = ", ".join(f"[{f.name}]({run.experiment.name}/{f.name})" for f in figures) or "none"
            paper = f"; paper: {claim.paper_value}" if claim.paper_value else ""
            lines.append(
                f"- **{claim.text}** ({claim.source}{paper}). Measured {format_effect(_jsonable(claim.effect))}; "
                f"criterion: {claim.criterion}. {verdict(claim).capitalize()}; {claim.setup_note()}. "
                f"Figures: {links}."
            )
        lines.append("")
    failed = [c for _, c in _claim_rows(runs, "check") if not c.holds]
    if failed:
        lines += ["### Failed checks (an implementation defect, not a finding)", ""]
        lines += [f"- {c.text}: {c.criterion}" for c in failed] + [""]
    return "\n".join(lines)


def write_report(
    runs: Sequence[ExperimentRun],
    out_dir: str | Path = "results",
    *,
    compare_table: str | None = None,
    failures: Mapping[str, str] | None = None,
) -> Path:
    """Write ``<out_dir>/REPORT.md``: Findings, the claim tables, the comparison and failures if given.

    ``failures`` maps an experiment that raised to its traceback; each gets its own section.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        "# qspectral report",
        "",
        findings(runs, out),
        "## Claims and checks",
        "",
        "Paper claims reproduce a published statement; checks test our implementation against a closed form "
        "or another simulator and are not counted as reproductions. Each experiment's details: "
        "`<name>/metrics.json` and its figures.",
        "",
        claims_table(runs),
        "",
    ]
    if compare_table is not None:
        parts += ["## Simulators: QFT of a seeded random 12-qubit state against numpy.fft", "",
                  "```text", compare_table, "```", ""]
    for name, error in (failures or {}).items():
        parts += [f"## Failed: {name}", "", "It raised before its claims were measured:", "", "```text",
                  error.rstrip(), "```", ""]
    path = out / "REPORT.md"
    path.write_text("\n".join(parts))
    return path
