r"""Experiment ``pde``: PDEs three ways -- PINN, NeuSA-style spectral neural ODE, quantum spectral evolution.

**Problems** (:mod:`qspectral.classical.pde_problems`, periodic boxes): advection, heat, wave,
sine-Gordon (breather data), viscous Burgers in 1-D, and (full mode) NeuSA's own sine-Gordon
benchmark (``sine_gordon_pulse``: Gaussian pulse, ``m = 10``, box ``[-4, 4]``, ``t <= 3``) and
2-D Burgers.

**Baseline PINN.** The full mode trains NeuSA's PINN baseline as their code does
(``klein_gordon_baseline_models.py``: 512 x 4 tanh MLP, Xavier init, 201 x 201 = 40401
residual points, initial-condition loss weight 1e3, 10000 Adam steps at 1e-3 with decay) over
``seeds`` = 10 training seeds, so the NODE/PINN ratio is measured against the paper's PINN
at the paper's error order (0.139 on sine-Gordon), not against a weak one. The quick PINN
(32 x 3, 800 steps) is the best we found at its cost, tuned on experiment seed 1 (not scored;
the scored seed is 0): learning rate 1e-2 against 3e-3 and 6e-3, and L-BFGS, a wider net or
more residual points at equal cost, none of which lifted sine-Gordon (rel-L2 about 2.2 in
every variant). It is far weaker than the paper's PINN: its claims say so in their departures.

**Reference.** Where the problem has a closed form exact on the periodic box (advection, heat,
wave, Burgers by Cole-Hopf when the viscosity allows it) the reference is that closed form on the
grid, cross-checked against the pseudo-spectral solve; otherwise the pseudo-spectral RK45 solve
(:mod:`qspectral.classical.pde_reference`) on a grid ``reference_factor`` times finer, checked by
its distance to the solve on the method grid (and, for sine-Gordon, to the breather on the line).

**Methods** on the same grid of ``points`` per axis and the same ``times`` output times:
the MLP PINN (:mod:`qspectral.classical.pinn`) and the spectral neural ODE
(:mod:`qspectral.classical.spectral_ode`), and for the linear problems the exact spectral evolution circuits (:mod:`qspectral.quantum.evolution`) run with
:func:`qspectral.simulate` on every available backend of ``quantum_backends`` (from the
amplitude-encoded initial condition; the norm is carried classically, or for the heat equation
recovered from the post-selection probability). Nonlinear problems get no quantum column: no
exact unitary maps the amplitudes of ``u(0)`` to those of ``u(t)``.

**Measurements.** Relative L2 error over all grid points and times, the error per output time
relative to the reference's RMS norm over time (causality: a PINN's error grows with ``t``), the error's amplitude spectrum (RMS over times:
spectral bias), and for the quantum runs the shots needed to read the positive solution's
magnitudes to ``shot_target`` (:func:`qspectral.quantum.readout.shots_for_error`). Wall times
are kept out of ``metrics.json`` (it is reproducible); :func:`plot` writes them to ``tables.md``.

Example:
    >>> cfg = EXPERIMENT.config("quick", problems=("advection",), points=16, times=3,
    ...                         pinn_steps=2, node_steps_linear=1, quantum_backends=("qiskit",))
    >>> result = EXPERIMENT.run(cfg, seed=0)
    >>> sorted(result.metrics["problems"]["advection"]["methods"])
    ['node', 'pinn', 'quantum-qiskit']

Over 500 lines: one experiment kept whole (its ~40-line statement of the paper's setup, config, run,
claims and figures), so the claims sit next to the setup they test.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from qspectral.classical.nets import count_parameters
from qspectral.classical.pde_problems import PROBLEMS, PDEProblem, make_problem
from qspectral.classical.pde_reference import reference_solution
from qspectral.classical.pinn import PINNSolver
from qspectral.classical.spectral_ode import SpectralODESolver
from qspectral.errors import InvalidParameterError
from qspectral.experiments.registry import Claim, Experiment, ExperimentResult
from qspectral.quantum.evolution import (
    dissipative_evolution,
    evolution_circuit,
    wave_decode,
    wave_encode,
)
from qspectral.quantum.readout import shots_for_error
from qspectral.seeding import seed_for
from qspectral.sim.backends import available_backends, simulate
from qspectral.spectral.analysis import paired_effect, power_spectrum_2d, radial_average, spectrum_1d

#: The problems with an exact quantum evolution here (linear, constant coefficients).
QUANTUM_PROBLEMS = ("advection", "heat", "wave")

#: Relative L2 errors reported by NeuSA (Bizzi et al. 2025), for comparison; their problems
#: differ from ours where noted.
PAPER_RESULTS = {
    "sine_gordon": {
        "neusa": 0.001, "pinn": 0.139, "qres": 0.020,
        "setup": "u_tt = u_xx - 10 sin u, Gaussian pulse, Dirichlet box [-4, 4], t <= 3 (ours: breather, periodic)",
    },
    "sine_gordon_pulse": {
        "neusa": 0.001, "pinn": 0.139, "qres": 0.020,
        "setup": "u_tt = u_xx - 10 sin u, Gaussian pulse (sigma 0.1), box [-4, 4], t <= 3, as ours; their box is "
                 "Dirichlet, ours periodic, equal while the pulse stays clear of the edges (it does to t = 3)",
    },
    "burgers2d": {"neusa": 0.051, "pinn": 0.221, "setup": "same equation, box, viscosity and initial data as ours"},
    "wave": {"neusa": 0.075, "pinn": 0.545, "setup": "2-D wave in a three-layer medium (ours: 1-D, homogeneous)"},
}


@dataclass(frozen=True)
class PDEConfig:
    """Sizes and budgets of one ``pde`` run (see the module docstring)."""

    problems: tuple[str, ...] = ("advection", "heat", "wave", "sine_gordon", "burgers")
    problem_parameters: dict[str, dict[str, float]] = field(default_factory=dict)
    points: int = 32
    points_2d: int = 32
    times: int = 21
    reference_factor: int = 2
    pinn_width: int = 32
    pinn_layers: int = 3
    pinn_steps: int = 800
    pinn_lr: float = 1e-2  # quick: best of {3e-3, 6e-3, 1e-2} on experiment seed 1 (not scored), same cost
    pinn_lbfgs_steps: int = 0
    pinn_collocation: int = 1000
    pinn_initial: int = 128
    pinn_boundary: int = 128
    pinn_initial_weight: float = 10.0
    seeds: int = 1
    node_steps_linear: int = 60
    node_steps_nonlinear: int = 150
    node_lr: float = 0.01
    node_epsilon: float = 0.1
    node_max_width: int = 4096
    quantum_backends: tuple[str, ...] = ("engine", "aer")
    shot_target: float = 1e-2
    shot_repeats: int = 20


def _check(config: PDEConfig) -> None:
    unknown = [p for p in config.problems if p not in PROBLEMS]
    if unknown or not config.problems:
        raise InvalidParameterError(f"unknown or missing problem(s) {unknown or []}; choose from {', '.join(PROBLEMS)}")
    extra = sorted(set(config.problem_parameters) - set(config.problems))
    if extra:
        raise InvalidParameterError(f"problem_parameters names problems not being run: {extra}")
    for name in ("points", "points_2d"):
        n = getattr(config, name)
        if n < 4 or n & (n - 1):
            raise InvalidParameterError(
                f"{name}={n} must be a power of two >= 4 (the quantum register holds 2**n grid points)"
            )
    if config.times < 2 or config.reference_factor < 1:
        raise InvalidParameterError("times must be >= 2 and reference_factor >= 1")
    if config.seeds < 1:
        raise InvalidParameterError(f"seeds must be a positive integer (training seeds per method), got {config.seeds}")


def _rel_l2(prediction: np.ndarray, reference: np.ndarray) -> float:
    return float(np.linalg.norm(prediction - reference) / np.linalg.norm(reference))


def _rel_l2_over_time(prediction: np.ndarray, reference: np.ndarray) -> list[float]:
    """``||error(t)|| / RMS_t ||reference(t)||`` per output time (defined where ``u(t) = 0`` too)."""
    axes = tuple(range(1, reference.ndim))
    scale = np.sqrt((reference**2).sum(axes).mean())
    return (np.sqrt(((prediction - reference) ** 2).sum(axes)) / scale).tolist()


def _error_spectrum(error: np.ndarray, problem: PDEProblem) -> tuple[list[float], list[float]]:
    """RMS over times (and components) of the error's amplitude spectrum: ``(modes, amplitudes)``."""
    if problem.dim == 1:
        freqs, amp = spectrum_1d(error[:, :, :], period=problem.lengths[0])
        modes = np.rint(freqs * problem.lengths[0]).astype(int)
        return modes.tolist(), np.sqrt((amp**2).mean(axis=(0, 1))).tolist()
    profiles = [radial_average(power_spectrum_2d(e)[2])[1] for e in error.reshape(-1, *error.shape[2:])]
    return list(range(len(profiles[0]))), np.sqrt(np.nanmean(profiles, axis=0)).tolist()


