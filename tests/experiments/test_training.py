"""train_seeds: several seeded models as one vmapped program, each as train() would have trained it."""

from __future__ import annotations

import copy

import pytest
import torch

from qspectral.classical.nets import MLP, MultiGradeNet
from qspectral.experiments.training import train, train_seeds
from qspectral.quantum.models import ReuploadingModel


def _seeded(build, seeds):
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(build().double())
    return models


@pytest.mark.parametrize("build, final_lr", [
    (lambda: MLP(hidden_features=8, hidden_layers=2), 1e-4),
    (lambda: MultiGradeNet(grades=[[6], [6], [6]]), 1e-4),  # grade by grade, fresh optimiser per grade
    (lambda: ReuploadingModel(2, 2, encoding="parallel"), None),
])
def test_each_seed_follows_its_own_serial_training(build, final_lr):
    x = torch.linspace(0, 1, 24, dtype=torch.float64)[:, None]
    y = torch.sin(2 * torch.pi * 3 * x)
    if isinstance(build(), ReuploadingModel):
        x, y = x[:, 0], y[:, 0]
    together = _seeded(build, (0, 1, 2))
    alone = [copy.deepcopy(m) for m in together]
    seen_together, seen_alone = [], []
    losses = train_seeds(together, x, y, steps=25, lr=1e-2, final_lr=final_lr,
                         on_step=lambda step, forward: seen_together.append(forward(x)))
    for model in alone:
        outputs = []
        losses_alone = train(model, x, y, steps=25, lr=1e-2, final_lr=final_lr,
                             on_step=lambda step, m: outputs.append(m(x)))
        seen_alone.append(torch.stack(outputs))
        assert losses[alone.index(model)] == pytest.approx(losses_alone, rel=1e-9, abs=1e-12)
    for trained, reference in zip(together, alone):
        for p, q in zip(trained.parameters(), reference.parameters()):
            torch.testing.assert_close(p, q, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(torch.stack(seen_together, 1), torch.stack(seen_alone), rtol=1e-9, atol=1e-12)
    assert losses[0] != losses[1]  # different seeds, different models
