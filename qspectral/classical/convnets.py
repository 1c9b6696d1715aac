r"""Small convolutional networks for signals (1-D) and images (2-D): a plain stack and a U-Net.

Input and output have shape ``(batch, channels, *spatial)`` (torch's layout); every convolution
keeps the spatial size (odd kernel, ``padding = kernel_size // 2``) with the given padding mode
(``"circular"`` for periodic signals, ``"reflect"`` or ``"zeros"`` for images). Hidden layers use
LeakyReLU(0.2), as in Deep Image Prior; the output layer is linear. Weights come from torch's
global generator (seed it with ``torch.manual_seed``).

Example:
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> ConvNet(2, 1, 1, hidden_channels=8)(torch.zeros(3, 1, 16, 16)).shape
    torch.Size([3, 1, 16, 16])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from qspectral.errors import InvalidModelError
from qspectral.validation import int_at_least

PADDING_MODES = ("circular", "reflect", "zeros")


def _check_sizes(dims: int, kernel_size: int, padding_mode: str, **counts: int | tuple[int, int]) -> None:
    """Raise InvalidModelError unless dims, kernel, padding and every count (>= 1, or its given minimum) are valid."""
    if dims not in (1, 2):
        raise InvalidModelError(f"dims must be 1 (signals) or 2 (images), got {dims!r}")
    for name, spec in counts.items():
        value, low = spec if isinstance(spec, tuple) else (spec, 1)
        int_at_least(name, value, low, error=InvalidModelError)
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
        raise InvalidModelError(f"kernel_size must be a positive odd integer (size-preserving), got {kernel_size!r}")
    if padding_mode not in PADDING_MODES:
        raise InvalidModelError(f"padding_mode must be one of {', '.join(PADDING_MODES)}, got {padding_mode!r}")


class ConvNet(nn.Module):
    """``depth`` convolutions of width ``hidden_channels`` (LeakyReLU between them), spatial size kept.

    Args:
        dims: 1 (signals) or 2 (images).
        in_channels, out_channels: channels of input and output.
        hidden_channels: width of the hidden layers.
        depth: number of convolutions (>= 2).
        kernel_size: odd kernel side.
        padding_mode: one of :data:`PADDING_MODES`.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> net = ConvNet(1, 2, 1, hidden_channels=4, depth=3, kernel_size=3, padding_mode="circular")
        >>> net(torch.zeros(5, 2, 32)).shape
        torch.Size([5, 1, 32])
    """

    def __init__(
        self,
        dims: int,
        in_channels: int,
        out_channels: int,
        *,
        hidden_channels: int = 32,
        depth: int = 4,
        kernel_size: int = 3,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        _check_sizes(dims, kernel_size, padding_mode, in_channels=in_channels, out_channels=out_channels,
                     hidden_channels=hidden_channels, depth=(depth, 2))
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        widths = [in_channels] + [hidden_channels] * (depth - 1) + [out_channels]
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(conv(fan_in, fan_out, kernel_size, padding=kernel_size // 2, padding_mode=padding_mode))
            if index < depth - 1:
                layers.append(nn.LeakyReLU(0.2))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def _block(dims: int, fan_in: int, fan_out: int, kernel_size: int, padding_mode: str) -> nn.Sequential:
    """Two size-preserving convolutions, each followed by batch normalisation and LeakyReLU(0.2)."""
    conv, norm = (nn.Conv1d, nn.BatchNorm1d) if dims == 1 else (nn.Conv2d, nn.BatchNorm2d)
    pad = kernel_size // 2
    return nn.Sequential(
        conv(fan_in, fan_out, kernel_size, padding=pad, padding_mode=padding_mode), norm(fan_out), nn.LeakyReLU(0.2),
        conv(fan_out, fan_out, kernel_size, padding=pad, padding_mode=padding_mode), norm(fan_out), nn.LeakyReLU(0.2),
    )


class UNet(nn.Module):
    """An encoder-decoder with skip connections (the Deep Image Prior "skip" network, small).

    ``levels`` times: average-pool by 2 and a conv block on the way down; on the way up,
    (bi)linear upsampling to the skip's size, concatenation with the skip, a conv block. A block
    is two convolutions, each followed by batch normalisation (statistics of the current batch,
    as in DIP, where the batch is the one image) and LeakyReLU(0.2). A 1x1 convolution maps
    ``hidden_channels`` to ``out_channels``. Spatial sides need not be powers of two (upsampling
    goes to the stored size).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> UNet(1, 1, 1, hidden_channels=4, levels=2)(torch.zeros(2, 1, 20)).shape
        torch.Size([2, 1, 20])
    """

    def __init__(
        self,
        dims: int,
        in_channels: int,
        out_channels: int,
        *,
        hidden_channels: int = 16,
        levels: int = 3,
        kernel_size: int = 3,
        padding_mode: str = "reflect",
    ) -> None:
        super().__init__()
        _check_sizes(dims, kernel_size, padding_mode, in_channels=in_channels, out_channels=out_channels,
                     hidden_channels=hidden_channels, levels=levels)
        self.dims = dims
        self.inc = _block(dims, in_channels, hidden_channels, kernel_size, padding_mode)
        self.down = nn.ModuleList(_block(dims, hidden_channels, hidden_channels, kernel_size, padding_mode)
                                  for _ in range(levels))
        self.up = nn.ModuleList(_block(dims, 2 * hidden_channels, hidden_channels, kernel_size, padding_mode)
                                for _ in range(levels))
        self.out = (nn.Conv1d if dims == 1 else nn.Conv2d)(hidden_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pool = F.avg_pool1d if self.dims == 1 else F.avg_pool2d
        mode = "linear" if self.dims == 1 else "bilinear"
        h = self.inc(x)
        skips = [h]
        for block in self.down:
            h = block(pool(h, 2))
            skips.append(h)
        skips.pop()
        for block in self.up:
            skip = skips.pop()
            h = F.interpolate(h, size=skip.shape[2:], mode=mode, align_corners=False)
            h = block(torch.cat([h, skip], dim=1))
        return self.out(h)


class ClassicUNet(nn.Module):
    """The textbook U-Net (Ronneberger et al. 2015), as the self-diffusion authors' 1-D network.

    Encoder: ``levels + 1`` blocks of two convolutions, each followed by batch normalisation and
    ReLU, with ``hidden_channels * 2**level`` channels, max-pooling by 2 between them (the last
    block is the bottleneck). Decoder: per level, a transposed convolution (kernel 2, stride 2)
    halving the channels, concatenation with the encoder's skip, two convolutions with ReLU (no
    normalisation); a 1x1 convolution to ``out_channels``. Spatial sides must be divisible by
    ``2**levels``. Zero padding, as torch's default.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> net = ClassicUNet(1, 1, 1, hidden_channels=4, levels=2)
        >>> net(torch.zeros(2, 1, 16)).shape, net.bottleneck[0].out_channels
        (torch.Size([2, 1, 16]), 16)
    """

    def __init__(self, dims: int, in_channels: int, out_channels: int, *, hidden_channels: int = 16,
                 levels: int = 2, kernel_size: int = 3) -> None:
        super().__init__()
        _check_sizes(dims, kernel_size, "zeros", in_channels=in_channels, out_channels=out_channels,
                     hidden_channels=hidden_channels, levels=levels)
        conv, norm = (nn.Conv1d, nn.BatchNorm1d) if dims == 1 else (nn.Conv2d, nn.BatchNorm2d)
        up = nn.ConvTranspose1d if dims == 1 else nn.ConvTranspose2d
        pad = kernel_size // 2

        def block(fan_in: int, fan_out: int, normalise: bool) -> nn.Sequential:
            layers: list[nn.Module] = []
            for a, b in ((fan_in, fan_out), (fan_out, fan_out)):
                layers += [conv(a, b, kernel_size, padding=pad), *([norm(b)] if normalise else []), nn.ReLU()]
            return nn.Sequential(*layers)

        widths = [hidden_channels * 2**level for level in range(levels + 1)]
        self.dims, self.levels = dims, levels
        self.encoder = nn.ModuleList(block(a, b, True) for a, b in zip([in_channels, *widths[:-2]], widths[:-1]))
        self.bottleneck = block(widths[-2], widths[-1], True)
        self.upsample = nn.ModuleList(up(widths[i + 1], widths[i], 2, stride=2) for i in reversed(range(levels)))
        self.decoder = nn.ModuleList(block(2 * widths[i], widths[i], False) for i in reversed(range(levels)))
        self.out = conv(widths[0], out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if any(side % 2**self.levels for side in x.shape[2:]):
            raise InvalidModelError(f"spatial sides {tuple(x.shape[2:])} must be divisible by 2**levels = "
                                    f"{2**self.levels}")
        pool = F.max_pool1d if self.dims == 1 else F.max_pool2d
        skips = []
        h = x
        for block in self.encoder:
            h = block(h)
            skips.append(h)
            h = pool(h, 2)
        h = self.bottleneck(h)
        for upsample, block in zip(self.upsample, self.decoder):
            h = block(torch.cat([upsample(h), skips.pop()], dim=1))
        return self.out(h)
