r"""The engine's compiled :class:`~qspectral.sim.engine.program.Program`, run on a statevector sharded
over the ranks of a ``torch.distributed`` process group (Gloo on CPUs, NCCL on GPUs).

**Sharding.** With ``2**g`` ranks, each holds ``2**(n-g)`` amplitudes: index bit positions
``0 .. L-1`` (``L = n - g``) are *local* (bits of the rank's tensor), positions ``L .. n-1`` are
*global* (bit ``p - L`` of the rank number). In the plain order (the input and the result) qubit
``q`` is position ``q``, so rank ``r`` holds amplitudes ``r * 2**L .. (r+1) * 2**L - 1``. In between,
as in the single-process executor, ``holder[p]`` is the wire at position ``p`` and wires move only
when a step needs them elsewhere.

**Steps** (the program is the one :func:`~qspectral.sim.engine.compiler.compile_circuit` makes;
there is no second compiler):

- a matrix step needs its wires local; a multiplexed step its target (global controls select
  the rank's blocks); a diagonal step needs nothing (a global wire fixes that bit of the diagonal);
- a wire is made local by an **exchange**: ``k`` global positions trade wires with ``k`` local
  ones in one ``all_to_all_single`` inside each group of ``2**k`` ranks that differ only in those
  bits (each rank keeps ``1/2**k`` of its shard and sends the rest, read straight from strided
  slices of the shard and received into contiguous chunks: no reshuffle first). The local partner bits are
  chosen so that as few wires as possible have to come back: wires not needed soon, and wires
  that must end up global anyway;
- a QFT block on ``m`` wires is the transpose algorithm: with ``x = x_L + 2**r x_H``, one local
  batched FFT over ``x_H`` (giving the low bits ``k_l`` of the output), a twiddle
  ``exp(+-2 pi i x_L k_l / 2**m)`` (a diagonal: no exchange even where ``x_L`` bits are global),
  one local batched FFT over ``x_L`` (giving ``k_h``). Before each FFT the global bits among the
  bits it reads are exchanged in; ``r`` is chosen to need the fewest exchanges (then the most
  balanced split). The output bits are relabelled, never moved back.

**Exchanges per QFT.** For a full forward QFT of ``n`` qubits over ``g`` global ones (``g <=
n/2``), in the plain order: 2 exchanges, each moving ``(1 - 2**-g)`` of every shard. It cannot
be fewer: the first FFT stage must read the top bits of ``x`` (the global ones), so an exchange
precedes it; it makes ``g`` other bits global, which are all still untransformed input bits,
so a second one precedes the last stage. Putting the result back in the plain order costs one
more exchange when the top output bits come out of the last (local) stage (Qiskit's QFT with
swaps: 3 in all, the three transposes of the six-step FFT; without swaps, ``k_l`` holds the top
wires and the second exchange already leaves them global: 2). A QFT whose global bits are the low
bits of ``x`` (an inverse QFT without swaps), or a QFT on a subset with room to park its global
bits on local non-subset wires, needs 1.

**Memory.** Each rank holds its shard and one exchange buffer of the same size (the spare of the
two-buffer scheme); an FFT stage allocates its output and keeps its input as the spare (so the
next exchange writes into memory already mapped), an exchange adds two pieces of at most
``2**PIECE_BITS`` amplitudes. The batch of states must be 1.

Example (one rank: the whole state is local, and the result is the single-process engine's):
    >>> import numpy as np, torch
    >>> from qspectral import qft
    >>> from qspectral.sim.engine.compiler import compile_circuit
    >>> psi = np.eye(8)[3].astype(complex)
    >>> out, stats = execute_sharded(compile_circuit(qft(3)), torch.as_tensor(psi).reshape(1, 8), Comm.single())
    >>> bool(np.allclose(out[0].numpy(), np.sqrt(8) * np.fft.ifft(psi))), stats.exchanges
    (True, 0)

Over 500 lines: the sharded executor, its exchanges and the distributed FFT share one rank layout
and are read together; about 50 of the lines are this description.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import torch
import torch.distributed as dist

from qspectral.errors import InvalidParameterError, RankFailureError, UnsupportedCircuitError
from qspectral.kernels.fft import fft_bits, qft_orders
from qspectral.kernels.layout import diagonal_at, is_contiguous_block, matrix_at, multiplexed_at, permute_positions
from qspectral.kernels.states import REAL_DTYPE
from qspectral.sim.engine.binding import Resolver, step_operator
from qspectral.sim.engine.compiler import MAX_FUSED, compile_circuit
from qspectral.sim.engine.program import (
    DiagonalStep,
    FFTStep,
    LayerStep,
    MatrixStep,
    MultiplexedStep,
    PermutationStep,
    Program,
    Step,
)

#: A QFT block on fewer bits runs as one local FFT when that needs no more exchanges than two
#: stages (as the single-process engine: from 16 bits two half-length FFTs are faster).
ONE_STAGE_BITS = 16
#: Seconds a rank waits for the others in one exchange before it gives up (a dead or stuck rank).
DEFAULT_TIMEOUT_S = 300.0
#: An exchange sends in pieces of at most ``2**PIECE_BITS`` amplitudes (32 MiB in complex128).
PIECE_BITS = 21


@dataclass(frozen=True)
class Comm:
    """Where this process sits: ``rank`` of ``world`` ranks (a power of two) in process ``group``
    (None: the default group; unused when ``world == 1``)."""

    rank: int
    world: int
    group: object = None

    @classmethod
    def single(cls) -> Comm:
        """One rank, no process group: everything is local."""
        return cls(0, 1)

    @classmethod
    def current(cls) -> Comm:
        """The initialised default process group."""
        return cls(dist.get_rank(), dist.get_world_size())

    @property
    def global_bits(self) -> int:
        return self.world.bit_length() - 1


@dataclass
class ExchangeStats:
    """What the run moved between ranks: ``exchanges`` all-to-all calls, ``bytes_sent`` by this rank."""

    exchanges: int = 0
    bytes_sent: int = 0
    log: list[str] = field(default_factory=list)


def init_process_group(backend: str = "gloo", *, timeout_s: float = DEFAULT_TIMEOUT_S, **kwargs) -> Comm:
    """Initialise the default process group (``init_method="env://"`` unless given) and check that
    its size is a power of two. The timeout bounds how long a rank waits for a dead or stuck peer."""
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s), **kwargs)
    comm = Comm.current()
    if comm.world & (comm.world - 1):
        raise InvalidParameterError(
            f"the sharded engine needs a power-of-two number of ranks, got {comm.world}; start 1, 2, 4, 8, ... ranks"
        )
    return comm


def check_shardable(program: Program, comm: Comm) -> None:
    """Raise unless each rank's ``L = n - g`` local qubits are at least ``g`` and hold every matrix step."""
    n, g = program.num_qubits, comm.global_bits
    local = n - g
    widest = max((len(s.wires) for s in program.steps if isinstance(s, (MatrixStep, PermutationStep))), default=1)
    if local < max(g, widest, 1):
        raise InvalidParameterError(
            f"{comm.world} ranks leave {local} local qubit(s) of {n}, but the sharded engine needs at least "
            f"{max(g, widest, 1)} (as many as the global ones, and the widest fused gate, {widest} qubits); "
            f"use at most {2 ** max(0, min(n // 2, n - widest))} ranks for this circuit"
        )


