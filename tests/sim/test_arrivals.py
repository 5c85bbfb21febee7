"""Arrivals: Poisson counts, thinning for a surge profile, constant spacing, candidate-free seeds."""

from __future__ import annotations

import itertools
import math

import numpy as np
from sim_studies import inside_ci, interval

from evalkit.sim.arrivals import arrival_times
from evalkit.sim.streams import cell_streams
from evalkit.study import Traffic

SURGE = {"kind": "spike", "base": 1.0, "factor": 3.0, "at": 20, "ramp": 10, "hold": 20}


def _count(traffic: Traffic, multiple: float, seed: int, end: float) -> int:
    times = arrival_times(traffic, multiple, np.random.default_rng(seed))
    return sum(1 for _ in itertools.takewhile(lambda t: t < end, times))


def test_a_surge_profile_is_followed_by_thinning() -> None:
    traffic = Traffic.model_validate({"peak_rate": 4, "horizon": 100, "warmup": 0, "profile": SURGE})
    # ∫ rate: 100 s at base 4/s, plus the surge's extra (factor-base)·peak over hold + ramp.
    expected = 1.5 * (4 * 100 + (3 - 1) * 4 * (20 + 10))
    counts = [_count(traffic, 1.5, seed, 100) for seed in range(30)]
    assert inside_ci(expected, counts), (expected, interval(counts))
    inside = [
        sum(
            1
            for t in itertools.takewhile(lambda t: t < 50, arrival_times(traffic, 1.5, np.random.default_rng(s)))
            if t >= 30
        )
        for s in range(30)
    ]
    assert inside_ci(1.5 * 4 * 3 * 20, inside)  # the hold runs at factor × peak


def test_constant_arrivals_are_evenly_spaced_at_the_rate() -> None:
    traffic = Traffic.model_validate({"peak_rate": 4, "horizon": 10, "warmup": 0, "arrivals": "constant"})
    times = list(itertools.islice(arrival_times(traffic, 2.0, np.random.default_rng(0)), 5))
    assert all(math.isclose(b - a, 0.125) for a, b in itertools.pairwise(times))


def test_streams_depend_on_the_cell_but_not_on_anything_else() -> None:
    def first(*cell: object) -> float:
        return float(cell_streams(*cell).arrivals.per_workflow.random())  # type: ignore[arg-type]

    assert first(1, "baseline", 1.0, 1) == first(1, "baseline", 1, 1)
    distinct = {first(1, "baseline", 1.0, 1), first(1, "baseline", 1.0, 2), first(1, "baseline", 2.0, 1)}
    assert len(distinct | {first(1, "fault", 1.0, 1), first(2, "baseline", 1.0, 1)}) == 5
    streams = cell_streams(1, "baseline", 1.0, 1)
    assert streams.service.per_workflow.random() != streams.exceptions.per_workflow.random()
