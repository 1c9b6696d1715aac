"""The Markdown table of a check's record (``gpu-check.md``); rendered from the JSON document alone.

Example:
    >>> text = render({"title": "t", "phases": {"race": {"status": "ok", "seconds": 1.0}},
    ...                "race": [{"workload": "qft", "dtype": "complex64", "n": 4, "contender": "engine",
    ...                          "status": "ok", "median_s": 0.002, "engine_speedup": 1.0, "rel_err": 1e-8}]})
    >>> "| 4 | engine | 2.000 ms | 1.00x | 1e-08 | ok |" in text
    True
"""

from __future__ import annotations

from typing import Any


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1e3:.3f} ms" if value < 1 else f"{value:.2f} s"


def _number(value: Any, fmt: str = ".3g") -> str:
    return "-" if value is None else format(value, fmt)


def _times(value: float | None) -> str:
    if not value:
        return "-"
    return f"{value:.0f}x" if value >= 100 else f"{value:.1f}x" if value >= 10 else f"{value:.2f}x"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _machine(env: dict[str, Any]) -> list[str]:
    gpu = env.get("gpu", {})
    versions = env.get("versions", {})
    cupy = versions.get("cupy-cuda13x") or versions.get("cupy-cuda12x") or "-"
    return [
        "| device | GPU | driver | GPU memory | torch | CUDA (torch) | CuPy | qibo / qibojit | CPU cores | Python |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {env.get('device', '-')} | {gpu.get('name', gpu.get('torch_name', '-'))} | {gpu.get('driver', '-')} | "
        f"{gpu.get('memory', '-')} | {versions.get('torch', '-')} | {env.get('torch_cuda') or '-'} | {cupy} | "
        f"{versions.get('qibo', '-')} / {versions.get('qibojit', '-')} | {env.get('cpu_cores', '-')} | "
        f"{env.get('python', '-')} |",
    ]


