"""The reference platform's random numbers: draws from a seeded generator, as the spec asks.

The reference platform samples the same distributions as the simulation (each specification
knows its mean and variance in ``evalkit.study.distributions``), in study seconds, from the
platform's own ``numpy.random.Generator``. ``GeneratorDraws`` answers the requests of
``evalkit.design.draws.DrawSource`` (a workflow's dealt numbers at its start, the rest on
demand); the simulation answers the same requests from its own streams.
"""

from __future__ import annotations

import numpy as np

from evalkit.design import Dealt, Plan
from evalkit.dists import DistributionSpec
from evalkit.study.distributions import (
    ConstantDistribution,
    EmpiricalDistribution,
    ExponentialDistribution,
    LognormalDistribution,
)

__all__ = ["GeneratorDraws", "draw"]


def draw(spec: DistributionSpec, rng: np.random.Generator) -> float:
    """One duration, in study seconds."""
    if isinstance(spec, ConstantDistribution):
        return spec.value
    if isinstance(spec, ExponentialDistribution):
        return float(rng.exponential(spec.mean))
    if isinstance(spec, LognormalDistribution):
        return float(rng.lognormal(spec.mu, spec.sigma))
    assert isinstance(spec, EmpiricalDistribution)
    return float(spec.samples[int(rng.integers(len(spec.samples)))])


class GeneratorDraws:
    """A ``DrawSource`` drawing every number from one generator when it is asked for."""

    def __init__(self, plan: Plan, rng: np.random.Generator, *, routed: bool = False) -> None:
        """``routed``: also deal routing coins (a process with decisions, loops or a mix)."""
        self._steps = plan.steps
        self._rng = rng
        self._routed = routed

    def deal(self) -> Dealt:
        service = [draw(step.service, self._rng) for step in self._steps]
        luck = self._rng.random(len(self._steps)).tolist()
        partition = float(self._rng.random())
        if not self._routed:
            return Dealt(service, luck, partition)
        route = self._rng.random(len(self._steps)).tolist()
        return Dealt(service, luck, partition, route, float(self._rng.random()))

    def service(self, step: int, attempt: int) -> float:
        return draw(self._steps[step].service, self._rng)

    def exception(self, step: int, attempt: int) -> float:
        return float(self._rng.random())

    def automation(self, step: int) -> float:
        return float(self._rng.random())

    def resolution(self, step: int) -> float:
        time = getattr(self._steps[step].exception, "resolution_time", None)
        assert time is not None  # only a step whose exception goes to people asks
        return draw(time, self._rng)

    def duplicate(self, step: int, attempt: int) -> float:
        return float(self._rng.random())

    def duplicate_service(self, step: int, attempt: int) -> float:
        return self.service(step, attempt)

    def route(self, step: int, attempt: int) -> float:
        return float(self._rng.random())
