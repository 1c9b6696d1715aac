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

:func:`train_seeds` trains several copies of one architecture (one per seed) at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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


def train_seeds(
    models: Sequence[nn.Module],
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    steps: int,
    lr: float,
    final_lr: float | None = None,
    on_step: Callable[[int, Callable[[torch.Tensor], torch.Tensor]], object] | None = None,
    progress: bool = False,
    description: str = "training",
) -> list[float]:
    """:func:`train` on each of ``models`` (one architecture, each initialised from its own seed), as one program.

    The parameters are stacked along a new first axis and the models run together under
    :func:`torch.func.vmap`; the loss is the sum of each model's own MSE, whose gradient with
    respect to one model's parameters is that model's own, and Adam is elementwise, so each model
    follows :func:`train`'s schedule (grades, learning rate) up to the rounding of the batched
    kernels. ``on_step(step, forward)`` gets ``forward(x)``, the stacked outputs
    ``(len(models), *model(x).shape)``. The trained parameters are copied back into ``models``;
    returns each model's final loss.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> models = [torch.nn.Linear(1, 1) for _ in range(3)]
        >>> x = torch.linspace(-1, 1, 16)[:, None]
        >>> losses = train_seeds(models, x, 3 * x + 1, steps=300, lr=0.1)
        >>> [round(loss, 6) for loss in losses], round(float(models[2].weight), 3)
        ([0.0, 0.0, 0.0], 3.0)
    """
    positive_int("steps", steps)
    if final_lr is not None and not final_lr > 0:
        raise InvalidParameterError(
            f"final_lr must be a positive learning rate (or None for a constant lr), got {final_lr!r}"
        )
    template = models[0]
    params, buffers = torch.func.stack_module_state(list(models))

    def forward_one(p: dict, b: dict, x: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(template, (p, b), (x,))

    batched = torch.func.vmap(forward_one, in_dims=(0, 0, None))

    def forward(x: torch.Tensor) -> torch.Tensor:
        return batched(params, buffers, x)

    def losses() -> torch.Tensor:
        return ((forward(inputs) - targets) ** 2).flatten(1).mean(1)

    total = total_steps(template, steps)
    grades = total // steps
    optimiser = None
    with tqdm(total=total, desc=description, disable=not progress, leave=False) as bar:
        for step in range(total + 1):
            stage, local = divmod(step, steps)
            if grades > 1 and step < total and (optimiser is None or stage != template.active_grade):
                template.start_grade(stage)
                optimiser = None
            if optimiser is None:
                trainable = dict(template.named_parameters())
                for name, value in params.items():
                    value.requires_grad_(trainable[name].requires_grad)
                optimiser = torch.optim.Adam([p for p in params.values() if p.requires_grad], lr=lr, foreach=True)
            if on_step is not None:
                with torch.no_grad():
                    on_step(step, forward)
            if step == total:
                break
            if final_lr is not None:
                for group in optimiser.param_groups:
                    group["lr"] = lr * (final_lr / lr) ** (local / steps)
            optimiser.zero_grad()
            losses().sum().backward()
            optimiser.step()
            bar.update()
    with torch.no_grad():
        for index, model in enumerate(models):
            for name, value in model.named_parameters():
                value.copy_(params[name][index])
        return [float(loss) for loss in losses()]
