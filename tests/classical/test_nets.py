"""Classical networks: parameter counts in closed form, SIREN initialisation, periodic Fourier
features, and the multi-grade wiring (composition, frozen grades, residual training)."""

from __future__ import annotations

import math

import pytest
import torch

from qspectral.classical.nets import MLP, FourierFeatureMLP, MultiGradeNet, count_parameters
from qspectral.errors import InvalidModelError, InvalidParameterError
from qspectral.experiments.training import train


@pytest.mark.parametrize("width, layers", [(8, 1), (16, 3), (41, 4)])
def test_mlp_parameter_count_closed_form(width, layers):
    net = MLP(hidden_features=width, hidden_layers=layers)
    assert count_parameters(net) == (layers - 1) * width**2 + (layers + 2) * width + 1


@pytest.mark.parametrize("activation", ["relu", "tanh", "siren"])
def test_mlp_shapes_and_activations(activation):
    torch.manual_seed(0)
    net = MLP(3, 2, 16, 2, activation=activation)
    assert net(torch.randn(5, 3)).shape == (5, 2)


def test_siren_initialisation_bounds():
    torch.manual_seed(0)
    net = MLP(2, 1, 32, 3, activation="siren", omega0=30.0)
    linears = [m for m in net.hidden if isinstance(m, torch.nn.Linear)]
    assert linears[0].weight.abs().max() <= 1 / 2
    for layer in linears[1:]:
        assert layer.weight.abs().max() <= math.sqrt(6 / 32) / 30.0
    sines = [m for m in net.hidden if not isinstance(m, torch.nn.Linear)]
    x = torch.randn(7, 32)
    assert torch.allclose(sines[0](x), torch.sin(30.0 * x))


def test_fourier_features_are_fixed_and_integer_frequencies_make_the_model_periodic():
    torch.manual_seed(0)
    net = FourierFeatureMLP(num_features=8, scale=3.0, hidden_features=16, hidden_layers=2)
    assert "frequencies" not in dict(net.named_parameters())
    with torch.no_grad():
        net.frequencies.copy_(torch.round(net.frequencies))  # integer cycles per unit
    x = torch.rand(10, 1)
    assert torch.allclose(net(x), net(x + 1.0), atol=1e-4)


def test_fourier_feature_validation():
    with pytest.raises(InvalidModelError, match="scale must be"):
        FourierFeatureMLP(scale=0.0)
    with pytest.raises(InvalidModelError, match="num_features"):
        FourierFeatureMLP(num_features=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"hidden_features": 0}, "hidden_features"), ({"activation": "gelu"}, "unknown activation"),
     ({"hidden_layers": 1.5}, "hidden_layers")],
)
def test_mlp_validation(kwargs, message):
    with pytest.raises(InvalidModelError, match=message):
        MLP(**kwargs)


def test_multigrade_composes_grades_and_sums_their_heads():
    torch.manual_seed(0)
    net = MultiGradeNet(grades=[[8, 8], [6]])
    x = torch.randn(4, 1)
    z0 = net.features[0](x)
    assert torch.allclose(net(x), net.heads[0](z0))
    net.start_grade(1)
    expected = net.heads[0](z0) + net.heads[1](net.features[1](z0))
    assert torch.allclose(net(x), expected)
    assert net.features[1][0].in_features == 8  # grade 1 reads grade 0's last features


def test_multigrade_trains_one_grade_at_a_time():
    torch.manual_seed(0)
    net = MultiGradeNet(grades=[[8], [8], [8]])
    net.start_grade(1)
    trainable = {name for name, p in net.named_parameters() if p.requires_grad}
    assert trainable == {"features.1.0.weight", "features.1.0.bias", "heads.1.weight", "heads.1.bias"}
    x = torch.linspace(0, 1, 32)[:, None]
    net(x).sum().backward()
    assert all(p.grad is None for p in net.features[0].parameters())