def render(data: dict[str, Any]) -> str:
    """The whole Markdown document."""
    lines = [f"# {data.get('title', 'qspectral GPU check')}", ""]
    lines.append(f"Started {data.get('started', '-')}, finished {data.get('finished') or '(not finished: partial table)'}"
                 f"; deadline {data.get('deadline_s', '-')} s, elapsed {_number(data.get('elapsed_s'), '.0f')} s.")
    lines.append("")
    if data.get("environment"):
        lines += ["## Machine", "", *_machine(data["environment"]), ""]
    if data.get("install"):
        install = data["install"]
        lines += [f"Wheels: {'installed into ' + install['site'] if install.get('installed') else install.get('why')}."]
        for problem in data.get("requirement_problems", []):
            lines.append(f"- requirement not met on this machine: {problem}")
        lines.append("")
    lines += ["## Phases", "", "| phase | status | seconds | note |", "|---|---|---|---|"]
    for name, phase in data.get("phases", {}).items():
        lines.append(f"| {name} | {phase.get('status', '-')} | {_number(phase.get('seconds'), '.1f')} | "
                     f"{_cell(phase.get('error') or phase.get('note') or '')} |")
    lines.append("")
    if data.get("targets"):
        lines += ["## Targets (issue #18)", "", "| target | measured | met |", "|---|---|---|"]
        for t in data["targets"]:
            met = "not measured" if t["met"] is None else ("yes" if t["met"] else "NO")
            if data.get("mode") == "smoke":
                met += " (smoke run: tiny sizes on a CPU, not the target's conditions)"
            lines.append(f"| {t['target']} | {_number(t['value'], '.2f')} | {met} |")
        lines.append("")
    if data.get("pytest"):
        p = data["pytest"]
        lines += ["## Tests", "",
                  f"pytest `{_cell(p.get('selection', ''))}`: {p.get('passed', '-')} passed, {p.get('failed', '-')} failed, "
                  f"{p.get('errors', '-')} errors, {p.get('skipped', '-')} skipped (rc {p.get('rc')}"
                  f"{', timed out' if p.get('timed_out') else ''}, {p.get('seconds', '-')} s)."]
        for f in p.get("failures", []):
            lines.append(f"- {f['kind']}: `{f['test']}`: {_cell(f['message'][:200])}")
        lines.append("")
    if data.get("properties"):
        lines += ["Engine properties on the device (against numpy's FFT, Qiskit's Statevector, finite differences):", "",
                  "| property | dtype | passed | failed | worst error |", "|---|---|---|---|---|"]
        for r in data["properties"]:
            lines.append(f"| {r['property']} | {r['dtype']} | {r['passed']} | {r['failed']} | {_number(r['worst'], '.1e')} |")
        lines.append("")
    if data.get("race"):
        lines += ["## Race", "",
                  "Median wall time of one run (warm, synchronised); *engine speed-up* = contender time / engine time; "
                  "*rel err* = ||out - ref|| / ||ref|| against the task's reference (see the note).", ""]
        contenders = data.get("contenders", {})
        missing = {k: v for k, v in contenders.items() if v}
        for name, why in missing.items():
            lines.append(f"- {name} did not run: {_cell(why)}")
        if missing:
            lines.append("")
        groups: dict[tuple, list] = {}
        for row in data["race"]:
            groups.setdefault((row["workload"], row["dtype"]), []).append(row)
        for (workload, dtype), rows in groups.items():
            rows = sorted(rows, key=lambda r: r["n"])  # stable: contenders stay in their order
            lines += [f"### {workload}, {dtype}", "", "| n | contender | median | engine speed-up | rel err | status |",
                      "|---|---|---|---|---|---|"]
            for r in rows:
                status = r.get("status", "-")
                if r.get("error"):
                    status = f"error: {r['error']}"
                elif r.get("passed") is False:
                    status = "WRONG OUTPUT"
                if r.get("note"):
                    status += f" ({r['note']})"
                lines.append(f"| {r['n']} | {r['contender']} | {_seconds(r.get('median_s'))} | "
                             f"{_times(r.get('engine_speedup'))} | "
                             f"{_number(r.get('rel_err'), '.0e')} | {_cell(status)} |")
            lines.append("")
    for key, title in (("bench_cli", "`qspectral bench` (simulate() from host arrays, as the CLI times it)"),):
        if data.get(key):
            lines += [f"## {title}", "", "| workload | n | backend | median | ratio | max abs err | note |",
                      "|---|---|---|---|---|---|---|"]
            for r in data[key]:
                lines.append(f"| {r.get('workload')} | {r.get('num_qubits')} | {r.get('backend')} | "
                             f"{_seconds(r.get('median_seconds'))} | {_number(r.get('ratio'), '.2f')} | "
                             f"{_number(r.get('max_abs_error'), '.1e')} | {_cell(r.get('note', ''))} |")
            lines.append("")
    if data.get("train"):
        lines += ["## Training benchmark (`qspectral bench train`)", "",
                  "| benchmark | device | qspectral | reference | speed-up | max abs diff | passed |", "|---|---|---|---|---|---|---|"]
        for r in data["train"]:
            lines.append(f"| {r.get('name')} | {r.get('device')} | {_seconds(r.get('seconds'))} | "
                         f"{_seconds(r.get('reference_seconds'))} ({_cell(r.get('reference'))}) | "
                         f"{_number(r.get('speedup'), '.1f')}x | {_number(r.get('max_abs_diff'), '.1e')} | {r.get('passed')} |")
        lines.append("")
    if data.get("experiments"):
        lines += ["## Experiments", "", "| experiment | mode | status | seconds | claims held |", "|---|---|---|---|---|"]
        for r in data["experiments"]:
            claims = r.get("claims")
            held = f"{sum(c.get('holds', False) for c in claims)}/{len(claims)}" if claims else "-"
            lines.append(f"| {r['name']} | {r.get('mode', '-')} | {_cell(r.get('status', '-'))} | "
                         f"{_number(r.get('seconds'), '.1f')} | {held} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def summary(data: dict[str, Any], folder: Any) -> str:
    """The table without its long sections (the race rows): what a ``run`` reply's output tail can hold."""
    short = {k: v for k, v in data.items() if k not in ("race", "bench_cli")}
    rows = data.get("race", [])
    wrong = sum(1 for r in rows if r.get("passed") is False)
    errors = sum(1 for r in rows if r.get("status") == "error")
    return (render(short) + f"Race: {len(rows)} rows, {wrong} wrong outputs, {errors} errors; "
            f"the whole table is {folder}/gpu-check.md (and .json).\n")
