"""The one training loop of the experiments: full-batch Adam on the MSE, with a progress bar.

Multi-grade networks (anything with ``num_grades`` and ``start_grade``, e.g.
:class:`~qspectral.classical.nets.MultiGradeNet`) spend the step budget in equal stages, one per
grade, with a fresh optimiser over the parameters left trainable; every other model trains all
its parameters for the whole budget. ``on_step(step, model)`` runs before step ``0..steps``
(``steps`` included: the trained model), inside ``torch.no_grad()``.

Example:
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = torch.nn.Linear(1, 1)
    >>> x = torch.linspace(-1, 1, 16)[:, None]
    >>> loss = train(model, x, 3 * x + 1, steps=300, lr=0.1)
    >>> loss < 1e-4
    True
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm


def train(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int,
    lr: float,
    on_step: Callable[[int, nn.Module], object] | None = None,
    progress: bool = False,
    description: str = "training",
) -> float:
    """Minimise ``mean((model(inputs) - targets)**2)`` for ``steps`` Adam steps; return the final loss."""
    grades = getattr(model, "num_grades", 1) if hasattr(model, "start_grade") else 1
    stage_length = max(steps // grades, 1)
    optimiser = None
    with tqdm(total=steps, desc=description, disable=not progress, leave=False) as bar:
        for step in range(steps + 1):
            stage = min(step // stage_length, grades - 1)
            if grades > 1 and (optimiser is None or stage != model.active_grade):
                model.start_grade(stage)
                optimiser = None
            if optimiser is None:
                optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
            if on_step is not None:
                with torch.no_grad():
                    on_step(step, model)
            if step == steps:
                break
            optimiser.zero_grad()
            loss = torch.mean((model(inputs) - targets) ** 2)
            loss.backward()
            optimiser.step()
            bar.update()
    with torch.no_grad():
        return float(torch.mean((model(inputs) - targets) ** 2))
