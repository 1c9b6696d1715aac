r"""Fully connected torch networks for spectral-bias studies: MLP, Fourier features, multi-grade.

All models map inputs of shape ``(batch, in_features)`` to ``(batch, out_features)``, draw their
initial weights from torch's global generator (seed it with ``torch.manual_seed``) and move to a
device with ``.to(device)``.

* :class:`MLP`: ReLU, tanh or SIREN (``sin(omega0 * (W x + b))``, Sitzmann et al. 2020, with
  their initialisation) hidden layers and a linear output layer.
* :class:`FourierFeatureMLP`: random Fourier features
  :math:`\gamma(x) = [\cos 2\pi Bx, \sin 2\pi Bx]`, :math:`B_{ij} \sim N(0, \sigma^2)` fixed
  (Tancik et al. 2020), followed by an :class:`MLP`.
* :class:`MultiGradeNet`: multi-grade deep learning (MGDL; Fang & Xu 2024, "Addressing spectral
  bias of deep neural networks by multi-grade deep learning"). Grade ``l`` is a shallow network
  :math:`h_l` applied to the features of grade ``l-1`` plus a linear head, and the model is
  :math:`\sum_l W_l\, h_l \circ \dots \circ h_1(x) + b_l`. Grades are trained one after another,
  each on the residual of the earlier (frozen) grades; composing low-frequency maps reaches high
  frequencies.

Example:
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> MLP(hidden_features=8, hidden_layers=2)(torch.zeros(5, 1)).shape
    torch.Size([5, 1])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from qspectral.errors import InvalidModelError
from qspectral.validation import positive_int

ACTIVATIONS = ("relu", "tanh", "siren")


def count_parameters(module: nn.Module, *, trainable_only: bool = False) -> int:
    """Number of scalar parameters of ``module`` (buffers such as fixed Fourier features excluded).

    Example:
        >>> count_parameters(nn.Linear(3, 2))
        8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise InvalidModelError(
            f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}"
        )
    return activation


class _Sine(nn.Module):
    def __init__(self, omega0: float) -> None:
        super().__init__()
        self.omega0 = omega0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.omega0 * x)


def _hidden_stack(
    widths: Sequence[int], activation: str, omega0: float, *, first_is_input: bool
) -> nn.Sequential:
    """Linear + activation for each consecutive pair in ``widths``, SIREN-initialised if asked."""
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        linear = nn.Linear(fan_in, fan_out)
        if activation == "siren":
            bound = 1 / fan_in if (i == 0 and first_is_input) else math.sqrt(6 / fan_in) / omega0
            with torch.no_grad():
                linear.weight.uniform_(-bound, bound)
        layers.append(linear)
        layers.append({"relu": nn.ReLU(), "tanh": nn.Tanh(), "siren": _Sine(omega0)}[activation])
    return nn.Sequential(*layers)


class MLP(nn.Module):
    """A multilayer perceptron: ``hidden_layers`` layers of ``hidden_features`` units, linear output.

    ``activation`` is ``"relu"``, ``"tanh"`` or ``"siren"`` (sine with frequency ``omega0`` and the
    SIREN initialisation).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> net = MLP(in_features=2, out_features=3, hidden_features=16, hidden_layers=2)
        >>> net(torch.randn(4, 2)).shape, count_parameters(net)
        (torch.Size([4, 3]), 371)
    """

    def __init__(
        self,
        in_features: int = 1,
        out_features: int = 1,
        hidden_features: int = 64,
        hidden_layers: int = 3,
        *,
        activation: str = "relu",
        omega0: float = 30.0,
    ) -> None:
        super().__init__()
        for name, value in [("in_features", in_features), ("out_features", out_features),
                            ("hidden_features", hidden_features), ("hidden_layers", hidden_layers)]:
            positive_int(name, value, error=InvalidModelError)
        _check_activation(activation)
        widths = [in_features] + [hidden_features] * hidden_layers
        self.hidden = _hidden_stack(widths, activation, omega0, first_is_input=True)
        self.output = nn.Linear(hidden_features, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.hidden(x))


