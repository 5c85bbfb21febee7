"""When workflows start: the open arrival stream of a study at one load multiple.

Traffic is an open model: workflows start at a rate (peak × multiple × the profile's share at
time t), whatever happens inside the system. Poisson arrivals at a flat rate are a running sum
of exponential gaps. A non-flat profile (a Black Friday surge) makes the rate vary in time; the
stream is then a non-homogeneous Poisson process, drawn by thinning (Lewis and Shedler): draw
candidates at the highest rate the profile reaches and keep each with probability
rate(t) / highest rate. ``constant`` arrivals are evenly spaced at the current rate.

Gaps and thinning coins are drawn a batch at a time from the cell's arrival stream.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from evalkit.dists import BATCH_SIZE
from evalkit.study import Traffic

__all__ = ["arrival_times"]


def arrival_times(traffic: Traffic, multiple: float, rng: np.random.Generator) -> Iterator[float]:
    """Intended start times (seconds, increasing, without end) of workflows at ``multiple`` × peak."""
    top_rate = traffic.peak_rate * multiple * traffic.profile.max_share
    if top_rate <= 0:
        return iter(())
    if traffic.arrivals == "constant":
        return _constant(traffic, multiple, top_rate)
    if traffic.profile.kind == "flat":
        return _poisson(top_rate, rng)
    return _thinned(traffic, multiple, top_rate, rng)


def _poisson(rate: float, rng: np.random.Generator) -> Iterator[float]:
    now = 0.0
    while True:
        for gap in rng.exponential(1.0 / rate, BATCH_SIZE).tolist():
            now += gap
            yield now


def _thinned(traffic: Traffic, multiple: float, top_rate: float, rng: np.random.Generator) -> Iterator[float]:
    now = 0.0
    while True:
        gaps = rng.exponential(1.0 / top_rate, BATCH_SIZE).tolist()
        coins = rng.random(BATCH_SIZE).tolist()
        for gap, coin in zip(gaps, coins, strict=True):
            now += gap
            if coin * top_rate < traffic.rate_at(multiple, now):
                yield now


def _constant(traffic: Traffic, multiple: float, top_rate: float) -> Iterator[float]:
    now = 0.0
    while True:
        rate = traffic.rate_at(multiple, now)
        if rate > 0:
            now += 1.0 / rate
            yield now
        else:
            # No traffic now: look again a top-rate gap later instead of dividing by zero.
            now += 1.0 / top_rate
