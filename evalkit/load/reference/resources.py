"""A live resource: units held for real time, a FIFO queue, outages, and its own accounting.

This is the asyncio counterpart of a SimPy ``Resource``: a visit requests one unit, waits in FIFO
order if every unit is busy, holds it for a real sleep and releases it, which hands the unit
straight to the longest waiter. An **outage** stops the resource from starting new visits until
it ends; visits already in service finish, requests queue and are served after recovery.

Sleeps wake up late (``evalkit.load.reference.path_clock``), so the pool keeps **when each unit
was due to be free**: a visit's sleep aims at the deadline ``start + hold``, and the unit is handed
on at that deadline, not when the sleeper woke. A visit starts at the latest of when its path was
due to request it, when its unit was due to be free and the end of the last outage, so lateness
never costs capacity: a saturated pool serves capacity / hold time, as in the simulation (before,
2.5 ms holds ran at 78% of their rate), and no visit starts before its unit was free.

Each pool integrates, over real time, the units in use and the queue length, and sums the waits,
so ``/metrics`` can report utilisation, mean queue and mean wait between any two snapshots.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import math
from collections import deque
from dataclasses import dataclass

from evalkit.load.reference import path_clock

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
        self._free_at = [-math.inf] * capacity  # a heap: when each idle unit was due to be free
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
        if not self.down:
            return
        while self.down:
            await asyncio.sleep(self._down_until - self._clock())
        path_clock.reached(self._down_until)

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
        path_clock.reached(ends)
        return ends

    async def acquire(self) -> float:
        """Take a unit (waiting in FIFO order); return the time the visit counts as started."""
        requested = path_clock.due(self._clock())
        if self._in_use < self.capacity and not self._waiters and not self.down:
            self._account()
            self._in_use += 1
            freed = heapq.heappop(self._free_at)
        else:
            waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
            self._account()
            self._waiters.append(waiter)
            try:
                freed = await waiter
            except asyncio.CancelledError:
                self._abandon(waiter)
                raise
        started = max(requested, freed, self._down_until)  # granted only while up: the outage is over
        self._wait_sum += started - requested
        self._waits += 1
        path_clock.reached(started)
        return started

    def release(self, at: float | None = None) -> None:
        """Give the unit back; ``at`` is when its visit was due to end (default, and at most: now)."""
        self._account()
        self._in_use -= 1
        now = self._clock()
        heapq.heappush(self._free_at, now if at is None else min(at, now))
        self._dispatch()

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

    def _dispatch(self) -> None:
        """Hand free units to waiters in FIFO order, unless the pool is down; each waiter learns
        when its unit was due to be free."""
        if self.down:
            return
        self._account()
        while self._waiters and self._in_use < self.capacity:
            waiter = self._waiters.popleft()
            if waiter.done():  # cancelled while queued
                continue
            self._in_use += 1
            waiter.set_result(heapq.heappop(self._free_at))

    def _abandon(self, waiter: asyncio.Future[float]) -> None:
        """A cancelled request gives back a unit it was already handed, or leaves the queue."""
        self._account()
        if waiter.done() and not waiter.cancelled():
            self._in_use -= 1
            heapq.heappush(self._free_at, waiter.result())
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