class FourierFeatureMLP(nn.Module):
    r"""Random Fourier features :math:`[\cos 2\pi Bx, \sin 2\pi Bx]` followed by an :class:`MLP`.

    ``B`` has shape ``(num_features, in_features)``, entries drawn once from
    :math:`N(0, \text{scale}^2)` and kept fixed (a buffer, not a parameter). Larger ``scale``
    lets the network fit higher frequencies (in cycles per unit of ``x``).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> net = FourierFeatureMLP(num_features=8, scale=2.0, hidden_features=16, hidden_layers=1)
        >>> net(torch.zeros(3, 1)).shape, tuple(net.frequencies.shape)
        (torch.Size([3, 1]), (8, 1))
    """

    def __init__(
        self,
        in_features: int = 1,
        out_features: int = 1,
        num_features: int = 64,
        scale: float = 10.0,
        hidden_features: int = 64,
        hidden_layers: int = 2,
        *,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        positive_int("in_features", in_features, error=InvalidModelError)
        positive_int("num_features", num_features, error=InvalidModelError)
        if not scale > 0:
            raise InvalidModelError(f"scale must be a positive standard deviation, got {scale!r}")
        self.register_buffer("frequencies", torch.randn(num_features, in_features) * scale)
        self.mlp = MLP(2 * num_features, out_features, hidden_features, hidden_layers, activation=activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        angle = 2 * math.pi * x @ self.frequencies.T
        return self.mlp(torch.cat([torch.cos(angle), torch.sin(angle)], dim=-1))


class MultiGradeNet(nn.Module):
    """Multi-grade deep learning (MGDL): shallow networks composed grade by grade.

    ``grades[l]`` lists the hidden widths of grade ``l`` (e.g. ``[[64, 64], [64, 64]]``: two grades
    of two hidden layers). Grade 0 reads the input, grade ``l > 0`` reads the last hidden features
    of grade ``l - 1`` (its last hidden layer after the activation, as in the MGDL code); each
    grade has its own linear head, and the output is the sum of the heads of grades
    ``0..active_grade``. The paper's synthetic runs use ``[[256, 256]] * 4`` with ReLU.

    Training (one loss for every grade): call :meth:`start_grade` with ``0, 1, ...`` in turn and
    minimise ``mse(model(x), y)`` over the parameters that still require grad. Earlier grades are
    frozen, so this fits grade ``l`` to the residual ``y - (output of grades < l)``, as in MGDL.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> net = MultiGradeNet(grades=[[8], [8]])
        >>> net.start_grade(1)
        >>> count_parameters(net, trainable_only=True) == 8 * 8 + 8 + 8 + 1
        True
    """

    def __init__(
        self,
        in_features: int = 1,
        out_features: int = 1,
        grades: Sequence[Sequence[int]] = ((64, 64), (64, 64), (64, 64)),
        *,
        activation: str = "relu",
        omega0: float = 30.0,
    ) -> None:
        super().__init__()
        positive_int("in_features", in_features, error=InvalidModelError)
        positive_int("out_features", out_features, error=InvalidModelError)
        _check_activation(activation)
        if len(grades) == 0 or any(len(g) == 0 for g in grades):
            raise InvalidModelError(
                f"grades must be a non-empty list of non-empty width lists, got {grades!r}; "
                "e.g. [[64, 64], [64, 64]] for two grades of two hidden layers"
            )
        for grade in grades:
            for width in grade:
                positive_int("every grade width", width, error=InvalidModelError)
        self.features = nn.ModuleList()
        self.heads = nn.ModuleList()
        fan_in = in_features
        for index, grade in enumerate(grades):
            widths = [fan_in, *grade]
            self.features.append(_hidden_stack(widths, activation, omega0, first_is_input=index == 0))
            self.heads.append(nn.Linear(grade[-1], out_features))
            fan_in = grade[-1]
        self.active_grade = 0
        self.start_grade(0)

    @property
    def num_grades(self) -> int:
        """How many grades the network has."""
        return len(self.features)

    def start_grade(self, grade: int) -> None:
        """Make ``grade`` the one being trained: freeze grades below it, ignore grades above it."""
        if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade < self.num_grades:
            raise InvalidModelError(
                f"grade {grade!r} does not exist; this network has grades 0..{self.num_grades - 1}"
            )
        self.active_grade = grade
        for index, (features, head) in enumerate(zip(self.features, self.heads)):
            for p in (*features.parameters(), *head.parameters()):
                p.requires_grad_(index == grade)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = None
        z = x
        for index in range(self.active_grade + 1):
            if index < self.active_grade:
                with torch.no_grad():
                    z = self.features[index](z)
                    term = self.heads[index](z)
            else:
                z = self.features[index](z)
                term = self.heads[index](z)
            out = term if out is None else out + term
        return out
