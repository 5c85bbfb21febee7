"""Running simulation sweeps on a Dask cluster (the optional ``evalkit[dask]`` extra).

A sweep's cells are independent and pure (``evalkit.sim.run_cell``), so any
``concurrent.futures``-style executor can run them; ``dask.distributed`` provides one that spreads
them over a cluster of machines. Seeds come from the cell, not from where it runs, so a cluster
run gives exactly the numbers of a local one. When a worker is lost, Dask re-runs its cells
elsewhere; each cell is still reported once, and the run's ledger ignores a second commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from evalkit.errors import InputError

__all__ = ["dask_executor"]


@contextmanager
def dask_executor(address: str, *, timeout: float = 20.0) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor on the Dask scheduler at ``address`` (``tcp://host:8786``)."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError("--dask-scheduler needs the dask extra: pip install 'evalkit[dask]'") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise InputError(f"cannot reach the Dask scheduler at {address}: {error}") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
