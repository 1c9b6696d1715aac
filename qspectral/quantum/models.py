r"""Data re-uploading quantum models as torch modules: Fourier series with a known spectrum.

**The model** (Schuld, Sweke & Meyer 2021) on ``n`` qubits with ``L`` encoding layers is

.. math:: f(x) = \langle 0| W_0^\dagger S(x)^\dagger \cdots S(x)^\dagger W_L^\dagger\, Z_0\,
          W_L S(x) \cdots S(x) W_0 |0\rangle ,

measured as the expectation of Pauli ``Z`` on qubit 0 (qubit ``q`` = bit ``q``, Qiskit's order).

* Each trainable block :math:`W_l` (``l = 0..L``) is ``depth`` sublayers of a general rotation
  ``Rot(a, b, c) = RZ(c) RY(b) RZ(a)`` (PennyLane's ``qml.Rot``) on every qubit followed by a ring
  of CNOTs ``(0->1, 1->2, ..., n-1->0)`` (a single CNOT for two qubits, none for one).
* Each encoding layer :math:`S(x) = \prod_{q} R_P(s_q x)` applies Pauli rotations
  :math:`R_P(\theta) = e^{-i\theta P/2}` (``P`` = X, Y or Z: ``rotation="rx"|"ry"|"rz"``) with
  integer scales ``s_q``:

  ===============  ====================  ===========================  ================================
  ``encoding``     qubits, scales        spectrum                     redundancy of frequency ``w``
  ===============  ====================  ===========================  ================================
  ``serial``       qubit 0, 1            ``-L..L``                    ``binom(2L, L+w)``
  ``parallel``     every qubit, 1        ``-nL..nL``                  ``binom(2nL, nL+w)``
  ``exponential``  qubit q, ``2**q``     ``-L(2^n-1)..L(2^n-1)``      ``2**n - |w|`` for ``L = 1``
  ``ternary``      qubit q, ``3**q``     ``-L(3^n-1)/2..L(3^n-1)/2``  ``2**(n - nnz(w))`` for ``L = 1``
  ===============  ====================  ===========================  ================================

(``nnz(w)``: the number of non-zero digits of ``w`` in balanced ternary, digits -1, 0, 1. The
ternary encoding's redundancy is not monotone in frequency -- e.g. 4, 2, 4, 2, 1 at
``w = 1..5`` for ``n = 3`` -- so it separates redundancy from frequency; the exponential
encoding's redundancy falls linearly with ``|w|``.)

**Spectrum.** The generator of one encoding layer, :math:`\sum_q s_q P_q/2`, has eigenvalues
:math:`\lambda = \sum_q \pm s_q/2`; ``f`` is a Fourier series :math:`f(x)=\sum_\omega
c_\omega e^{i\omega x}` whose frequencies are the differences :math:`\Lambda_j-\Lambda_k` of sums
of one eigenvalue per layer. The *redundancy* of :math:`\omega` is the number of such pairs of
eigenvalue paths (counted on the encoded qubits); Pauli encodings concentrate it on low
frequencies (binomial), the exponential encoding spreads it (with one layer every eigenvalue sum
occurs once).

**Simulation.** Each trainable block is fused into one dense ``2**n x 2**n`` unitary (the
Kronecker product of its ``Rot`` gates times the CNOT ring's unitary, which the torch statevector
kernels (:mod:`qspectral.kernels`) compute by applying the CNOTs to the basis states);
the encoding becomes one batched diagonal ``exp(-i x Lambda)`` in the rotation's eigenbasis (the
basis change is folded into the blocks). The engine then runs the batch of states: ``L + 1``
``apply_matrix`` and ``L`` ``apply_diagonal`` calls, batched over inputs and differentiable.
Dense blocks suit models of up to ~10 qubits.
:meth:`ReuploadingModel.qnode` builds the same circuit as a PennyLane QNode for cross-checks.

Example:
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> model = ReuploadingModel(num_qubits=2, num_layers=2, encoding="parallel")
    >>> model.degree, frequency_redundancy(model).tolist()        # binom(8, 4 + w), w = 0..4
    (4, [70, 56, 28, 8, 1])
    >>> c = fourier_coefficients(model)                             # 9 coefficients, fft order
    >>> x = torch.tensor([0.3], dtype=torch.float64)
    >>> series = sum(c[w] * torch.exp(1j * w * x) for w in range(-4, 5))
    >>> bool(torch.allclose(series.real, model(x)))
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from qspectral.errors import InvalidModelError
from qspectral.kernels.apply import apply_diagonal, apply_matrix
from qspectral.kernels.gates import gate_matrix
from qspectral.kernels.states import REAL_DTYPE, zero_state
from qspectral.validation import positive_int

ENCODINGS = ("serial", "parallel", "exponential", "ternary")
ROTATIONS = ("rx", "ry", "rz")


def encoding_scales(num_qubits: int, encoding: str) -> list[tuple[int, int]]:
    """The ``(qubit, scale)`` pairs of one encoding layer.

    Example:
        >>> encoding_scales(3, "exponential")
        [(0, 1), (1, 2), (2, 4)]
    """
    positive_int("num_qubits", num_qubits, error=InvalidModelError)
    if encoding == "serial":
        return [(0, 1)]
    if encoding == "parallel":
        return [(q, 1) for q in range(num_qubits)]
    if encoding == "exponential":
        return [(q, 2**q) for q in range(num_qubits)]
    if encoding == "ternary":
        return [(q, 3**q) for q in range(num_qubits)]
    raise InvalidModelError(f"unknown encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")


def _ring(num_qubits: int) -> list[tuple[int, int]]:
    if num_qubits == 1:
        return []
    if num_qubits == 2:
        return [(0, 1)]
    return [(q, (q + 1) % num_qubits) for q in range(num_qubits)]


def rot_matrices(angles: torch.Tensor) -> torch.Tensor:
    """Matrices of ``qml.Rot(a, b, c) = RZ(c) RY(b) RZ(a)`` for angles ``(..., 3)``: shape ``(..., 2, 2)``.

    Entries ``[[e^{-i(a+c)/2} cos(b/2), -e^{i(a-c)/2} sin(b/2)], [e^{-i(a-c)/2} sin(b/2),
    e^{i(a+c)/2} cos(b/2)]]``, complex of the matching precision, differentiable.

    Example:
        >>> import torch
        >>> angles = torch.tensor([0.3, 1.1, -0.4], dtype=torch.float64)
        >>> rz = lambda t: gate_matrix("rz", (t,))
        >>> bool(torch.allclose(rot_matrices(angles), rz(angles[2]) @ gate_matrix("ry", (angles[1],)) @ rz(angles[0])))
        True
    """
    a, b, c = angles.unbind(-1)
    half_sum, half_diff = (a + c) / 2, (a - c) / 2
    cos, sin = torch.cos(b / 2), torch.sin(b / 2)
    magnitude = torch.stack([cos, -sin, sin, cos], dim=-1)
    phase = torch.stack([-half_sum, half_diff, -half_diff, half_sum], dim=-1)
    # magnitude * exp(i phase), not torch.polar(magnitude, phase): polar's backward is wrong for
    # negative magnitudes (cos and sin of b/2 take both signs)
    unit = torch.polar(torch.ones_like(phase), phase)
    return (magnitude.to(unit.dtype) * unit).reshape(angles.shape[:-1] + (2, 2))


class ReuploadingModel(nn.Module):
    """A data re-uploading model ``f(x) = <Z_0>`` with ``num_layers`` encoding layers (module docstring).

    ``forward(x)`` takes real inputs of any shape (radians) and returns ``f`` elementwise in the
    real dtype matching ``dtype`` (``complex128`` -> ``float64``). The trainable parameter
    ``weights`` has shape ``(num_layers + 1, depth, num_qubits, 3)``: the ``Rot`` angles of each
    block, sublayer and qubit, initialised uniformly in ``[0, 2 pi)`` from torch's generator.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(1)
        >>> model = ReuploadingModel(1, 3, encoding="serial")
        >>> x = torch.linspace(0, 6.0, 5, dtype=torch.float64)
        >>> y = model(x)
        >>> y.shape, bool(torch.all(y.abs() <= 1))
        (torch.Size([5]), True)
    """

    def __init__(
        self,
        num_qubits: int,
        num_layers: int,
        *,
        encoding: str = "serial",
        rotation: str = "rx",
        depth: int = 1,
        dtype: torch.dtype = torch.complex128,
    ) -> None:
        super().__init__()
        positive_int("num_qubits", num_qubits, error=InvalidModelError)
        positive_int("num_layers", num_layers, error=InvalidModelError)
        positive_int("depth", depth, error=InvalidModelError)
        if num_qubits > 12:
            raise InvalidModelError(
                f"num_qubits={num_qubits}: the model fuses each block into a dense "
                f"2**n x 2**n unitary, which is impractical above 12 qubits; use fewer qubits"
            )
        if rotation not in ROTATIONS:
            raise InvalidModelError(f"unknown rotation {rotation!r}; choose one of {', '.join(ROTATIONS)}")
        if dtype not in REAL_DTYPE:
            raise InvalidModelError(f"dtype must be torch.complex64 or torch.complex128, got {dtype}")
        self.num_qubits = num_qubits
        self.num_layers = num_layers
        self.encoding = encoding
        self.rotation = rotation
        self.depth = depth
        self.dtype = dtype
        self.scales = encoding_scales(num_qubits, encoding)
        self.weights = nn.Parameter(
            2 * math.pi * torch.rand(num_layers + 1, depth, num_qubits, 3, dtype=REAL_DTYPE[dtype])
        )
        n_states = 2**num_qubits
        index = torch.arange(n_states)
        # Lambda_i = sum_q s_q (1 - 2 bit_q(i)) / 2: the eigenvalue of the layer generator on |i>
        eigenvalues = sum(s * (1 - 2 * ((index >> q) & 1)).to(REAL_DTYPE[dtype]) / 2 for q, s in self.scales)
        self.register_buffer("eigenvalues", eigenvalues, persistent=False)
        self.register_buffer("z0", (1 - 2 * (index & 1)).to(REAL_DTYPE[dtype]), persistent=False)
        self.register_buffer("entangler", self._constant_unitary(self._apply_ring), persistent=False)
        self.register_buffer("basis_change", self._constant_unitary(self._apply_eigenbasis), persistent=False)

    # -- constant unitaries, built by running the engine on the basis states -------------------

    def _constant_unitary(self, circuit: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """The unitary of ``circuit``: the engine runs it on the basis states (column j = U|j>)."""
        rows = circuit(torch.eye(2**self.num_qubits, dtype=self.dtype))  # row j is |j>
        return rows.T

    def _apply_ring(self, states: torch.Tensor) -> torch.Tensor:
        cx = gate_matrix("cx", dtype=self.dtype, device=states.device)
        for control, target in _ring(self.num_qubits):
            states = apply_matrix(states, cx, [control, target])
        return states

    def _apply_eigenbasis(self, states: torch.Tensor) -> torch.Tensor:
        """``V`` on the encoded qubits, with ``R_P(theta) = V RZ(theta) V^dagger``."""
        names = {"rx": ["h"], "ry": ["h", "s"], "rz": []}[self.rotation]  # V = H, S H, identity
        for qubit, _ in self.scales:
            for name in names:
                states = apply_matrix(states, gate_matrix(name, dtype=self.dtype, device=states.device), [qubit])
        return states

    # -- the trainable blocks ----------------------------------------------------------------

    def block_unitaries(self) -> torch.Tensor:
        """The ``(num_layers + 1, N, N)`` unitaries ``W_l`` of the trainable blocks (differentiable).

        Each sublayer is the Kronecker product of its ``Rot`` gates (:func:`rot_matrices`,
        ``qubit 0`` the least significant factor) followed by the CNOT ring's constant unitary.
        """
        blocks, n = self.num_layers + 1, self.num_qubits
        rot = rot_matrices(self.weights).reshape(blocks * self.depth, n, 2, 2)
        layer = rot[:, 0]
        for qubit in range(1, n):  # kron(R_q, layer): qubit q becomes the next higher index bit
            size = layer.shape[-1]
            layer = (rot[:, qubit, :, None, :, None] * layer[:, None, :, None, :]).reshape(-1, 2 * size, 2 * size)
        layer = layer.reshape(blocks, self.depth, 2**n, 2**n)
        if n > 1:
            layer = self.entangler @ layer
        unitary = layer[:, 0]
        for sub in range(1, self.depth):
            unitary = layer[:, sub] @ unitary
        return unitary

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        real = REAL_DTYPE[self.dtype]
        x = torch.as_tensor(x, device=self.weights.device)
        if x.is_complex():
            raise InvalidModelError("inputs must be real angles, got a complex tensor")
        shape = x.shape
        angles = x.reshape(-1, 1).to(real)
        qubits = range(self.num_qubits)
        w = self.block_unitaries()
        v = self.basis_change
        # W_L (V D V^dag) W_{L-1} ... (V D V^dag) W_0 |0>  with the V's folded into the blocks
        first = v.mH @ w[0]
        middle = v.mH @ w[1:-1] @ v
        last = w[-1] @ v
        theta = angles * self.eigenvalues
        phases = torch.polar(torch.ones_like(theta), -theta)
        state = apply_matrix(zero_state(self.num_qubits, dtype=self.dtype, device=angles.device), first, qubits)
        for layer in range(self.num_layers):
            state = apply_diagonal(state, phases, qubits)
            state = apply_matrix(state, middle[layer] if layer < self.num_layers - 1 else last, qubits)
        probabilities = state.real**2 + state.imag**2
        return (probabilities @ self.z0).reshape(shape)

    @property
    def degree(self) -> int:
        """The largest frequency of the model's spectrum, ``num_layers * sum(scales)``."""
        return self.num_layers * sum(s for _, s in self.scales)

    # -- the same circuit in PennyLane ---------------------------------------------------------

    def qnode(self, device: str = "default.qubit", *, interface: str = "torch", **qnode_kwargs):
        """The same circuit as a PennyLane QNode ``qnode(x, weights) -> <Z_0>``, on ``device``.

        Wire ``q`` is qubit ``q``; pass ``model.weights`` (or any tensor of its shape) as
        ``weights``. ``x`` may be a batch (PennyLane parameter broadcasting).

        Example:
            >>> import torch
            >>> _ = torch.manual_seed(0)
            >>> model = ReuploadingModel(2, 1, encoding="exponential")
            >>> x = torch.tensor(0.7, dtype=torch.float64)
            >>> bool(torch.isclose(model.qnode()(x, model.weights), model(x)))
            True
        """
        import pennylane as qml

        gate = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ}[self.rotation]
        ring, scales = _ring(self.num_qubits), self.scales
        layers, depth, n = self.num_layers, self.depth, self.num_qubits

        def circuit(x, weights):
            for block in range(layers + 1):
                if block > 0:
                    for qubit, scale in scales:
                        gate(scale * x, wires=qubit)
                for sub in range(depth):
                    for qubit in range(n):
                        qml.Rot(*weights[block, sub, qubit], wires=qubit)
                    for control, target in ring:
                        qml.CNOT(wires=[control, target])
            return qml.expval(qml.Z(0))

        return qml.QNode(circuit, qml.device(device, wires=n), interface=interface, **qnode_kwargs)