def _summary(prediction: np.ndarray, reference: np.ndarray, problem: PDEProblem) -> dict[str, Any]:
    modes, spectrum = _error_spectrum(prediction - reference, problem)
    return {
        "rel_l2": _rel_l2(prediction, reference),
        "rel_l2_over_time": _rel_l2_over_time(prediction, reference),
        "max_abs_error": float(np.abs(prediction - reference).max()),
        "error_spectrum": {"modes": modes, "amplitude": spectrum},
    }


def _on_grid(problem: PDEProblem, points: int, times: np.ndarray) -> np.ndarray:
    mesh = problem.grid(points).mesh()
    shape = problem.grid(points).shape
    with torch.no_grad():
        fields = [torch.stack([torch.broadcast_to(f, shape) for f in problem.exact(mesh, float(t))]) for t in times]
    return torch.stack(fields).numpy()


def _reference(problem: PDEProblem, points: int, times: np.ndarray, factor: int) -> tuple[np.ndarray, dict[str, Any]]:
    """The reference fields ``(T, C, *grid)`` and how they were obtained and checked."""
    coarse = reference_solution(problem, points, times)
    if problem.closed_form == "periodic":
        fields = _on_grid(problem, points, times)
        return fields, {
            "kind": "closed form",
            "pseudo_spectral_rel_l2": _rel_l2(coarse.fields, fields),
        }
    fine = reference_solution(problem, points * factor, times)
    step = (slice(None), slice(None)) + (slice(None, None, factor),) * problem.dim
    fields = fine.fields[step]
    info: dict[str, Any] = {
        "kind": f"pseudo-spectral {fine.method}, {points * factor} points per axis",
        "rhs_evaluations": fine.rhs_evaluations,
        f"rel_l2_vs_{points}_points": _rel_l2(coarse.fields, fields),
    }
    if problem.closed_form == "line":
        info["closed_form_rel_l2"] = _rel_l2(_on_grid(problem, points, times), fields)
        info["closed_form_tail"] = problem.tail_size()
    return fields, info