def compile_for(circuit, comm: Comm) -> Program:
    """Compile ``circuit`` with :func:`~qspectral.sim.engine.compiler.compile_circuit`, fusing gates
    no wider than a rank's local qubits (the default width when they are enough)."""
    local = circuit.num_qubits - comm.global_bits
    width = max(1, min(MAX_FUSED, local))
    return compile_circuit(circuit, max_fused=width, max_permuted=width)


def local_slice(state: torch.Tensor, comm: Comm) -> torch.Tensor:
    """This rank's shard of a ``(1, 2**n)`` state in the plain order: a view, not a copy."""
    length = state.shape[-1] // comm.world
    return state[..., comm.rank * length : (comm.rank + 1) * length]


def execute_sharded(
    program: Program,
    shard: torch.Tensor,
    comm: Comm,
    values: Mapping | None = None,
    *,
    owned: bool = False,
) -> tuple[torch.Tensor, ExchangeStats]:
    """Run ``program`` on this rank's ``shard`` (``(1, 2**(n-g))``, plain order) with every other rank.

    Every rank of ``comm`` must call this with the same program and values. Returns this rank's
    shard of the final state (plain order) and the exchange statistics. ``owned``: the shard is
    the caller's to overwrite (lower peak memory). Raises :class:`RankFailureError` when another
    rank fails during an exchange.
    """
    check_shardable(program, comm)
    if shard.dim() != 2 or shard.shape[0] != 1 or shard.shape[1] != 2 ** (program.num_qubits - comm.global_bits):
        raise UnsupportedCircuitError(
            f"a rank's shard must have shape (1, {2 ** (program.num_qubits - comm.global_bits)}) for "
            f"{program.num_qubits} qubits on {comm.world} ranks, got {tuple(shard.shape)}"
        )
    values = dict(values or {})
    missing = program.parameters - values.keys()
    if missing:
        raise UnsupportedCircuitError(f"no value for the parameter(s) {', '.join(sorted(p.name for p in missing))}")
    resolve = Resolver(values, REAL_DTYPE[shard.dtype], shard.device)
    run = _Sharded(shard if owned else shard.clone(), program, comm)
    for index, step in enumerate(program.steps):
        run.index = index
        _APPLY[type(step)](run, step, resolve)
    factor = resolve.phase(program.global_phase)
    if factor is not None:
        run.state.mul_(factor)
    return run.finish(), run.stats