def _eigenvalue_histogram(model: ReuploadingModel) -> np.ndarray:
    """Counts of ``2 * Lambda`` (sum over layers of one eigenvalue each), offset to start at 0."""
    layer = np.zeros(1, dtype=np.int64)
    layer[0] = 1
    for _, scale in model.scales:  # each Pauli term adds +-scale to 2*lambda
        grown = np.zeros(layer.size + 2 * scale, dtype=np.int64)
        grown[: layer.size] += layer
        grown[2 * scale :] += layer
        layer = grown
    total = np.ones(1, dtype=np.int64)
    for _ in range(model.num_layers):
        total = np.convolve(total, layer)
    return total


def frequency_redundancy(model: ReuploadingModel) -> np.ndarray:
    """Redundancy ``R(w)`` of each frequency ``w = 0..degree`` (the module docstring's table).

    ``R(w)`` counts the pairs of eigenvalue paths (one eigenvalue of each layer's generator,
    restricted to the encoded qubits) whose sums differ by ``w``; ``R(-w) = R(w)``.

    Example:
        >>> import torch
        >>> frequency_redundancy(ReuploadingModel(3, 1, encoding="exponential")).tolist()
        [8, 7, 6, 5, 4, 3, 2, 1]
    """
    hist = _eigenvalue_histogram(model)
    pairs = np.correlate(hist, hist, mode="full")  # index (size - 1) + d counts 2*Lambda_j - 2*Lambda_k = d
    centre = hist.size - 1
    return pairs[centre::2][: model.degree + 1]


