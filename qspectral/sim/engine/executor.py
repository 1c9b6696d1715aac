r"""Execute a compiled :class:`~qspectral.sim.engine.program.Program` on a batch of torch states.

**Layout.** The executor keeps the state's index bits as a permutation of the wires
(``holder[p]`` is the wire at bit ``p``) and moves wires only when a step needs them elsewhere:

- a matrix step needs its wires on adjacent bits (then it is one batched GEMM on a view of the
  state); if they are not, one permuted copy brings them together, keeping the lowest bits in
  place so that the copy moves contiguous runs;
- a QFT step runs one ``torch.fft`` along the axis its wires form (torch may return that axis
  innermost: a relabelling, not a copy); on the CPU without autograd, from ``POCKETFFT_BITS``
  qubits, two in-place pocketfft passes and a twiddle, which leave the subset's two halves of bits
  exchanged (a relabelling; the next QFT on them reads that layout and restores the order);
- a permutation step (X, CX, SWAP, CCX products) is an index gather; a one-qubit gate on a large
  owned state runs in place;
- a diagonal step multiplies in place, broadcasting over the current layout; a phase step (a
  spectral gate's real array) too, making its complex factors slice by slice; a filter step (a
  spectral filter's gains) is two real multiply-adds per half; a multiplexed step (uniformly
  controlled one-qubit gate) is four broadcast multiply-adds;
- ``swap`` gates were already turned into relabellings by the compiler.

The result is permuted back to the plain order (qubit ``q`` = bit ``q``) once, at the end, or
handed over as it lies with each qubit's bit (:func:`execute_unordered`, for measurements).

**Memory.** Without autograd the executor works in two buffers (the current state and a spare it
reuses), frees the spare before each FFT (which allocates its output), and may free the input
when it created it (:func:`execute` with ``state=None``). A state-sized FFT also makes MKL
allocate a state-sized workspace, so from ``LEAN_FFT_AMPLITUDES`` amplitudes a QFT runs as two
half-length FFTs and a twiddle instead: the peak is then about two states. From that size, on a
state the engine owns (after the first step, or from the start with ``state=None``), the
half-length FFTs run in place block by block and a final exchange of two equal halves of the bits
is an in-place tiled transpose: the run then holds one state. On the CPU without autograd a QFT
of ``POCKETFFT_BITS`` or more bits runs in place (two pocketfft passes and a twiddle), faster
and with no new state, at any size. With autograd every step's output is kept for the backward pass.

**Dispatch and cache.** Each step class has its handler (``_APPLY``). The operators of constant
steps are computed once per step, dtype and device and kept in the executor's own cache, keyed
weakly by the (immutable) step, so a compiled program is never modified by running it.

Example:
    >>> from qspectral import qft
    >>> from qspectral.sim.engine.compiler import compile_circuit
    >>> out = execute(compile_circuit(qft(4)))                # QFT of |0000>: the uniform state
    >>> bool(torch.allclose(out, torch.full((1, 16), 0.25, dtype=torch.complex128)))
    True
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Callable, Mapping, Sequence

import torch
from qiskit.circuit import Parameter

from qspectral.errors import UnsupportedCircuitError
from qspectral.kernels.fft import (
    IN_PLACE_BLOCK,
    fft_bits,
    fft_bits_in_place,
    qft_orders,
    split_fft,
    twiddle,
)
from qspectral.kernels.layout import (
    bring_high,
    bring_low,
    diagonal_at,
    filter_at,
    is_contiguous_block,
    matrix_at,
    one_qubit_in_place,
    multiplexed_at,
    permute_at,
    permute_positions,
    phase_at,
    transpose_in_place,
)
from qspectral.kernels.states import REAL_DTYPE
from qspectral.kernels.threads import fft_workers, single_thread_if_small, torch_threads
from qspectral.sim.engine.binding import Resolver, kron, layer_matrices, step_operator
from qspectral.sim.engine.product import product_start
from qspectral.sim.engine.program import (
    DiagonalStep,
    FFTStep,
    FilterStep,
    LayerStep,
    MatrixStep,
    MultiplexedStep,
    PermutationStep,
    PhaseStep,
    Program,
    Step,
)

#: From this many amplitudes (batch included) a QFT runs as two half-length FFTs and a twiddle:
#: MKL's single long FFT allocates a workspace as large as the state (peak three states), the
#: split one does not (peak two). (On the CPU without autograd, long QFTs run in place anyway:
#: see POCKETFFT_BITS.)
LEAN_FFT_AMPLITUDES = 2**27
#: On the CPU without autograd a QFT of at least this many bits runs in place as two pocketfft
#: passes and a twiddle (:func:`~qspectral.kernels.fft.split_fft`): MKL's one long FFT is
#: single-threaded and not cache-blocked (2 idle cores, complex128: 2**18 1.2 vs 1.9 ms, 2**20
#: 8 vs 11 ms, 2**22 29 vs 71 ms, 2**24 124 vs 330 ms; 2**16: 0.6 vs 0.5 ms), and it allocates a
#: new state and a state-sized workspace.
POCKETFFT_BITS = 18

#: From this many amplitudes a one-qubit gate on a state the engine owns runs in place
#: (:func:`~qspectral.kernels.layout.one_qubit_in_place`): as fast as a GEMM or faster, and no
#: second state (2**20 amplitudes, any bit: 0.6-1.0 ms vs 0.6-1.3 ms into a warm buffer).
ONE_QUBIT_IN_PLACE_AMPLITUDES = 2**16

#: A gate on adjacent bits above bit ``low`` is a batch of GEMMs of width ``2**low``: fast from here.
_MIN_GEMM_WIDTH_BITS = 4


def _gemm_in_place(positions: Sequence[int], num_qubits: int) -> bool:
    """True when a matrix on index bits ``positions`` is a fast GEMM on a view of the state.

    The bits must be adjacent; then the GEMM is one matrix product when they are the lowest or
    the highest bits, or a batch of products of width ``2**min(positions)``, fast only when that
    width is large enough (or the matrix small).
    """
    if not is_contiguous_block(positions):
        return False
    low, k = min(positions), len(positions)
    return low == 0 or low + k == num_qubits or k <= 2 or low >= _MIN_GEMM_WIDTH_BITS


def _gemm_layout(holder: list[int], wires: Sequence[int], lowest: int) -> list[int]:
    """Where to move a gate's ``wires`` (``lowest`` = their lowest bit now) so that they are adjacent.

    The bits below ``lowest`` stay put, so the permuted copy moves runs of ``2**lowest``
    contiguous amplitudes; the gate lands just above them when that run is long enough for a
    fast batched GEMM, else at the top (the bits below keep their order).
    """
    if lowest >= _MIN_GEMM_WIDTH_BITS:
        moving = set(wires)
        return holder[:lowest] + list(wires) + [w for w in holder[lowest:] if w not in moving]
    return bring_high(holder, wires)[1]


class _Executor:
    """Runs a program's steps on one state tensor, moving wires between index bits lazily."""

    def __init__(self, state: torch.Tensor, num_qubits: int, in_place: bool, owned: bool) -> None:
        self.state = state
        self.n = num_qubits
        self.in_place = in_place
        self.owned = owned  # False: the tensor is the caller's and is never written to
        self.spare: torch.Tensor | None = None
        self.holder = list(range(num_qubits))  # holder[p] = wire at index bit p

    def _position(self, wires: Sequence[int]) -> list[int]:
        where = {w: p for p, w in enumerate(self.holder)}
        return [where[w] for w in wires]

    def _buffer(self, shape: tuple[int, int]) -> torch.Tensor | None:
        if not self.in_place:
            return None
        spare, self.spare = self.spare, None
        if spare is not None and tuple(spare.shape) == shape:
            return spare
        return torch.empty(shape, dtype=self.state.dtype, device=self.state.device)

    def _advance(self, new: torch.Tensor) -> None:
        old, self.state = self.state, new
        if self.in_place and self.owned and old.shape == new.shape and old.data_ptr() != new.data_ptr():
            self.spare = old
        self.owned = True

    def _lean(self) -> bool:
        """True when the state is large (``LEAN_FFT_AMPLITUDES``) and the engine's own to overwrite:
        then FFTs and half-swaps run in place, and the run holds one state."""
        return self.in_place and self.owned and self.state.numel() >= LEAN_FFT_AMPLITUDES

    def relayout(self, new_holder: Sequence[int]) -> None:
        source = self._position(new_holder)
        if source != list(range(self.n)):
            if not (self._lean() and transpose_in_place(self.state, source)):
                self._advance(permute_positions(self.state, source, out=self._buffer(tuple(self.state.shape))))
            self.holder = list(new_holder)

    def _adjacent(self, wires: Sequence[int], ready: Callable[[list[int]], bool]) -> list[int]:
        """The index bits of ``wires``, moved next to each other first unless ``ready(bits)``."""
        positions = self._position(wires)
        if not ready(positions):
            self.relayout(_gemm_layout(self.holder, wires, min(positions)))
            positions = self._position(wires)
        return positions

    def matrix(self, matrix: torch.Tensor, wires: Sequence[int]) -> None:
        if len(wires) == 1 and matrix.dim() == 2 and self.in_place and self.owned and (
                self.state.numel() >= ONE_QUBIT_IN_PLACE_AMPLITUDES):
            one_qubit_in_place(self.state, matrix, self._position(wires)[0])
            return
        positions = self._adjacent(wires, lambda bits: _gemm_in_place(bits, self.n))
        batch = max(self.state.shape[0], matrix.shape[0] if matrix.dim() == 3 else 1)
        out = self._buffer((batch, self.state.shape[1]))
        self._advance(matrix_at(self.state, matrix, positions, out=out))

    def permutation(self, source: torch.Tensor, wires: Sequence[int]) -> None:
        positions = self._adjacent(wires, is_contiguous_block)
        self._advance(permute_at(self.state, source, positions, out=self._buffer(tuple(self.state.shape))))

    def diagonal(self, diagonal: torch.Tensor, wires: Sequence[int]) -> None:
        in_place = self.in_place and self.owned
        new = diagonal_at(self.state, diagonal, self._position(wires), in_place=in_place)
        if new is not self.state:
            self._advance(new)

    def phases(self, phases: torch.Tensor, wires: Sequence[int]) -> None:
        in_place = self.in_place and self.owned
        new = phase_at(self.state, phases.to(self.state.device), self._position(wires), in_place=in_place)
        if new is not self.state:
            self._advance(new)

    def filter(self, gains: torch.Tensor, wires: Sequence[int]) -> None:
        positions = self._position(wires)
        new = filter_at(self.state, gains.to(self.state.device), positions[0], positions[1:],
                        in_place=self.in_place and self.owned)
        if new is not self.state:
            self._advance(new)

    def multiplexed(self, blocks: torch.Tensor, wires: Sequence[int]) -> None:
        positions = self._position(wires)
        out = self._buffer(tuple(self.state.shape))
        self._advance(multiplexed_at(self.state, blocks, positions[0], positions[1:], out=out))

    def fft(self, wires: Sequence[int], inverse: bool, do_swaps: bool) -> None:
        read, write = qft_orders(wires, inverse=inverse, do_swaps=do_swaps)
        m = len(read)
        if m >= POCKETFFT_BITS and self.in_place and self.state.device.type == "cpu":
            self._fft_in_place(read, write, inverse)
            return
        labels = self._labels(read)
        rotated = labels is not None and labels != list(range(m))
        if m >= 2 and (rotated or self.state.numel() >= LEAN_FFT_AMPLITUDES):
            if labels is None:
                self.relayout(bring_low(self.holder, read)[1])
                labels = list(range(m))
            self._split_fft(labels, inverse, write)
            return
        positions = self._position(read)
        low = positions[0]
        if positions != list(range(low, low + m)):
            self.relayout(bring_low(self.holder, read)[1])
            low = 0
        moved = self._fresh(fft_bits, low, m, inverse=inverse)
        self._land(low, m, moved, write)

    def _fft_in_place(self, read: list[int], write: list[int], inverse: bool) -> None:
        """The QFT as :func:`split_fft` on the subset where it lies (in order, or as the rotation a
        previous one left; else brought to the low bits first): in place on a state the engine
        owns, else into one new state (the caller's is never written to)."""
        if self.state.is_conj() or self.state.is_neg():  # numpy cannot view those: one plain copy
            self._advance(self.state.resolve_conj().resolve_neg())
        workers = fft_workers(self.state.numel())
        m = len(read)
        low = min(self._position(read))
        labels = self._labels(read, low)
        if labels is None:
            self.relayout(bring_low(self.holder, read)[1])
            low, labels = 0, list(range(m))
        rotation = labels[0]  # 0: x_L (the low half) in the lower run; else x_H there, x_L above
        low_bits = rotation or m // 2
        with torch_threads(1):  # torch's OpenMP threads would spin while pocketfft's threads work
            out = split_fft(self.state, low, m, low_bits, x_low_first=not rotation, inverse=inverse,
                            workers=workers, overwrite=self.owned)
        if out is not self.state:
            self._advance(out)
        order = list(range(m)) if rotation else [*range(m - low_bits, m), *range(m - low_bits)]
        self.holder[low : low + m] = [write[k] for k in order]

    def _labels(self, read: list[int], low: int = 0) -> list[int] | None:
        """Which index bit of the subset each of the positions ``low .. low+m-1`` holds, if they
        hold the subset as the two halves of a rotation (``j, j+1, ..., m-1, 0, ..., j-1``), else None."""
        m = len(read)
        index = {w: j for j, w in enumerate(read)}
        labels = [index.get(w) for w in self.holder[low : low + m]]
        if len(labels) < m or None in labels or any(labels[p] != (labels[0] + p) % m for p in range(m)):
            return None
        return labels

    def _land(self, low: int, count: int, moved: bool, outputs: Sequence) -> None:
        """Record that bits ``low .. low+count-1`` were transformed and now hold ``outputs``."""
        if moved:  # the transformed axis went innermost, the bits below it moved up
            self.holder = list(outputs) + self.holder[:low] + self.holder[low + count :]
        else:
            self.holder[low : low + count] = list(outputs)

    def _split_fft(self, labels: list[int], inverse: bool, write: list[int]) -> None:
        """A length-``2**m`` DFT on the low ``m`` bits as two batched FFTs and a twiddle.

        With the subset index ``x = x_L + 2**r x_H``: transform ``x_H`` (giving the low bits of the
        output ``k``), multiply by ``w**(x_L k_low)``, transform ``x_L`` (giving the high bits of
        ``k``). No FFT here is state-sized, so MKL allocates no state-sized workspace. ``labels``
        (see :meth:`_labels`) is the input layout: in order (then ``r = m // 2``) or rotated
        (then the halves are the two runs as they lie).
        """
        m = len(labels)
        r = labels[-1] + 1 if labels[0] else m // 2  # x_L = subset bits 0 .. r-1
        # Symbolic contents of the low m positions: ("x", bit) before, ("k", bit) after a stage.
        content = [("x", j) for j in labels]
        for bits, out_bits in (((r, m), (0, m - r)), ((0, r), (m - r, m))):
            start = content.index(("x", bits[0]))
            count = bits[1] - bits[0]
            moved = self._fresh(fft_bits, start, count, inverse=inverse)
            done = [("k", j) for j in range(*out_bits)]
            content = done + content[:start] + content[start + count :] if moved else (
                content[:start] + done + content[start + count :]
            )
            if out_bits[0] == 0:  # between the stages: the twiddle on (x_L, k_low)
                bottom = next(p for p, c in enumerate(content) if c[0] != content[0][0])
                new = twiddle(self.state, m, bottom, inverse=inverse, in_place=self.in_place)
                if new is not self.state:
                    self._advance(new)
        self.holder[:m] = [write[j] for _, j in content]

    def _fresh(self, transform, *args, **kwargs) -> bool:
        """Run an FFT (which allocates its own output), freeing the spare buffer first so the peak
        stays at two states; return its ``moved`` flag (see :func:`fft_bits`). In lean mode
        (:meth:`_lean`) a batched FFT runs in place instead (:func:`fft_bits_in_place`)."""
        self.spare = None
        if transform is fft_bits and self._lean() and 2 ** args[1] <= IN_PLACE_BLOCK:
            fft_bits_in_place(self.state, *args, **kwargs)
            return False
        out, moved = transform(self.state, *args, **kwargs)
        self._advance(out)
        return moved

    def phase(self, factor) -> None:
        if self.in_place and self.owned and not (isinstance(factor, torch.Tensor) and factor.dim()):
            self.state.mul_(factor)
            return
        if isinstance(factor, torch.Tensor) and factor.dim():
            factor = factor.to(self.state.dtype).unsqueeze(-1)
        self._advance(self.state * factor)

    def result(self, output_wires: Sequence[int], ordered: bool = True) -> torch.Tensor | tuple[torch.Tensor, list[int]]:
        """The final state in plain order (qubit ``q`` = bit ``q``; ``output_wires[q]`` is the wire
        holding qubit ``q``), or unless ``ordered`` the state as it lies and the bit of each qubit."""
        if ordered:
            self.relayout(list(output_wires))
        self.spare = None
        state = self.state if self.owned else self.state.clone()
        return state if ordered else (state, self._position(output_wires))