def gather_state(shard: torch.Tensor, comm: Comm) -> torch.Tensor | None:
    """The whole state on rank 0 (``(1, 2**n)``), None on the others; every rank must call it."""
    if comm.world == 1:
        return shard
    real = torch.view_as_real(shard.contiguous())  # Gloo gathers real tensors only
    parts = [torch.empty_like(real) for _ in range(comm.world)] if comm.rank == 0 else None
    _guard(lambda: dist.gather(real, parts, dst=0, group=comm.group), "gathering the state")
    return torch.view_as_complex(torch.cat(parts, dim=1)) if comm.rank == 0 else None


#: Words in the errors Gloo and NCCL raise when a peer is gone or silent.
_PEER_FAILURE = ("closed by peer", "connection", "timed out", "timeout", "broken pipe", "reset by peer", "aborted")


def _guard(call, what: str):
    """Run a collective; turn a dead or silent peer into a :class:`RankFailureError`."""
    try:
        return call()
    except RuntimeError as exc:
        if not any(word in str(exc).lower() for word in _PEER_FAILURE):
            raise
        raise RankFailureError(
            f"{what} failed: another rank died or stopped answering ({str(exc).splitlines()[0][:200]}); "
            "check the other ranks' logs (a rank out of memory is the usual cause)"
        ) from exc


