"""What a live platform shares between workflows: its pools, its clock scale and its counters.

The reference platform holds a ``Pool`` for every pool of the candidate's design spec, keyed and
reported the way results name them (``system:payments``, ``staff:analysts``, ``engine``,
``store:sales``…; a broker's partitions are one pool each and add up to ``broker``). Durations
in the study are study seconds; the runtime sleeps ``duration × time_scale`` real seconds, so a
process measured in days can run in minutes. Fault components (``engine``, ``broker``,
``controller:sales``, ``system:payments``, ``control-plane``) are the spec's, and stop the pools
the spec names.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from evalkit.design import DesignSpec
from evalkit.load.reference import path_clock
from evalkit.load.reference.resources import Pool, PoolTotals

__all__ = ["Runtime"]


class Runtime:
    """Pools, time scale and counters of one live platform (inside a running loop)."""

    def __init__(self, spec: DesignSpec, *, time_scale: float) -> None:
        self.spec = spec
        self.time_scale = time_scale
        self.counters: Counter[str] = Counter()
        self._pools: dict[str, tuple[Pool, ...]] = {}
        for pool in spec.pools:
            keys = [pool.name] if pool.count == 1 else [f"{pool.name}[{i}]" for i in range(pool.count)]
            self._pools[pool.name] = tuple(Pool(key, pool.capacity) for key in keys)

    def station(self, pool: str, partition: float = 0.0) -> Pool:
        """The pool's unit a workflow uses: for a partitioned pool, the one its partition coin picks."""
        found = self._pools[pool]
        return found[int(partition * len(found))] if len(found) > 1 else found[0]

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(component.name for component in self.spec.components)

    def outage(self, component: str, study_seconds: float) -> None:
        """Stop every pool of a component from starting visits for a while (``KeyError`` if unknown)."""
        found = self.spec.component(component)
        if found is None:
            raise KeyError(component)
        for name in found.pools:
            for pool in self._pools[name]:
                pool.outage(study_seconds * self.time_scale)

    def totals(self) -> list[tuple[str, PoolTotals]]:
        return [(name, pool.totals()) for name, pools in self._pools.items() for pool in pools]

    async def hold(self, pool: Pool, study_seconds: float) -> float:
        """Hold a unit of ``pool``; return when the visit was due to end (the loop's clock)."""
        return await pool.hold(study_seconds * self.time_scale)

    async def delay(self, study_seconds: float) -> None:
        """Wait ``study_seconds`` from when the workflow's path was due (evalkit.load.reference.path_clock)."""
        if study_seconds > 0:
            now = asyncio.get_running_loop().time()
            ends = path_clock.due(now) + study_seconds * self.time_scale
            await asyncio.sleep(max(0.0, ends - now))
            path_clock.reached(ends)
