"""Torch's CPU thread count for a block of work, and one thread for small states.

Example:
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` torch CPU threads, restoring the previous number afterwards.

    The setting is process-wide: other Python threads using torch meanwhile see it too.
    """
    threads = torch.get_num_threads()
    if threads == count:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


#: States (batch x amplitudes) up to this size run on one CPU thread: a step on them takes about a
#: millisecond or less, and on a busy machine waiting for the thread pool costs more (2 shared
#: cores, 16 qubits, 300 fused steps: 0.35-0.5 s on one thread, 6.5-10.5 s on two; 2**20
#: complex128 amplitudes: zeroing 0.24 ms vs 16 ms, a norm 0.28 vs 14.5 ms, one FFT 23 vs 24 ms).
SMALL_STATE = 2**20


#: Sums of many Pauli terms (the Qiskit estimator) on states up to this size run on one thread:
#: each X mask is a pass over the state (products and sums), which a second thread speeds up from
#: 2**19 amplitudes (50 terms, 2 idle cores: 2**18 13 vs 15 ms, 2**19 28 vs 20, 2**20 53 vs 32).
#: A QNode's few-term measurements keep SMALL_STATE: a pass or two gain little, and torch's
#: threads would be left spinning against the next run's pocketfft threads.
SMALL_PASS = 2**18


def single_thread_if_small(
    device: torch.device, amplitudes: int, *, limit: int = SMALL_STATE
) -> contextlib.AbstractContextManager:
    """Use one CPU thread for work on ``amplitudes`` (<= ``limit``) numbers, restored afterwards.

    Below that size, starting the thread pool costs more than the work: MKL's batched FFT and
    GEMM start it even for a handful of amplitudes, and any op that does waits for the slowest
    thread (milliseconds per call on a busy machine, against microseconds on one thread).
    :func:`fft_workers` still sees the thread count in effect outside the block.
    """
    if device.type != "cpu" or amplitudes > limit:
        return contextlib.nullcontext()
    return _single_thread()


#: Thread counts that :func:`single_thread_if_small` blocks set aside (innermost last).
_SET_ASIDE: list[int] = []


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    _SET_ASIDE.append(torch.get_num_threads())
    try:
        with torch_threads(1):
            yield
    finally:
        _SET_ASIDE.pop()


#: From this many amplitudes a pocketfft pass runs on more than one thread: two threads halve a
#: split FFT of 2**18 amplitudes and more (2 idle cores: 2**18 1.2 vs 2.4 ms, 2**20 8 vs 11 ms,
#: 2**22 29 vs 57 ms), while a state-level step of gates there is still faster on one.
THREADED_FFT = 2**18


def fft_workers(amplitudes: int) -> int:
    """Threads for a ``scipy.fft`` pass over ``amplitudes`` numbers: 1 below :data:`THREADED_FFT`,
    else torch's CPU thread count (the caller's, outside any :func:`single_thread_if_small`)."""
    if amplitudes < THREADED_FFT:
        return 1
    return _SET_ASIDE[-1] if _SET_ASIDE else torch.get_num_threads()
