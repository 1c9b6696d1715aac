"""qspectral.classical.convnets: sizes kept, translation equivariance of circular nets, errors."""

from __future__ import annotations

import pytest
import torch

from qspectral.classical.convnets import ClassicUNet, ConvNet, UNet
from qspectral.errors import InvalidModelError


@pytest.mark.parametrize("shape", [(2, 1, 33), (2, 1, 20, 13)])
def test_unet_keeps_any_size(shape):
    torch.manual_seed(0)
    net = UNet(len(shape) - 2, 1, 2, hidden_channels=4, levels=2)
    assert net(torch.randn(shape)).shape == (shape[0], 2, *shape[2:])


def test_circular_convnet_is_translation_equivariant():
    torch.manual_seed(0)
    net = ConvNet(1, 1, 1, hidden_channels=4, depth=3, kernel_size=5, padding_mode="circular").double()
    x = torch.randn(3, 1, 16, dtype=torch.float64)
    assert torch.allclose(net(torch.roll(x, 5, -1)), torch.roll(net(x), 5, -1), atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, words",
    [(dict(dims=3), "dims must be 1"), (dict(kernel_size=4), "positive odd integer"),
     (dict(padding_mode="edge"), "padding_mode must be one of"), (dict(depth=1), "depth must be an integer >= 2")],
)
def test_convnet_errors(kwargs, words):
    args = dict(dims=1, in_channels=1, out_channels=1) | kwargs
    with pytest.raises(InvalidModelError, match=words):
        ConvNet(args.pop("dims"), args.pop("in_channels"), args.pop("out_channels"), **args)


def test_unet_errors():
    with pytest.raises(InvalidModelError, match="levels must be an integer >= 1"):
        UNet(2, 1, 1, levels=0)


def test_classic_unet_has_the_textbook_layout():
    """Parameter count by hand for widths 4, 8, 16 (conv a*b*k + b, batch norm 2b, transposed conv a*b*2 + b)."""
    net = ClassicUNet(1, 1, 1, hidden_channels=4, levels=2)
    encoder = (1 * 4 * 3 + 4 + 8 + 4 * 4 * 3 + 4 + 8) + (4 * 8 * 3 + 8 + 16 + 8 * 8 * 3 + 8 + 16)
    bottleneck = 8 * 16 * 3 + 16 + 32 + 16 * 16 * 3 + 16 + 32
    upsample = (16 * 8 * 2 + 8) + (8 * 4 * 2 + 4)
    decoder = (16 * 8 * 3 + 8 + 8 * 8 * 3 + 8) + (8 * 4 * 3 + 4 + 4 * 4 * 3 + 4)
    assert sum(p.numel() for p in net.parameters()) == encoder + bottleneck + upsample + decoder + (4 + 1)
    assert net(torch.zeros(3, 1, 12)).shape == (3, 1, 12)
    with pytest.raises(InvalidModelError, match="divisible by 2\\*\\*levels = 4"):
        net(torch.zeros(1, 1, 10))
