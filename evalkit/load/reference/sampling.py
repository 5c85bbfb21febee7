"""Draw durations from a study's distribution specifications with a seeded generator.

The reference platform samples the same distributions as the simulation (each specification
knows its mean and variance in ``evalkit.study.distributions``); here they are drawn, in study
seconds, from the platform's own ``numpy.random.Generator``.
"""

from __future__ import annotations

import numpy as np

from evalkit.study.distributions import (
    ConstantDistribution,
    EmpiricalDistribution,
    ExponentialDistribution,
    LognormalDistribution,
)

__all__ = ["draw"]

Spec = ConstantDistribution | ExponentialDistribution | LognormalDistribution | EmpiricalDistribution


def draw(spec: Spec, rng: np.random.Generator) -> float:
    """One duration, in study seconds."""
    if isinstance(spec, ConstantDistribution):
        return spec.value
    if isinstance(spec, ExponentialDistribution):
        return float(rng.exponential(spec.mean))
    if isinstance(spec, LognormalDistribution):
        return float(rng.lognormal(spec.mu, spec.sigma))
    return float(spec.samples[int(rng.integers(len(spec.samples)))])