def _quantum(
    problem: PDEProblem, points: int, times: np.ndarray, backend: str
) -> tuple[np.ndarray, dict[str, Any], np.ndarray]:
    """Evolve the amplitude-encoded initial data with the exact circuits; fields ``(T, 1, N)``."""
    grid = problem.grid(points)
    n = round(math.log2(points))
    k = grid.wavenumbers(0)
    mesh = grid.mesh()
    u0 = problem.initial(mesh)[0].numpy()
    out, info, last = [], {}, None
    for t in times:
        if problem.name == "advection":
            norm = float(np.linalg.norm(u0))
            circuit = evolution_circuit(n, problem.velocity * k, float(t))
            state = simulate(circuit, backend, initial_state=u0 / norm)
            u = norm * state.real
        elif problem.name == "wave":
            u_t0 = problem.initial_velocity(mesh)[0].numpy()
            encoded, norm = wave_encode(u0, u_t0, k, problem.speed)
            circuit = evolution_circuit(n, -problem.speed * np.abs(k), float(t))
            state = simulate(circuit, backend, initial_state=encoded)
            u = wave_decode(state, norm, k, problem.speed, mean=float(u0.mean() + t * u_t0.mean()))[0]
        else:  # heat
            norm = float(np.linalg.norm(u0))
            block = dissipative_evolution(n, problem.nu * k**2, float(t))
            circuit = block.circuit
            raw = simulate(circuit, backend, initial_state=np.kron([1.0, 0.0], u0 / norm))
            state, probability = block.postselect(raw)
            info.setdefault("success_probability", []).append(probability)
            u = norm * math.sqrt(probability) * state.real
        out.append(u[None])
        last = state
    info["circuit_ops"] = {name: int(count) for name, count in circuit.count_ops().items()}
    info["qubits"] = circuit.num_qubits
    return np.stack(out), info, last