def frequency_spectrum(model: ReuploadingModel) -> np.ndarray:
    """The model's non-negative frequencies (its spectrum is these and their negatives).

    Example:
        >>> frequency_spectrum(ReuploadingModel(2, 2, encoding="parallel")).tolist()
        [0, 1, 2, 3, 4]
    """
    return np.flatnonzero(frequency_redundancy(model) > 0)


def fourier_coefficients(model: Callable[[torch.Tensor], torch.Tensor], degree: int | None = None) -> torch.Tensor:
    r"""Coefficients :math:`c_{-d..d}` of :math:`f(x)=\sum_\omega c_\omega e^{i\omega x}`, by one batched FFT.

    Evaluates ``model`` on the ``2d + 1`` points ``x_j = 2 pi j / (2d + 1)`` in one batch (no
    gradient) and returns ``fft(f) / (2d + 1)`` as a complex tensor in numpy's FFT order
    ``c_0, c_1, ..., c_d, c_{-d}, ..., c_{-1}`` (as :func:`pennylane.fourier.coefficients`).
    ``degree`` defaults to ``model.degree``; it must be at least the model's true degree, or
    higher frequencies alias onto lower ones.

    Example:
        >>> import torch
        >>> c = fourier_coefficients(lambda x: torch.cos(2 * x), degree=2)
        >>> [round(float(v.real), 12) for v in c]
        [0.0, 0.0, 0.5, 0.5, 0.0]
    """
    if degree is None:
        degree = getattr(model, "degree", None)
        if degree is None:
            raise InvalidModelError("pass degree= for a model without a .degree attribute")
    positive_int("degree", degree, error=InvalidModelError)
    if getattr(model, "degree", 0) > degree:
        raise InvalidModelError(
            f"degree={degree} is below the model's degree {model.degree}: its higher frequencies "
            "would alias onto the computed coefficients; pass degree >= model.degree"
        )
    params = next(iter(model.parameters()), None) if isinstance(model, nn.Module) else None
    real = params.dtype if params is not None and params.is_floating_point() else torch.float64
    device = params.device if params is not None else "cpu"
    points = 2 * degree + 1
    grid = 2 * math.pi * torch.arange(points, dtype=real, device=device) / points
    with torch.no_grad():
        values = model(grid)
    return torch.fft.fft(values.to(torch.complex128 if real == torch.float64 else torch.complex64)) / points


