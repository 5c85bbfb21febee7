"""Time distributions on a grid: how the analytic model adds, mixes and races durations.

A workflow's cycle time is built from pieces: a hold on a station (its wait, then its service),
a pure delay, a choice between paths (an exception retried, routed to people), and a join of
parallel branches that waits for the slowest. ``Grid`` represents each piece as a probability
mass function over ``size`` equally spaced times ``[0, span)`` and keeps it as its discrete
Fourier transform (zero-padded to twice the span, so sums do not wrap around):

- a **sum** of independent durations is a product of transforms;
- a **mixture** (this path with probability p, that one otherwise) is a weighted sum of them;
- a **maximum** of independent durations (a join) is a product of distribution functions, which
  needs the time domain: transform back, multiply the CDFs, transform again.

Durations are discretised so that means are kept: a fixed time splits its mass between the two
neighbouring grid points in proportion to its distance from each; a continuous law puts on each
point the probability of the interval around it. Mass that falls beyond the span is reported by
``lost`` so the caller can widen the grid. Everything is numpy on arrays of a few thousand
points: microseconds per operation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from evalkit.study.distributions import (
    ConstantDistribution,
    EmpiricalDistribution,
    ExponentialDistribution,
    LognormalDistribution,
)

__all__ = ["Grid", "Spectrum"]

Spectrum = np.ndarray  # complex rfft of a pmf of length 2·size


@dataclass(frozen=True)
class Grid:
    """``size`` points ``0, step, 2·step, …`` covering ``[0, size·step)``."""

    size: int
    step: float

    @property
    def span(self) -> float:
        return self.size * self.step

    @property
    def times(self) -> np.ndarray:
        return np.arange(self.size) * self.step

    # -- building pieces ------------------------------------------------------------------

    def transform(self, pmf: np.ndarray) -> Spectrum:
        return np.fft.rfft(pmf, 2 * self.size)

    def pmf(self, spectrum: Spectrum) -> np.ndarray:
        """Back to the time domain (the first ``size`` points; negative round-off clipped)."""
        values = np.fft.irfft(spectrum, 2 * self.size)[: self.size]
        return np.clip(values, 0.0, None)

    def zero(self) -> Spectrum:
        """No time at all: the identity of sums."""
        return np.ones(self.size + 1, dtype=complex)

    def fixed(self, seconds: float) -> Spectrum:
        """A fixed duration, its mass split between neighbouring points so that its mean is kept."""
        return self.transform(self._fixed_pmf(seconds))

    def _fixed_pmf(self, seconds: float) -> np.ndarray:
        pmf = np.zeros(self.size)
        position = min(max(seconds, 0.0) / self.step, self.size - 1.0)
        low = math.floor(position)
        share = position - low
        pmf[low] += 1 - share
        if share > 0:
            pmf[min(low + 1, self.size - 1)] += share
        return pmf

    def from_cdf(self, cdf: np.ndarray) -> Spectrum:
        """A continuous law given its CDF at the interval edges ``(k + 1/2)·step``."""
        pmf = np.diff(np.concatenate(([0.0], cdf)))
        return self.transform(pmf)

    def edges(self) -> np.ndarray:
        return (np.arange(self.size) + 0.5) * self.step

    def service(self, spec: object) -> Spectrum:
        """A study's service-time distribution."""
        if isinstance(spec, ConstantDistribution):
            return self.fixed(spec.value)
        if isinstance(spec, ExponentialDistribution):
            return self.exponential(spec.mean)
        if isinstance(spec, LognormalDistribution):
            edges = self.edges()
            with np.errstate(divide="ignore"):
                z = (np.log(edges) - spec.mu) / spec.sigma
            return self.from_cdf(special.ndtr(z))
        if isinstance(spec, EmpiricalDistribution):
            pmf = np.zeros(self.size)
            for value in spec.samples:
                pmf += self._fixed_pmf(value)
            return self.transform(pmf / len(spec.samples))
        if isinstance(spec, int | float):
            return self.fixed(float(spec))
        raise TypeError(f"not a distribution: {spec!r}")

    def exponential(self, mean: float) -> Spectrum:
        if mean <= 0:
            return self.zero()
        if mean < self.step / 4:  # narrower than the grid: keep the mean
            return self.fixed(mean)
        return self.from_cdf(-np.expm1(-self.edges() / mean))

    def wait(self, probability: float, mean_if_waiting: float) -> Spectrum:
        """An M/M/c-style wait: zero with 1 - probability, else exponential with this mean."""
        probability = min(max(probability, 0.0), 1.0)
        if probability == 0 or mean_if_waiting <= 0:
            return self.zero()
        return (1 - probability) * self.zero() + probability * self.exponential(mean_if_waiting)

    # -- combining ------------------------------------------------------------------------

    def maximum(self, spectra: list[Spectrum]) -> Spectrum:
        """The longest of independent durations (a join)."""
        if len(spectra) == 1:
            return spectra[0]
        cdf = np.ones(self.size)
        for spectrum in spectra:
            cdf *= np.minimum(np.cumsum(self.pmf(spectrum)), 1.0)
        return self.transform(np.diff(np.concatenate(([0.0], cdf))))

    # -- reading --------------------------------------------------------------------------

    def lost(self, spectrum: Spectrum) -> float:
        """Probability mass beyond the span (the grid is too short when this is not tiny)."""
        return max(0.0, 1.0 - float(self.pmf(spectrum).sum()))

    def mean(self, spectrum: Spectrum) -> float:
        pmf = self.pmf(spectrum)
        return float((pmf * self.times).sum() / max(pmf.sum(), 1e-300))

    def percentile(self, spectrum: Spectrum, quantile: float) -> float:
        """The ``quantile`` (0-1) of the law, interpolated linearly within a grid interval."""
        pmf = self.pmf(spectrum)
        cdf = np.cumsum(pmf) / max(pmf.sum(), 1e-300)
        index = int(np.searchsorted(cdf, quantile))
        if index >= self.size:
            return math.inf
        below = cdf[index - 1] if index > 0 else 0.0
        share = (quantile - below) / max(cdf[index] - below, 1e-300)
        # A grid point holds the mass of the interval around it: interpolate across that interval.
        return max(0.0, (index - 0.5 + share) * self.step)