def test_multigrade_training_freezes_earlier_grades_and_fits_the_residual():
    torch.manual_seed(0)
    net = MultiGradeNet(grades=[[16], [16]])
    x = torch.linspace(0, 1, 64)[:, None]
    y = torch.sin(2 * torch.pi * 3 * x)
    snapshots = {}

    def snapshot(step, model):
        snapshots[step] = [p.detach().clone() for p in (*model.features[0].parameters(), *model.heads[0].parameters())]

    train(net, x, y, steps=20, lr=1e-2, on_step=snapshot)  # 20 steps per grade, 40 in all
    assert net.active_grade == 1 and max(snapshots) == 40
    first_stage = [not torch.equal(a, b) for a, b in zip(snapshots[0], snapshots[20])]
    second_stage = [torch.equal(a, b) for a, b in zip(snapshots[20], snapshots[40])]
    assert all(first_stage) and all(second_stage)
    # grade 1's gradient is that of the MSE between its own output on grade 0's (fixed) features
    # and the residual y - (grade 0's output), computed here from scratch
    with torch.no_grad():
        z0 = torch.relu(x @ net.features[0][0].weight.T + net.features[0][0].bias)
        residual = y - (z0 @ net.heads[0].weight.T + net.heads[0].bias)
    grade1 = [*net.features[1].parameters(), *net.heads[1].parameters()]
    own = net.heads[1](net.features[1](z0))
    expected = torch.autograd.grad(torch.mean((own - residual) ** 2), grade1)
    actual = torch.autograd.grad(torch.mean((net(x) - y) ** 2), grade1)
    assert all(torch.allclose(a, e, atol=1e-6) for a, e in zip(actual, expected))


def _reference_fit(model, x, y, stages, steps, lr, final_lr):
    """Adam + torch's ExponentialLR, a fresh pair per stage (the MGDL code's protocol)."""
    for stage in stages:
        if stage is not None:
            model.start_grade(stage)
        optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
        schedule = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=(final_lr / lr) ** (1 / steps))
        for _ in range(steps):
            optimiser.zero_grad()
            torch.mean((model(x) - y) ** 2).backward()
            optimiser.step()
            schedule.step()


@pytest.mark.parametrize("kind", ["mlp", "multi-grade"])
def test_train_matches_adam_with_an_exponential_schedule_per_grade(kind):
    x = torch.linspace(0, 1, 32)[:, None]
    y = torch.sin(2 * torch.pi * 2 * x)
    build = (lambda: MLP(hidden_features=8, hidden_layers=2)) if kind == "mlp" else (
        lambda: MultiGradeNet(grades=[[8], [8], [8]]))
    torch.manual_seed(1)
    net = build()
    calls = []
    train(net, x, y, steps=15, lr=1e-2, final_lr=1e-3, on_step=lambda step, _: calls.append(step))
    torch.manual_seed(1)
    reference = build()
    stages = [None] if kind == "mlp" else [0, 1, 2]
    _reference_fit(reference, x, y, stages, steps=15, lr=1e-2, final_lr=1e-3)
    assert calls == list(range(15 * len(stages) + 1))  # every grade gets the full 15 steps
    for a, b in zip(net.parameters(), reference.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"steps": 0}, "steps must be a positive integer"), ({"final_lr": 0.0}, "final_lr must be a positive")],
)
def test_train_validation(kwargs, message):
    x = torch.zeros(4, 1)
    with pytest.raises(InvalidParameterError, match=message):
        train(torch.nn.Linear(1, 1), x, x, **{"steps": 5, "lr": 1e-2, **kwargs})


@pytest.mark.parametrize("grades", [[], [[]], [[4, 0]]])
def test_multigrade_validation(grades):
    with pytest.raises(InvalidModelError):
        MultiGradeNet(grades=grades)


def test_multigrade_rejects_a_missing_grade():
    net = MultiGradeNet(grades=[[4]])
    with pytest.raises(InvalidModelError, match="grades 0..0"):
        net.start_grade(1)