def coefficient_gradient_norms(model: ReuploadingModel, degree: int | None = None) -> torch.Tensor:
    r"""Gradient norms :math:`g_\omega = \|\partial c_\omega / \partial \theta\|_2`, ``w = 0..degree``.

    :math:`c_\omega` is the Fourier coefficient of :func:`fourier_coefficients` (same grid of
    ``2d + 1`` points), :math:`\theta` all of the model's trainable parameters, and
    :math:`\|\partial c/\partial\theta\|^2 = \sum_\theta |\partial \mathrm{Re}\, c/\partial\theta|^2 +
    |\partial \mathrm{Im}\, c/\partial\theta|^2`. :math:`g_\omega^2` is the diagonal of the model's
    tangent kernel in the Fourier basis: the rate at which gradient descent moves :math:`c_\omega`
    per unit of loss gradient on it (Duffy & Jastrzebski 2025 relate it to the redundancy).

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> g = coefficient_gradient_norms(ReuploadingModel(1, 1))      # f = a + b cos(x) + ...: d = 1
        >>> g.shape, bool(torch.all(g >= 0))
        (torch.Size([2]), True)
    """
    degree = model.degree if degree is None else positive_int("degree", degree, error=InvalidModelError)
    if degree < model.degree:
        raise InvalidModelError(f"degree={degree} is below the model's degree {model.degree}; frequencies would alias")
    params = [p for p in model.parameters() if p.requires_grad]
    points = 2 * degree + 1
    real = params[0].dtype
    grid = 2 * math.pi * torch.arange(points, dtype=real, device=params[0].device) / points
    values = model(grid)
    rows = [torch.cat([g.reshape(-1) for g in torch.autograd.grad(values[j], params, retain_graph=True)])
            for j in range(points)]
    jacobian = torch.stack(rows).detach()  # (points, parameters): d f(x_j) / d theta
    dc = torch.fft.fft(jacobian.to(torch.complex128), dim=0) / points
    return torch.sqrt((dc.real**2 + dc.imag**2).sum(dim=1))[: degree + 1].to(real)
