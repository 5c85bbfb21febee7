"""What every design's live platform shares: its pools, its clock scale, its dice and counters.

The reference platform holds each resource of ``docs/models.md`` as a ``Pool`` keyed the way
results name it (``system:payments``, ``staff:analysts``, ``engine``…). Durations in the study are
study seconds; the runtime sleeps ``duration × time_scale`` real seconds, so a process measured in
days can run in minutes. Fault components (``engine``, ``broker``, ``controller:sales``,
``system:payments``, ``control-plane``) map to the pools an outage stops.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from evalkit.load.reference.resources import Pool, PoolTotals
from evalkit.load.reference.sampling import draw
from evalkit.study import Step, Study

__all__ = ["Runtime"]


class Runtime:
    """Pools, time scale, random draws and counters of one live platform (inside a running loop)."""

    def __init__(self, study: Study, *, time_scale: float, rng: np.random.Generator) -> None:
        self.study = study
        self.time_scale = time_scale
        self.rng = rng
        self.counters: Counter[str] = Counter()
        self._pools: dict[str, tuple[str, Pool]] = {}
        self._components: dict[str, list[Pool]] = {}
        for system in study.workload.systems:
            pool = self.add_pool(f"system:{system.name}", system.capacity)
            self.add_component(f"system:{system.name}", [pool])
        for staff in study.workload.staff:
            self.add_pool(f"staff:{staff.name}", staff.capacity)

    def add_pool(self, key: str, capacity: int, *, metric: str | None = None) -> Pool:
        """A pool reported under ``metric`` (default: its key); pools sharing a metric add up."""
        pool = Pool(key, capacity)
        self._pools[key] = (metric or key, pool)
        return pool

    def pool(self, key: str) -> Pool:
        return self._pools[key][1]

    def add_component(self, name: str, pools: Iterable[Pool]) -> None:
        self._components.setdefault(name, []).extend(pools)

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(self._components)

    def outage(self, component: str, study_seconds: float) -> None:
        """Stop every pool of a component from starting visits for a while (``KeyError`` if unknown)."""
        for pool in self._components[component]:
            pool.outage(study_seconds * self.time_scale)

    def totals(self) -> list[tuple[str, PoolTotals]]:
        return [(metric, pool.totals()) for metric, pool in self._pools.values()]

    async def hold(self, pool: Pool, study_seconds: float) -> None:
        await pool.hold(study_seconds * self.time_scale)

    async def delay(self, study_seconds: float) -> None:
        if study_seconds > 0:
            await asyncio.sleep(study_seconds * self.time_scale)

    def chance(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    async def work(self, step: Step) -> None:
        """The step's own work: a call held on its system, or a human task held on its staff pool."""
        if step.system is not None:
            spec = step.service_time or self.study.system(step.system).service_time
            await self.hold(self.pool(f"system:{step.system}"), draw(spec, self.rng))
        else:
            assert step.staff is not None and step.service_time is not None  # the study validates this
            await self.hold(self.pool(f"staff:{step.staff}"), draw(step.service_time, self.rng))

    async def resolve(self, pool: str, resolution: Any) -> None:
        """A person of ``pool`` resolves an exception: hold a resolution time on the staff pool."""
        await self.hold(self.pool(f"staff:{pool}"), draw(resolution, self.rng))
