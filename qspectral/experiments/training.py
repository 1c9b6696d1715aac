"""The one training loop of the experiments: full-batch Adam on the MSE, with a progress bar.

Multi-grade networks (anything with ``num_grades`` and ``start_grade``, e.g.
:class:`~qspectral.classical.nets.MultiGradeNet`) are trained as in Fang & Xu 2024 (MGDL): grade
by grade, each grade for ``steps`` steps (``num_grades * steps`` in all; their code gives every
grade the epoch count of the single-grade network) with a fresh optimiser over the parameters left
trainable; every other model trains all its parameters for ``steps`` steps. With ``final_lr`` the
learning rate decays exponentially from ``lr`` to ``final_lr`` over each grade (over the whole run
for other models), ``lr * (final_lr / lr) ** (i / steps)`` at step
``i`` of the grade, the schedule of the MGDL code; ``None`` keeps ``lr`` constant.
``on_step(step, model)`` runs before step ``0..total`` (``total`` included: the trained model; the
step counts over all grades), inside ``torch.no_grad()``.

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

from qspectral.errors import InvalidParameterError
from qspectral.validation import positive_int


def total_steps(model: nn.Module, steps: int) -> int:
    """Optimiser steps :func:`train` takes on ``model``: ``steps`` per grade of a multi-grade net.

    Example:
        >>> total_steps(torch.nn.Linear(1, 1), 100)
        100
    """
    return steps * (model.num_grades if hasattr(model, "start_grade") else 1)


def train(
    model: nn.Module,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int,
    lr: float,
    final_lr: float | None = None,
    on_step: Callable[[int, nn.Module], object] | None = None,
    progress: bool = False,
    description: str = "training",
) -> float:
    """Minimise ``mean((model(inputs) - targets)**2)`` with Adam (see the module docstring); return the final loss."""
    positive_int("steps", steps)
    if final_lr is not None and not final_lr > 0:
        raise InvalidParameterError(
            f"final_lr must be a positive learning rate (or None for a constant lr), got {final_lr!r}"
        )
    total = total_steps(model, steps)
    grades = total // steps
    optimiser = None
    with tqdm(total=total, desc=description, disable=not progress, leave=False) as bar:
        for step in range(total + 1):
            stage, local = divmod(step, steps)
            if grades > 1 and step < total and (optimiser is None or stage != model.active_grade):
                model.start_grade(stage)
                optimiser = None
            if optimiser is None:
                optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr, foreach=True)
            if on_step is not None:
                with torch.no_grad():
                    on_step(step, model)
            if step == total:
                break
            if final_lr is not None:
                for group in optimiser.param_groups:
                    group["lr"] = lr * (final_lr / lr) ** (local / steps)
            optimiser.zero_grad()
            loss = torch.mean((model(inputs) - targets) ** 2)
            loss.backward()
            optimiser.step()
            bar.update()
    with torch.no_grad():
        return float(torch.mean((model(inputs) - targets) ** 2))