def _shot_budget(problem: PDEProblem, state: np.ndarray, info: dict[str, Any], config: PDEConfig, seed: int) -> dict[str, Any]:
    budget = shots_for_error(state, config.shot_target, np.random.default_rng(seed), repeats=config.shot_repeats)
    entry = {
        "target_error": budget.target_error,
        "shots": budget.shots,
        "constant": budget.constant,
        "fitted_slope": budget.slope,
        "delta_method_shots": math.ceil((state.size - 1) / 4 / config.shot_target**2),
        "reads": "magnitudes of the positive solution" if problem.name != "wave" else
                 "magnitudes of q = u_t + i c|D|u only (its phase needs more measurement bases)",
    }
    if "success_probability" in info:
        p = info["success_probability"][-1]
        entry["post_selection_probability"] = p
        entry["total_shots_with_post_selection"] = math.ceil(budget.shots / p)
    return entry


def _fit_pinn(problem: PDEProblem, config: PDEConfig, seed: int, device: str) -> PINNSolver:
    return PINNSolver(
        problem, hidden_features=config.pinn_width, hidden_layers=config.pinn_layers,
        adam_steps=config.pinn_steps, learning_rate=config.pinn_lr, lbfgs_steps=config.pinn_lbfgs_steps,
        collocation_points=config.pinn_collocation, initial_points=config.pinn_initial,
        boundary_points=config.pinn_boundary, initial_weight=config.pinn_initial_weight,
        seed=seed, device=device,
    ).fit()


def _fit_node(problem: PDEProblem, config: PDEConfig, points: int, times: np.ndarray, seed: int,
              device: str) -> SpectralODESolver:
    state_size = 2 * problem.components * math.prod(problem.grid(points).spectral_wavenumbers()[0].shape)
    return SpectralODESolver(
        problem, points=points, times=times, epsilon=config.node_epsilon,
        hidden_features=min(2 * state_size, config.node_max_width),
        steps=config.node_steps_linear if problem.is_linear else config.node_steps_nonlinear,
        learning_rate=config.node_lr, seed=seed, device=device,
    ).fit()