def execute(
    program: Program,
    state: torch.Tensor | None = None,
    values: Mapping[Parameter, float | torch.Tensor] | None = None,
    *,
    dtype: torch.dtype = torch.complex128,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Run a compiled ``program`` on ``state`` (``(batch, 2**n)``, never modified) with ``values``.

    ``state=None`` starts from ``|0...0>`` in ``dtype`` on ``device``, created by the engine,
    which then frees it as it goes: the lowest peak memory. No validation (:func:`run_circuit`
    checks its inputs and calls this). Works in place in two buffers unless autograd has to
    track ``state`` or a parameter.
    """
    return _execute(program, state, values, dtype, device, ordered=True)


def execute_unordered(
    program: Program,
    state: torch.Tensor | None = None,
    values: Mapping[Parameter, float | torch.Tensor] | None = None,
    *,
    dtype: torch.dtype = torch.complex128,
    device: str | torch.device = "cpu",
) -> tuple[torch.Tensor, list[int]]:
    """:func:`execute` without the final permutation: ``(out, positions)``, where index bit
    ``positions[q]`` of ``out`` holds qubit ``q``. For measurements that only need to know where
    each qubit is (expectation values, probabilities, samples), this saves a pass over the state.

    Example:
        >>> from qspectral import qft
        >>> from qspectral.sim.engine.compiler import compile_circuit
        >>> out, positions = execute_unordered(compile_circuit(qft(2)))
        >>> sorted(positions)
        [0, 1]
    """
    return _execute(program, state, values, dtype, device, ordered=False)


def _execute(program: Program, state, values, dtype: torch.dtype, device, *, ordered: bool):
    """:func:`execute_owned` on a new ``|0...0>`` (``state=None``) or on the caller's state."""
    if state is None:
        return execute_owned(program, [None], values, owned=True, dtype=dtype, device=device, ordered=ordered)
    return execute_owned(program, [state], values, owned=False, ordered=ordered)


def execute_owned(
    program: Program,
    box: list[torch.Tensor | None],
    values,
    *,
    owned: bool,
    dtype: torch.dtype = torch.complex128,
    device: str | torch.device = "cpu",
    ordered: bool = True,
) -> torch.Tensor | tuple[torch.Tensor, list[int]]:
    """:func:`execute` on the state in ``box``, which it takes out (so that, when ``owned``, the
    engine holds the only reference and may overwrite and free it). ``None`` in ``box`` is
    ``|0...0>`` in ``dtype`` on ``device``: the program's first steps then run on a product state
    (:func:`~qspectral.sim.engine.product.product_start`). ``ordered=False``: see
    :func:`execute_unordered`."""
    values = dict(values or {})
    missing = program.parameters - values.keys()
    if missing:
        names = ", ".join(sorted(p.name for p in missing))
        raise UnsupportedCircuitError(f"no value for the parameter(s) {names}; pass them in values")
    state = box.pop()
    zero = state is None
    if zero:
        state = torch.empty(0, dtype=dtype, device=device)  # dtype and device of the product start
    tracked = torch.is_grad_enabled() and (
        state.requires_grad or any(isinstance(v, torch.Tensor) and v.requires_grad for v in values.values())
    )
    resolve = Resolver(values, REAL_DTYPE[state.dtype], state.device)
    operators = _Operators(resolve, state.dtype, state.device)
    threads = single_thread_if_small(state.device, 2**program.num_qubits if zero else state.numel())
    with threads:
        if zero:
            run, done = product_start(program.steps, program.num_qubits, operators, _factor, state)
            run.in_place = run.owned = not tracked
        else:
            run, done = _Executor(state, program.num_qubits, in_place=not tracked, owned=owned and not tracked), 0
        del state
        for step in program.steps[done:]:
            operators.apply(run, step)
        factor = resolve.phase(program.global_phase)
        if factor is not None:
            run.phase(factor)
        return run.result(program.output_wires, ordered)


def _factor(part: torch.Tensor, holder: list[int]) -> _Executor:
    """An executor on a small state whose index bit ``p`` holds wire ``holder[p]`` (a product-start factor)."""
    run = _Executor(part, len(holder), in_place=False, owned=False)
    run.holder = holder
    return run


#: Operators of constant steps, per step (weakly: they go when the program goes), dtype and device.
_CONSTANT_OPERATORS: weakref.WeakKeyDictionary[Step, dict] = weakref.WeakKeyDictionary()


class _Operators:
    """The operator of a step for one run: from the cache when the step is constant, else built."""

    def __init__(self, resolve: Resolver, dtype: torch.dtype, device: torch.device) -> None:
        self.resolve, self.dtype, self.device = resolve, dtype, device
        self.key = (dtype, str(device))

    def apply(self, run: _Executor, step: Step) -> None:
        """Run ``step`` on ``run`` with its class's handler."""
        _APPLY[type(step)](run, step, self)

    def layer_start(self, step: LayerStep) -> torch.Tensor:
        """A layer step applied to ``|0...0>`` on its wires: the Kronecker product of each wire's
        first column (no ``2**k x 2**k`` matrix), ``(batch, 2**k)``."""
        with single_thread_if_small(self.device, 0):
            columns = layer_matrices(step, self.resolve, self.dtype, self.device)[..., :, 0]
            return kron(columns.unbind(0), vectors=True).reshape(-1, 2 ** len(step.wires))

    def __call__(self, step: Step) -> torch.Tensor:
        cached = _CONSTANT_OPERATORS.get(step)
        if cached is not None and self.key in cached:
            return cached[self.key]
        with single_thread_if_small(self.device, 0):  # fused operators are small (<= 2**16 numbers)
            operator = step_operator(step, self.resolve, self.dtype, self.device)
        if step.is_constant:
            _CONSTANT_OPERATORS.setdefault(step, {})[self.key] = operator
        return operator


#: How each step class runs.
_APPLY = {
    FFTStep: lambda run, step, operators: run.fft(step.wires, step.inverse, step.do_swaps),
    MatrixStep: lambda run, step, operators: run.matrix(operators(step), step.wires),
    LayerStep: lambda run, step, operators: run.matrix(operators(step), step.wires),
    PermutationStep: lambda run, step, operators: run.permutation(operators(step), step.wires),
    DiagonalStep: lambda run, step, operators: run.diagonal(operators(step), step.wires),
    MultiplexedStep: lambda run, step, operators: run.multiplexed(operators(step), step.wires),
    PhaseStep: lambda run, step, operators: run.phases(_shared(step.members[0].constant), step.wires),
    FilterStep: lambda run, step, operators: run.filter(_shared(step.members[0].constant), step.wires),
}


def _shared(array) -> torch.Tensor:
    """A tensor sharing a (read-only) numpy array's memory; the engine only reads it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(array)

