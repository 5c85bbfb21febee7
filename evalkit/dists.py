"""Drawing durations from a study's distributions, in batches, from a passed-in random generator.

A study writes a service time as a specification (``{dist: lognormal, mean: 2s, cv: 1.5}``,
validated by ``evalkit.study.distributions``); each specification knows its own ``mean``,
``variance`` and ``cv2``, which is what the queueing formulas in ``evalkit.theory`` need. This
module turns a specification into numbers: ``sample`` draws an array, and ``Batch`` hands out one
Python float at a time from arrays drawn a thousand at a time, because a simulation asks for
durations one by one and a NumPy call per number would cost more than the event it times.

Randomness only ever comes from the ``numpy.random.Generator`` the caller passes in, so a seeded
caller gets the same numbers on every machine and in every process.

The small constructors (``constant``, ``exponential``, ``lognormal``, ``empirical``) build the
same specifications a study file would, for tests and benchmarks written in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from evalkit.study.distributions import (
    ConstantDistribution,
    EmpiricalDistribution,
    ExponentialDistribution,
    LognormalDistribution,
)

__all__ = [
    "DistributionSpec",
    "BATCH_SIZE",
    "Batch",
    "sample",
    "constant",
    "exponential",
    "lognormal",
    "empirical",
]

DistributionSpec = ConstantDistribution | ExponentialDistribution | LognormalDistribution | EmpiricalDistribution

#: Numbers drawn per NumPy call: large enough to amortise the call, small enough to stay in cache.
BATCH_SIZE = 1024


def sample(spec: DistributionSpec, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` independent durations (seconds) from ``spec``, drawn from ``rng``."""
    if isinstance(spec, ConstantDistribution):
        return np.full(size, spec.value, dtype=float)
    if isinstance(spec, ExponentialDistribution):
        return rng.exponential(spec.mean, size)
    if isinstance(spec, LognormalDistribution):
        return rng.lognormal(spec.mu, spec.sigma, size)
    if isinstance(spec, EmpiricalDistribution):
        return rng.choice(np.asarray(spec.samples, dtype=float), size)
    raise TypeError(f"not a distribution specification: {spec!r}")


class Batch:
    """An endless supply of floats, drawn ``size`` at a time by ``draw(size)``.

    Calling the batch returns the next number. Values come out in exactly the order ``draw``
    produced them, so two batches fed by equal generators yield equal sequences.
    """

    __slots__ = ("_draw", "_next", "_size", "_values")

    def __init__(self, draw: Callable[[int], np.ndarray], size: int = BATCH_SIZE) -> None:
        self._draw = draw
        self._size = size
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._values):
            # tolist() once per batch: indexing a list of floats is far cheaper than NumPy scalars.
            self._values = self._draw(self._size).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value

    @classmethod
    def of(cls, spec: DistributionSpec, rng: np.random.Generator, size: int = BATCH_SIZE) -> Batch:
        """Durations from a distribution specification."""
        return cls(lambda n: sample(spec, rng, n), size)

    @classmethod
    def uniform(cls, rng: np.random.Generator, size: int = BATCH_SIZE) -> Batch:
        """Uniform numbers in [0, 1): the coin flips of exceptions, duplicates and routing."""
        return cls(rng.random, size)


def constant(value: float) -> ConstantDistribution:
    """Always ``value`` seconds (deterministic service, cv = 0)."""
    return ConstantDistribution(dist="constant", value=value)


def exponential(mean: float) -> ExponentialDistribution:
    """Exponential durations with this mean (cv = 1)."""
    return ExponentialDistribution(dist="exponential", mean=mean)


def lognormal(mean: float, cv: float) -> LognormalDistribution:
    """Lognormal durations with this mean and coefficient of variation."""
    return LognormalDistribution(dist="lognormal", mean=mean, cv=cv)


def empirical(samples: Sequence[float]) -> EmpiricalDistribution:
    """Durations resampled uniformly from observed values."""
    return EmpiricalDistribution(dist="empirical", samples=tuple(samples))