class _Sharded:
    """One rank's view of the sharded run: the local tensor, where each wire is, and the exchanges."""

    def __init__(self, state: torch.Tensor, program: Program, comm: Comm) -> None:
        self.state = state
        self.spare: torch.Tensor | None = None
        self.program = program
        self.comm = comm
        self.n = program.num_qubits
        self.local = self.n - comm.global_bits
        self.holder: list = list(range(self.n))  # holder[p] = wire (or FFT label) at position p
        self.stats = ExchangeStats()
        self.index = 0
        self.wire_of: dict = {}  # during a QFT: output label ("k", j) -> the wire it will be
        # Wires that must be global at the end: those whose output qubit is a global position.
        self.final_global = set(program.output_wires[self.local :])
        self.final_position = {w: q for q, w in enumerate(program.output_wires) if q >= self.local}

    # -- where things are --------------------------------------------------------------------
    def position(self, labels: Sequence) -> list[int]:
        where = {w: p for p, w in enumerate(self.holder)}
        return [where[w] for w in labels]

    def rank_bit(self, p: int) -> int:
        """The value of global position ``p`` on this rank."""
        return (self.comm.rank >> (p - self.local)) & 1

    def _next_use(self, wire) -> int:
        """Steps until ``wire`` next has to be local (a large number when never)."""
        for ahead, step in enumerate(self.program.steps[self.index + 1 :], start=1):
            if isinstance(step, (MatrixStep, PermutationStep, FFTStep)) and wire in step.wires:
                return ahead
            if isinstance(step, MultiplexedStep) and wire == step.wires[0]:
                return ahead
        return len(self.program.steps) + 1

    # -- moving data -------------------------------------------------------------------------
    def relayout_local(self, new_local: Sequence) -> None:
        source = self.position(new_local)
        if source == list(range(self.local)):
            return
        out = self.spare if self.spare is not None and self.spare.shape == self.state.shape else None
        self.spare = None
        moved = permute_positions(self.state, source, out=out)
        self.spare, self.state = self.state, moved
        self.holder[: self.local] = list(new_local)

    def make_local(self, needed: Sequence, keep: Sequence = (), avoid: Sequence = ()) -> None:
        """Bring the ``needed`` labels to local positions with one exchange (if any is global).

        Their partners are local labels outside ``needed`` and ``keep``; labels in ``avoid``
        (they would have to come back) are chosen last, then those used soonest, and labels that
        must end up global are chosen first.
        """
        wanted = [w for w in needed if self.position([w])[0] >= self.local]
        if not wanted:
            return
        blocked, late = set(needed) | set(keep), set(avoid)

        def preference(p: int):
            label = self.holder[p]
            wire = self.wire_of.get(label) if isinstance(label, tuple) else label
            return (label in late, wire not in self.final_global, -self._next_use(wire) if wire is not None else 0, -p)

        free = sorted((p for p in range(self.local) if self.holder[p] not in blocked), key=preference)
        if len(free) < len(wanted):
            raise InvalidParameterError(
                f"a step needs {len(needed)} wires local but a rank has only {self.local} local qubits; use fewer ranks"
            )
        victims, targets = free[: len(wanted)], self.position(wanted)
        pairs = []
        for p in victims:  # a wire that must end global goes straight to its final position
            label = self.holder[p]
            final = self.final_position.get(self.wire_of.get(label) if isinstance(label, tuple) else label)
            if final in targets:
                targets.remove(final)
                pairs.append((p, final))
        rest = [p for p in victims if all(p != q for q, _ in pairs)]
        self.exchange(pairs + list(zip(rest, targets)))

    def exchange(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Swap the labels of (local position, global position) ``pairs``: one logical all-to-all.

        After it the local positions hold the staying labels (in their order) and, on top, the
        incoming global ones (in increasing global position), so what comes from the rank whose
        exchanged bits read ``j`` is the contiguous chunk ``j`` of the new shard and lands there
        directly. What this rank sends it reads straight from the strided slices of its shard
        (the local partner bits fixed), no reshuffle first: piece by piece through two small
        buffers, each piece's transfer running while the next is packed; the chunk it keeps is
        copied in the meantime. The new shard is the spare buffer.
        """
        pairs = sorted(pairs, key=lambda pair: pair[1])
        k, local = len(pairs), self.local
        victims = [p for p, _ in pairs]
        globals_ = [gp - local for _, gp in pairs]
        own = sum(((self.comm.rank >> b) & 1) << i for i, b in enumerate(globals_))
        base = self.comm.rank & ~sum(1 << b for b in globals_)
        new = self.spare if self.spare is not None and self.spare.shape == self.state.shape else torch.empty_like(self.state)
        self.spare = None
        chunk = self.state.numel() >> k
        cut = max(0, local - k - PIECE_BITS)  # leading staying bits that index the pieces
        piece = chunk >> cut
        bits = self.state.view((2,) * local)  # axis t holds position local - 1 - t

        def part(j: int, i: int) -> torch.Tensor:
            """Piece ``i`` of this shard where the partner bits read ``j``."""
            index: list = [slice(None)] * local
            for t, p in enumerate(victims):
                index[local - 1 - p] = (j >> t) & 1
            free = [t for t in range(local) if not isinstance(index[t], int)][:cut]
            for c, t in enumerate(free):
                index[t] = (i >> (cut - 1 - c)) & 1
            return bits[tuple(index)]

        buffers = [torch.empty(piece, dtype=self.state.dtype, device=self.state.device) for _ in range(2)]
        pending: list = [None, None]
        what = f"exchange {self.stats.exchanges + 1} (step {self.index})"
        jobs = [(own ^ s, i) for s in range(1, 2**k) for i in range(2**cut)]
        for count, (j, i) in enumerate(jobs):
            slot = count % 2
            if pending[slot] is not None:
                _guard(pending[slot].wait, what)
            source = part(j, i)
            buffers[slot].view(source.shape).copy_(source)
            partner = base | sum(((j >> t) & 1) << b for t, b in enumerate(globals_))
            splits = [0] * self.comm.world
            splits[partner] = piece
            target = new.view(-1)[j * chunk + i * piece : j * chunk + (i + 1) * piece]
            pending[slot] = _guard(
                lambda: dist.all_to_all_single(target, buffers[slot], splits, splits, group=self.comm.group, async_op=True),
                what,
            )
            if count == 0:  # the kept chunk, while the first piece travels
                for i_own in range(2**cut):
                    kept = part(own, i_own)
                    new.view(-1)[own * chunk + i_own * piece :][:piece].view(kept.shape).copy_(kept)
        for work in pending:
            if work is not None:
                _guard(work.wait, what)
        self.spare, self.state = self.state, new
        moving = [self.holder[p] for p in victims]
        staying = [w for p, w in enumerate(self.holder[:local]) if p not in set(victims)]
        self.holder[:local] = staying + [self.holder[gp] for _, gp in pairs]
        for label, (_, gp) in zip(moving, pairs):
            self.holder[gp] = label
        self.stats.exchanges += 1
        self.stats.bytes_sent += (2**k - 1) * chunk * self.state.element_size()
        self.stats.log.append(f"step {self.index}: exchanged {k} bit(s)")

    # -- steps ---------------------------------------------------------------------------------
    def matrix(self, matrix: torch.Tensor, wires: Sequence[int]) -> None:
        self.make_local(wires)
        positions = self.position(wires)
        if not is_contiguous_block(positions):
            others = [w for w in self.holder[: self.local] if w not in set(wires)]
            self.relayout_local(others + list(wires))
            positions = self.position(wires)
        out = self.spare if self.spare is not None and self.spare.shape == self.state.shape else None
        self.spare = None
        new = matrix_at(self.state, matrix, positions, out=out)
        self.spare, self.state = self.state, new

    def diagonal(self, diagonal: torch.Tensor, wires: Sequence[int]) -> None:
        diagonal, local_wires = self._fix_global(diagonal, wires, trailing=0)
        if local_wires:
            diagonal_at(self.state, diagonal, self.position(local_wires), in_place=True)
        else:
            self.state.mul_(diagonal.reshape(-1)[0])

    def multiplexed(self, blocks: torch.Tensor, wires: Sequence[int]) -> None:
        self.make_local(wires[:1])
        blocks, controls = self._fix_global(blocks, wires[1:], trailing=2)
        target = self.position(wires[:1])[0]
        out = self.spare if self.spare is not None and self.spare.shape == self.state.shape else None
        self.spare = None
        if controls:
            new = multiplexed_at(self.state, blocks, target, self.position(controls), out=out)
        else:
            new = matrix_at(self.state, blocks.reshape(2, 2), [target], out=out)
        self.spare, self.state = self.state, new

    def _fix_global(self, table: torch.Tensor, wires: Sequence[int], trailing: int) -> tuple[torch.Tensor, list[int]]:
        """Select the entries of ``table`` (index bit ``j`` on ``wires[j]``, then ``trailing``
        dims) where each global wire has this rank's value; return them and the local wires."""
        k = len(wires)
        view = table.reshape((2,) * k + table.shape[table.dim() - trailing :]) if k else table
        local_wires = []
        index: list = []
        for j in range(k - 1, -1, -1):  # axis t of the view holds bit k-1-t
            p = self.position([wires[j]])[0]
            if p >= self.local:
                index.append(self.rank_bit(p))
            else:
                index.append(slice(None))
                local_wires.insert(0, wires[j])
        selected = view[tuple(index)] if k else view
        return selected.reshape((2 ** len(local_wires),) + table.shape[table.dim() - trailing :]), local_wires

    def fft(self, wires: Sequence[int], inverse: bool, do_swaps: bool) -> None:
        read, write = qft_orders(wires, inverse=inverse, do_swaps=do_swaps)
        m = len(read)
        for p, w in enumerate(self.holder):  # label the subset's bits: ("x", j) = bit j of the input
            if w in read:
                self.holder[p] = ("x", read.index(w))
        r = self._choose_split(m)
        subset_out = self.wire_of = {("k", j): write[j] for j in range(m)}
        high = [("x", j) for j in range(r, m)]
        low = [("x", j) for j in range(r)]
        if high:
            self.make_local(high, avoid=low)
            self._local_fft(high, [("k", j) for j in range(m - r)], inverse)
        if low and high:
            self._twiddle(m, r, inverse)
        if low:
            self.make_local(low)
            self._local_fft(low, [("k", j) for j in range(m - r, m)], inverse)
        self.holder = [subset_out.get(w, w) for w in self.holder]
        self.wire_of = {}

    def _choose_split(self, m: int) -> int:
        """The split ``r`` (``x_L`` = input bits ``0..r-1``) needing the fewest exchanges; among those
        one stage (``r = 0``) below ``ONE_STAGE_BITS`` bits, else the most balanced two stages."""
        is_global = {self.holder[p] for p in range(self.local, self.n)}
        non_subset_local = sum(1 for p in range(self.local) if not isinstance(self.holder[p], tuple))

        def cost(r: int) -> tuple:
            high = [("x", j) for j in range(r, m)]
            low = [("x", j) for j in range(r)]
            if max(len(high), len(low)) > self.local:
                return (math.inf, 0)
            into_high = sum(label in is_global for label in high)
            # Global bits of x_H trade places with non-subset bits first, x_L bits after them.
            low_global = sum(label in is_global for label in low) + max(0, into_high - non_subset_local)
            count = (into_high > 0) + (low_global > 0)
            single = r in (0, m)
            shape = (0 if single else 1 + abs(m - 2 * r)) if m < ONE_STAGE_BITS else abs(m - 2 * r)
            return (count, shape)

        return min(range(m + 1), key=cost)

    def _local_fft(self, bits: list, outputs: list, inverse: bool) -> None:
        """One batched FFT over the local labels ``bits`` (the first the least significant)."""
        positions = self.position(bits)
        low = positions[0]
        if positions != list(range(low, low + len(bits))):
            others = [w for w in self.holder[: self.local] if w not in set(bits)]
            self.relayout_local(list(bits) + others)
            low = 0
        self.spare = None  # the FFT allocates its output: keep the peak at two shards
        out, moved = fft_bits(self.state, low, len(bits), inverse=inverse)
        self.spare, self.state = self.state, out  # its input, pages mapped, is the next exchange's buffer
        count = len(bits)
        local = self.holder[: self.local]
        local = list(outputs) + local[:low] + local[low + count :] if moved else local[:low] + list(outputs) + local[low + count :]
        self.holder[: self.local] = local

    def _twiddle(self, m: int, r: int, inverse: bool) -> None:
        """Multiply by ``w**(x_L * k_l)``, ``w = exp(+-2 pi i / 2**m)``: ``k_l`` (the first stage's
        ``m - r`` output bits) is local; ``x_L`` bits may be global (a per-rank offset). Two
        broadcast tables over (half of ``k_l``, the local ``x_L`` bits): no state-sized table."""
        sign = -1 if inverse else 1
        offset = 0
        x_local = []
        for j in range(r):
            p = self.position([("x", j)])[0]
            if p >= self.local:
                offset += self.rank_bit(p) << j
            else:
                x_local.append(j)
        k_bits = [("k", j) for j in range(m - r)]
        half = (m - r) // 2
        for part in (k_bits[:half], k_bits[half:]):
            if not part:
                continue
            first = part[0][1]
            u = _spread(range(first, first + len(part)))
            v = offset + _spread(x_local)
            turns = (u[None, :] * v[:, None]) % 2**m  # exact integer phase; row: x bits, column: k bits
            angle = turns.double() * (sign * 2 * math.pi / 2**m)
            table = torch.polar(torch.ones((), dtype=torch.float64), angle).to(self.state.dtype).to(self.state.device)
            labels = part + [("x", j) for j in x_local]  # table index: k bits low, x bits high
            diagonal_at(self.state, table.reshape(-1), self.position(labels), in_place=True)

    def finish(self) -> torch.Tensor:
        """Bring the state to the plain order (qubit ``q`` at position ``q``) and return the shard."""
        target = list(self.program.output_wires)
        for _ in range(2):
            wrong = [gp for gp in range(self.local, self.n) if self.holder[gp] != target[gp]]
            if not wrong:
                break
            pairs = []
            taken: set[int] = set()
            for gp in wrong:
                p = self.position([target[gp]])[0]
                if p < self.local:
                    pairs.append((p, gp))
                    taken.add(p)
            for gp in wrong:  # its wire is global elsewhere: move a wire that ends local in, for now
                if all(g != gp for _, g in pairs):
                    p = next(q for q in range(self.local) if q not in taken and self.holder[q] not in self.final_global)
                    pairs.append((p, gp))
                    taken.add(p)
            self.exchange(pairs)
        self.relayout_local(target[: self.local])
        self.spare = None
        return self.state


def _spread(bits: Sequence[int]) -> torch.Tensor:
    """For each index ``i < 2**len(bits)``, the integer with bit ``bits[t]`` set where bit ``t`` of ``i`` is."""
    index = torch.arange(2 ** len(bits))
    value = torch.zeros_like(index)
    for t, bit in enumerate(bits):
        value |= ((index >> t) & 1) << bit
    return value


_APPLY = {
    FFTStep: lambda run, step, resolve: run.fft(step.wires, step.inverse, step.do_swaps),
    MatrixStep: lambda run, step, resolve: run.matrix(_operator(run, step, resolve), step.wires),
    LayerStep: lambda run, step, resolve: run.matrix(_operator(run, step, resolve), step.wires),
    PermutationStep: lambda run, step, resolve: run.matrix(_permutation_matrix(run, step), step.wires),
    DiagonalStep: lambda run, step, resolve: run.diagonal(_operator(run, step, resolve), step.wires),
    MultiplexedStep: lambda run, step, resolve: run.multiplexed(_operator(run, step, resolve), step.wires),
}


def _permutation_matrix(run: _Sharded, step: PermutationStep) -> torch.Tensor:
    """A permutation step's 0/1 matrix (row ``i`` picks ``source[i]``): the sharded engine applies it as a matrix."""
    source = torch.as_tensor(step.operator, device=run.state.device)
    return torch.nn.functional.one_hot(source, source.numel()).to(run.state.dtype)


def _operator(run: _Sharded, step: Step, resolve: Resolver) -> torch.Tensor:
    operator = step_operator(step, resolve, run.state.dtype, run.state.device)
    if (operator.dim() == 3 and not isinstance(step, MultiplexedStep)) or (isinstance(step, DiagonalStep) and operator.dim() == 2):
        raise UnsupportedCircuitError("the sharded engine runs one state: pass float parameter values, not batches")
    return operator
