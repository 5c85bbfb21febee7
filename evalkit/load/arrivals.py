"""Intended start times: the open arrival stream one generator offers in one stage.

An open model decides *when* each workflow should start before anything is sent, so a slow
target cannot slow the arrivals down (coordinated omission). Poisson arrivals are drawn as a
homogeneous stream at the profile's highest rate and thinned to the profile (Lewis and Shedler),
which keeps every stage's stream independent of how the target behaves. Constant arrivals are
evenly spaced; with several generator processes each takes an evenly shifted phase, so that the
processes together are still evenly spaced.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

__all__ = ["arrival_offsets", "mean_share"]

Share = Callable[[float], float]


def arrival_offsets(
    rate: float,
    duration: float,
    kind: Literal["poisson", "constant"],
    rng: np.random.Generator,
    *,
    share: Share | None = None,
    max_share: float = 1.0,
    phase: float = 0.0,
) -> np.ndarray:
    """Sorted intended start offsets in ``[0, duration)`` for arrivals at ``rate × share(t)`` per second.

    ``share`` is the profile (``None`` for flat); ``phase`` in ``[0, 1)`` shifts constant arrivals
    by that fraction of their spacing.
    """
    if rate <= 0 or duration <= 0:
        return np.empty(0)
    if kind == "constant":
        return _constant(rate, duration, share, phase)
    return _poisson(rate, duration, rng, share, max_share)


def _poisson(
    rate: float, duration: float, rng: np.random.Generator, share: Share | None, max_share: float
) -> np.ndarray:
    ceiling = rate * (max_share if share is not None else 1.0)
    # Given their count, the points of a Poisson process are uniform order statistics.
    count = int(rng.poisson(ceiling * duration))
    offsets = np.sort(rng.uniform(0.0, duration, count))
    if share is None or count == 0:
        return offsets
    keep_probability = np.array([share(t) for t in offsets]) / max_share
    return offsets[rng.uniform(size=count) < keep_probability]


def _constant(rate: float, duration: float, share: Share | None, phase: float) -> np.ndarray:
    if share is None:
        count = math.ceil(duration * rate - phase)
        offsets = (np.arange(max(count, 0)) + phase) / rate
        return offsets[offsets < duration]
    times = []
    t = phase / max(rate * share(0.0), 1e-12)
    while t < duration:
        current = rate * share(t)
        if current <= 0:  # a profile at zero: look again a little later
            t += duration / 1000
            continue
        times.append(t)
        t += 1.0 / current
    return np.asarray(times)


def mean_share(share: Share | None, start: float, end: float, points: int = 2001) -> float:
    """Average of the profile over ``[start, end)``: the offered rate of a window is peak × this."""
    if share is None or end <= start:
        return 1.0
    grid = np.linspace(start, end, points)
    return float(np.trapezoid([share(t) for t in grid], grid) / (end - start))