def run(config: PDEConfig, *, seed: int, device: str = "cpu", progress: bool = False) -> ExperimentResult:
    """Solve every problem of ``config`` with each method and compare against the reference."""
    _check(config)
    backends_here = set(available_backends())
    quantum_backends = [b for b in config.quantum_backends if b in backends_here]
    problems_out: dict[str, Any] = {}
    curves: dict[str, Any] = {"timings": {}, "snapshots": {}}
    for p_index, name in enumerate(tqdm(config.problems, desc="pde", disable=not progress)):
        problem = make_problem(name, **config.problem_parameters.get(name, {}))
        points = config.points if problem.dim == 1 else config.points_2d
        times = np.linspace(0.0, problem.t_final, config.times)
        timings: dict[str, float] = {}

        start = time.perf_counter()
        reference, reference_info = _reference(problem, points, times, config.reference_factor)
        timings["reference"] = time.perf_counter() - start

        methods: dict[str, Any] = {}
        predictions: dict[str, np.ndarray] = {}
        pinn = _fit_pinn(problem, config, seed_for(seed, p_index, 0), device)
        predictions["pinn"] = pinn.predict(times, points)
        timings["pinn"] = pinn.train_seconds
        methods["pinn"] = {
            **_summary(predictions["pinn"], reference, problem),
            "parameters": count_parameters(pinn.model),
            "final_loss": pinn.losses[-1] if pinn.losses else None,
        }

        node = _fit_node(problem, config, points, times, seed_for(seed, p_index, 1), device)
        predictions["node"] = node.predict()
        timings["node"] = node.train_seconds
        methods["node"] = {
            **_summary(predictions["node"], reference, problem),
            "parameters": count_parameters(node.field),
            "final_loss": node.losses[-1] if node.losses else None,
            "rk4_substeps": node.substeps,
        }
        for method in ("pinn", "node"):  # the other training seeds: their errors only
            methods[method]["rel_l2_per_seed"] = [methods[method]["rel_l2"]]
        for repeat in range(1, config.seeds):
            pinn_r = _fit_pinn(problem, config, seed_for(seed, p_index, 0, repeat), device)
            node_r = _fit_node(problem, config, points, times, seed_for(seed, p_index, 1, repeat), device)
            methods["pinn"]["rel_l2_per_seed"].append(_rel_l2(pinn_r.predict(times, points), reference))
            methods["node"]["rel_l2_per_seed"].append(_rel_l2(node_r.predict(), reference))

        quantum: dict[str, Any]
        if name in QUANTUM_PROBLEMS:
            quantum = {"backends": quantum_backends,
                       "skipped": sorted(set(config.quantum_backends) - set(quantum_backends))}
            for backend in quantum_backends:
                start = time.perf_counter()
                fields, info, final_state = _quantum(problem, points, times, backend)
                timings[f"quantum-{backend}"] = time.perf_counter() - start
                predictions[f"quantum-{backend}"] = fields
                methods[f"quantum-{backend}"] = {**_summary(fields, reference, problem), **info}
            if quantum_backends:
                quantum["shot_budget"] = _shot_budget(
                    problem, final_state, methods[f"quantum-{quantum_backends[-1]}"], config, seed_for(seed, p_index, 2)
                )
        else:
            quantum = {"note": f"{name} is nonlinear: no unitary maps the amplitudes of u(0) to those of "
                               "u(t), so there is no exact spectral-evolution circuit; no quantum column"}

        problems_out[name] = {
            "parameters": problem.parameters(),
            "linear": problem.is_linear,
            "points": points,
            "times": [0.0, problem.t_final, config.times],
            "reference": reference_info,
            "methods": methods,
            "quantum": quantum,
        }
        curves["timings"][name] = timings
        picks = sorted({0, config.times // 2, config.times - 1})
        curves["snapshots"][name] = {
            "x": problem.grid(points).axis(0).tolist(),
            "times": times[picks].tolist(),
            "reference": reference[picks].tolist(),
            "predictions": {m: v[picks].tolist() for m, v in predictions.items()},
        }
    metrics = {
        "problems": problems_out,
        "quantum_backends": quantum_backends,
        "paper": PAPER_RESULTS,
    }
    return ExperimentResult(claims=_claims(problems_out), metrics=metrics, curves=curves)


def _departures(name: str, pinn: float, paper: dict[str, float], seeds: int) -> tuple[str, ...]:
    """Where this run's PINN baseline departs from the NeuSA paper's (its error is far above the paper's)."""
    out = [f"problem differs: {paper['setup']}"] if "ours:" in paper["setup"] else []
    if pinn > 3 * paper["pinn"]:
        out.append(f"our PINN reaches rel-L2 {pinn:.3g} against the paper's PINN at {paper['pinn']}: a weaker "
                   "baseline (smaller network, fewer steps), so the ratio overstates the NODE's advantage")
    return (*out, f"{seeds} training seed(s) per method") if seeds < 10 else tuple(out)


def _geometric_mean(values: list[float]) -> float:
    return float(np.exp(np.mean(np.log(values))))


def _claims(problems: dict[str, Any]) -> list[Claim]:
    claims = []
    for name in ("sine_gordon", "sine_gordon_pulse", "wave"):
        if name in problems:
            pinn_runs = problems[name]["methods"]["pinn"]["rel_l2_per_seed"]
            node_runs = problems[name]["methods"]["node"]["rel_l2_per_seed"]
            pinn, node = _geometric_mean(pinn_runs), _geometric_mean(node_runs)
            paper = PAPER_RESULTS[name]
            effect = paired_effect(np.log10(pinn_runs) - np.log10(node_runs))
            claims.append(Claim(
                f"The spectral neural ODE (NeuSA) is at least 10x more accurate than the PINN on {name} "
                f"(NeuSA paper: {paper['neusa']} vs {paper['pinn']})",
                "rel-L2 error: PINN / NODE >= 10 (geometric means over training seeds; mean log10 ratio >= 1)",
                {"pinn": pinn, "node": node, "ratio": pinn / node},
                effect["mean"] >= 1,
                kind="paper",
                source="Bizzi et al. 2025 (NeuSA)",
                paper_value=f"rel-L2 NeuSA {paper['neusa']} vs PINN {paper['pinn']}",
                departures=_departures(name, pinn, paper, len(pinn_runs)),
                seeds=len(pinn_runs),
                effect={"name": "log10(PINN rel-L2 / NODE rel-L2) (paired over seeds)", **effect},
            ))
    exact = [n for n in ("advection", "wave") if n in problems and problems[n]["quantum"].get("backends")]
    if exact:
        errors = {
            f"{n}/{m}": problems[n]["methods"][m]["rel_l2"]
            for n in exact for m in problems[n]["methods"] if m.startswith("quantum-")
        }
        claims.append(Claim(
            "The quantum spectral evolution (QFT, diag(exp(-i omega t)), inverse QFT) matches the "
            "reference on advection and wave (exact up to the shared discretisation)",
            "rel-L2 error vs reference <= 1e-10 on every backend",
            errors, max(errors.values()) <= 1e-10, kind="check",
        ))
    if "heat" in problems and problems["heat"]["quantum"].get("backends"):
        errors = {m: v["rel_l2"] for m, v in problems["heat"]["methods"].items() if m.startswith("quantum-")}
        claims.append(Claim(
            "The block-encoded heat evolution, post-selected, gives the heat solution; its success "
            "probability ||u(t)||^2/||u(0)||^2 restores the norm",
            "rel-L2 error vs reference <= 1e-10 on every backend",
            errors, max(errors.values()) <= 1e-10, kind="check",
        ))
    return claims


def _method_style(method: str) -> dict[str, Any]:
    if method.startswith("quantum-"):
        return {"linestyle": "none", "marker": "o", "markersize": 3}
    return {"linestyle": "--" if method == "pinn" else "-."}


def _tables(result: ExperimentResult) -> str:
    lines = ["# pde: relative L2 error and wall time per problem", ""]
    for name, data in result.metrics["problems"].items():
        timings = result.curves["timings"][name]
        lines += [f"## {name}", "", f"reference: {data['reference']['kind']} ({timings['reference']:.2f} s)", "",
                  "| method | rel-L2 vs reference | wall time |", "|---|---|---|"]
        for method, entry in data["methods"].items():
            lines.append(f"| {method} | {entry['rel_l2']:.3g} | {timings[method]:.2f} s |")
        lines.append("")
        if "note" in data["quantum"]:
            lines += [f"quantum: {data['quantum']['note']}.", ""]
        if name in PAPER_RESULTS:
            paper = PAPER_RESULTS[name]
            lines += [f"NeuSA paper: NeuSA {paper['neusa']}, PINN {paper['pinn']} ({paper['setup']}).", ""]
    return "\n".join(lines)


def plot(result: ExperimentResult, out_dir: Path) -> list[Path]:
    """Snapshots, error over time and error spectra (one panel per problem), and ``tables.md``."""
    from matplotlib.figure import Figure

    out_dir = Path(out_dir)
    problems = result.metrics["problems"]
    names = list(problems)
    paths = []

    fig = Figure(figsize=(10, 2.4 * len(names)), layout="constrained")
    axes = np.asarray(fig.subplots(len(names), 3, squeeze=False))
    for row, name in enumerate(names):
        snap = result.curves["snapshots"][name]
        x = np.asarray(snap["x"])
        reference = np.asarray(snap["reference"])
        for col, t in enumerate(snap["times"][:3]):
            ax = axes[row, col]
            line = reference[col, 0] if reference.ndim == 3 else reference[col, 0][:, reference.shape[-1] // 2]
            ax.plot(x, line, color="black", label="reference")
            for method, values in snap["predictions"].items():
                values = np.asarray(values)[col, 0]
                values = values if values.ndim == 1 else values[:, values.shape[-1] // 2]
                ax.plot(x, values, label=method, **_method_style(method))
            ax.set_title(f"{name}, t = {t:.3g}", fontsize=9)
        axes[row, 0].legend(fontsize=7)
    paths.append(out_dir / "snapshots.png")
    fig.savefig(paths[-1], dpi=100)

    for filename, key, xlabel in (("error_over_time.png", "time", "t"), ("error_spectrum.png", "spectrum", "mode")):
        fig = Figure(figsize=(3.2 * len(names), 3.0), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(names)))
        for ax, name in zip(axes, names):
            data = problems[name]
            for method, entry in data["methods"].items():
                if key == "time":
                    t = np.linspace(0, data["times"][1], data["times"][2])
                    ax.semilogy(t, np.maximum(entry["rel_l2_over_time"], 1e-17), label=method, **_method_style(method))
                else:
                    spec = entry["error_spectrum"]
                    ax.semilogy(spec["modes"], np.maximum(spec["amplitude"], 1e-17), label=method, **_method_style(method))
            ax.set_title(name, fontsize=9)
            ax.set_xlabel(xlabel)
        axes[0].set_ylabel("relative L2 error" if key == "time" else "error amplitude (RMS over t)")
        axes[0].legend(fontsize=7)
        paths.append(out_dir / filename)
        fig.savefig(paths[-1], dpi=100)

    paths.append(out_dir / "tables.md")
    paths[-1].write_text(_tables(result))
    return paths


EXPERIMENT = Experiment(
    name="pde",
    paper="Bizzi et al. 2025 (NeuSA, neuro-spectral architectures); Raissi et al. 2019 (PINN)",
    claim=(
        "A spectral neural ODE initialised from the linearised PDE beats an MLP PINN by >= 10x on "
        "sine-Gordon and wave; linear PDEs evolve exactly as QFT-diagonal-inverse-QFT circuits"
    ),
    quick=PDEConfig(),
    full=PDEConfig(
        problems=("advection", "heat", "wave", "sine_gordon", "sine_gordon_pulse", "burgers", "burgers2d"),
        problem_parameters={"burgers": {"nu": 0.01 / math.pi}},
        points=256,
        points_2d=64,
        times=101,
        reference_factor=4,
        pinn_width=512,
        pinn_layers=4,
        pinn_steps=10_000,
        pinn_lr=1e-3,
        pinn_collocation=40_401,
        pinn_initial=201,
        pinn_boundary=201,
        pinn_initial_weight=1000.0,
        seeds=10,
        node_steps_linear=1000,
        node_steps_nonlinear=1000,
        node_max_width=2048,
    ),
    seed=0,
    run=run,
    plot=plot,
)
