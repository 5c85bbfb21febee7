"""A station: a SimPy resource that workflows visit, measured over the window, able to go down.

Everything a workflow waits for is a station: the engine, a state store, a domain controller,
the coordinator, a broker partition, a step's consumer group, a downstream system, a staff pool.
A **visit** requests one unit (first come, first served), holds it for a duration and releases
it. ``Station`` is a ``simpy.Resource`` with three additions:

- **Measurement with time-weighted accumulators**, not event lists: on release it adds the
  visit's time in queue and in service, clipped to the measurement window, to running sums. At
  the end, busy time / (capacity × window) is the utilisation, queue time / window the mean
  queue length, and the waits of visits requested inside the window give the mean wait. Visits
  still queued or in service at the end are added up to that moment (a censored wait is a lower
  bound, never dropped).
- **Offered work.** Seconds of service requested are summed as they are requested, so the
  model can tell offered load (work asked per unit of capacity) from carried load: a station
  asked for more than it can serve is saturated even while it is busy 100% of the time.
- **Outages.** While down, a station starts no visits; visits in service finish, requests queue
  and are served after recovery. An outage watch, when attached, is told about every workflow
  that had to wait for the station while it was down (the stalled workflows of a fault).

A request that finds a free unit and nobody queued is granted on the spot, and releases bypass
SimPy's ``Release`` event: the unit goes straight to the next request in line at the same
simulated instant. Both give the times SimPy's own events would, a round trip of the event
queue sooner; most visits to a well-sized system are exactly this case. The queue is a deque
so a backlog of a hundred thousand requests costs no more per visit than a short one.

This leans on SimPy internals (``env._now``, ``Resource._do_put``, ``_trigger_put``,
``put_queue``, ``users``), which is why ``pyproject.toml`` pins ``simpy>=4.1,<5``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any, Protocol

import simpy
from simpy.events import Timeout
from simpy.resources.resource import Request

__all__ = ["FifoQueue", "Grant", "OutageWatch", "Station", "Visit"]

Visit = Generator[Any, Any, Any]


class OutageWatch(Protocol):
    """Told about each workflow that found a station down (the stalled workflows of a fault)."""

    def stall(self, flow: Any) -> None: ...


class FifoQueue(deque):
    """A deque that answers ``pop(0)`` in constant time, as SimPy's queues are popped."""

    def pop(self, index: int = -1) -> Any:
        if index == 0:
            return self.popleft()
        if index == -1:
            return super().pop()
        item = self[index]
        del self[index]
        return item


class Grant:
    """A unit granted at once (no queue): all ``leave`` needs to measure the visit."""

    __slots__ = ("since", "usage_since")

    def __init__(self, now: float) -> None:
        self.since = now
        self.usage_since = now


class Station(simpy.Resource):
    """A named, measured SimPy resource with outages."""

    PutQueue = FifoQueue

    def __init__(self, env: simpy.Environment, name: str, capacity: int, window: tuple[float, float]) -> None:
        super().__init__(env, capacity)
        # In-service requests in grant order: a dict removes in O(1) and iterates deterministically.
        self.users: dict[Request, None] = {}  # type: ignore[assignment]
        self.name = name
        self.down = 0
        self.watch: OutageWatch | None = None
        self.window_start, self.window_end = window
        self.busy_time = 0.0
        self.queue_time = 0.0
        self.wait_sum = 0.0
        self.waits = 0
        self.demand = 0.0
        self.served = 0
        self.down_time = 0.0
        self._down_since = 0.0

    # SimPy's hooks: grant in FIFO order while up and a unit is free.
    def _do_put(self, event: Request) -> None:
        if not self.down and len(self.users) < self._capacity:
            self.users[event] = None
            event.usage_since = self._env._now
            event.succeed()

    def visit(self, flow: Any, duration: float) -> Visit:
        """Request a unit, hold it ``duration`` seconds, release it."""
        self.demand += duration
        grant = yield from self.acquire(flow)
        yield Timeout(self._env, duration)
        self.leave(grant)

    def acquire(self, flow: Any) -> Generator[Any, Any, Any]:
        """Request a unit and hold it until ``leave`` (for holds of unknown length)."""
        # env._now rather than env.now: this runs for every visit, and the property costs a call.
        now = self._env._now
        if not self.down and not self.put_queue and len(self.users) < self._capacity:
            # A free unit and nobody ahead: granted on the spot, without a SimPy event round trip.
            grant = Grant(now)
            self.users[grant] = None  # type: ignore[index]
            return grant
        request = Request(self)
        request.since = now  # type: ignore[attr-defined]
        request.flow = flow  # type: ignore[attr-defined]
        if self.down:
            self.notice_blocked(flow)
        yield request
        return request

    def leave(self, request: Request | Grant) -> None:
        """Release a unit: the next request in line gets it now; the visit is measured."""
        # Requests carry ``since`` and ``usage_since`` as attributes SimPy's types do not declare.
        held: Any = request
        users: dict[Any, None] = self.users
        del users[held]
        if self.put_queue:
            self._trigger_put(None)
        self.served += 1
        now = self._env._now
        since: float = held.since
        start: float = held.usage_since
        low, high = self.window_start, self.window_end
        if low <= since < high:
            self.wait_sum += start - since
            self.waits += 1
        if start > since:
            left = since if since > low else low
            right = start if start < high else high
            if right > left:
                self.queue_time += right - left
        left = start if start > low else low
        right = now if now < high else high
        if right > left:
            self.busy_time += right - left

    def notice_blocked(self, flow: Any) -> None:
        """Tell the outage watch, if any, that ``flow`` has to wait for this station while it is down."""
        if self.watch is not None:
            self.watch.stall(flow)

    def go_down(self) -> None:
        """Start an outage: no new visits start; queued workflows are stalled."""
        if not self.down:
            self._down_since = self._env.now
            if self.watch is not None:
                for request in list(self.put_queue):
                    self.watch.stall(request.flow)
        self.down += 1

    def come_up(self) -> None:
        """End an outage: serve the queue as units allow."""
        self.down -= 1
        if self.down:
            return
        self.down_time += self._clipped(self._down_since, self._env.now)
        while self.put_queue and len(self.users) < self._capacity:
            self._trigger_put(None)

    def down_time_until(self, now: float) -> float:
        """Seconds of the window this station has been down, up to ``now``."""
        current = self._clipped(self._down_since, now) if self.down else 0.0
        return self.down_time + current

    def _clipped(self, start: float, end: float) -> float:
        left, right = max(start, self.window_start), min(end, self.window_end)
        return max(0.0, right - left)

    def close(self) -> None:
        """Measure what is still queued or in service now, as if it ended here (censored)."""
        now = self._env.now
        for request in self.users:
            self.busy_time += self._clipped(request.usage_since, now)  # type: ignore[arg-type]
        for request in self.put_queue:
            since = request.since
            self.queue_time += self._clipped(since, now)
            if self.window_start <= since < self.window_end:
                self.wait_sum += now - since
                self.waits += 1
        if self.down:
            self.down_time += self._clipped(self._down_since, now)
            self._down_since = now
        self.users = {}
        self.put_queue.clear()
