"""A live resource: units held for real time, a FIFO queue, outages, and its own accounting.

This is the asyncio counterpart of a SimPy ``Resource``: a visit requests one unit, waits in FIFO
order if every unit is busy, holds it for a real sleep and releases it, which hands the unit
straight to the longest waiter.

A sleep wakes late (epoll rounds its timeout up to the millisecond, and the loop has its own
latency), so a unit is handed on **at the time its visit was due to end**, not when the sleeper
woke: the next visit's sleep is shortened by the lateness. Otherwise every hand-over would leak it
and a saturated pool would serve below its capacity (2.5 ms holds ran at 78% of their rate), the
more so the faster a quick run plays the study's time. A visit still never starts before it was
requested, so waits and throughput are the design's, and only the last wake-up is late. An **outage** stops the resource from starting new visits until
it ends; visits already in service finish, requests queue and are served after recovery.

Each pool integrates, over real time, the units in use and the queue length, and sums the waits,
so ``/metrics`` can report utilisation, mean queue and mean wait between any two snapshots.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass

__all__ = ["Pool", "PoolTotals"]


@dataclass(frozen=True)
class PoolTotals:
    """Cumulative accounting of one pool, in real seconds since the pool was made."""

    capacity: int
    busy: float  # integral of units in use over time (unit-seconds)
    queued: float  # integral of the queue length over time (request-seconds)
    wait_sum: float
    waits: int
    in_use: int
    queue: int


class Pool:
    """``capacity`` units with a FIFO queue, on the running event loop's clock."""

    def __init__(self, name: str, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"{name}: capacity must be at least 1")
        self.name = name
        self.capacity = capacity
        self._in_use = 0
        self._waiters: deque[asyncio.Future[float]] = deque()
        self._down_until = 0.0
        self._clock = asyncio.get_running_loop().time
        self._last = self._clock()
        self._busy = 0.0
        self._queued = 0.0
        self._wait_sum = 0.0
        self._waits = 0

    @property
    def down(self) -> bool:
        return self._clock() < self._down_until

    async def until_up(self) -> None:
        """Return once the pool is not in an outage."""
        while self.down:
            await asyncio.sleep(self._down_until - self._clock())

    async def hold(self, seconds: float) -> float:
        """One visit: request a unit, keep it for ``seconds`` of real time, release it.

        Returns the time the visit was due to end, on the loop's clock (see the module's note).
        """
        started = await self.acquire()
        ends = started + seconds
        try:
            await asyncio.sleep(max(0.0, ends - self._clock()))
        finally:
            self.release(at=ends)
        return ends

    async def acquire(self) -> float:
        """Take a unit (waiting in FIFO order); return the time the visit counts as started:
        the request's time, or the time the unit's previous visit was due to end if later."""
        requested = self._clock()
        if self._in_use < self.capacity and not self._waiters and not self.down:
            self._grant(requested)
            return requested
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._account()
        self._waiters.append(waiter)
        try:
            freed = await waiter
        except asyncio.CancelledError:
            self._abandon(waiter)
            raise
        started = max(requested, freed)
        self._record_wait(requested, started)
        return started

    def release(self, at: float | None = None) -> None:
        """Give the unit back; ``at`` is when its visit was due to end (default: now)."""
        self._account()
        self._in_use -= 1
        self._dispatch(at)

    def outage(self, seconds: float) -> None:
        """Start no new visit for ``seconds`` of real time from now."""
        until = self._clock() + seconds
        self._down_until = max(self._down_until, until)
        asyncio.get_running_loop().call_at(until, self._dispatch)

    def totals(self) -> PoolTotals:
        self._account()
        return PoolTotals(
            self.capacity, self._busy, self._queued, self._wait_sum, self._waits, self._in_use, len(self._waiters)
        )

    def _grant(self, requested: float) -> None:
        self._account()
        self._in_use += 1
        self._record_wait(requested, requested)

    def _record_wait(self, requested: float, started: float) -> None:
        self._wait_sum += max(0.0, started - requested)
        self._waits += 1

    def _dispatch(self, freed: float | None = None) -> None:
        """Hand free units to waiters in FIFO order, unless the pool is down; ``freed`` is when the
        unit handed on was due to be free (a unit freed by an outage's end is free now)."""
        if self.down:
            return
        self._account()
        now = self._clock()
        while self._waiters and self._in_use < self.capacity:
            waiter = self._waiters.popleft()
            if waiter.done():  # cancelled while queued
                continue
            self._in_use += 1
            waiter.set_result(now if freed is None else min(freed, now))
            freed = None  # one release frees one unit; any other (an outage's end) is free now

    def _abandon(self, waiter: asyncio.Future[float]) -> None:
        """A cancelled request gives back a unit it was already handed, or leaves the queue."""
        self._account()
        if waiter.done() and not waiter.cancelled():
            self._in_use -= 1
            self._dispatch()
            return
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    def _account(self) -> None:
        now = self._clock()
        elapsed = now - self._last
        self._busy += self._in_use * elapsed
        self._queued += len(self._waiters) * elapsed
        self._last = now
