"""Torch's CPU thread count for a block of work.

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
