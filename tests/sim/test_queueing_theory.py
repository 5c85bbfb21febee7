"""The models against queueing theory: the closed form must lie inside the 95% CI of replications.

A study reduced to one step on one system with no orchestration overhead is an M/G/c queue, two
steps in series are a Jackson tandem. Utilisation 0.5-0.7 and a warm-up of several relaxation
times keep initialisation bias well below the confidence interval's width.
"""

from __future__ import annotations

import pytest
from sim_studies import (
    DESIGNS,
    candidate,
    constant,
    exponential,
    inside_ci,
    interval,
    lognormal,
    one_queue,
    replicate,
    study,
)

from evalkit import theory


@pytest.mark.parametrize("design", DESIGNS)
def test_mmc_mean_wait_matches_erlang_c(design: str) -> None:
    rate, mean, servers = 2.1, 1.0, 3
    reduced = one_queue(design, servers=servers, service=exponential(mean), rate=rate, horizon=900, warmup=100)
    waits = replicate(reduced, design, "wait_mean:system:s")
    expected = theory.mmc_wait(rate, mean, servers)
    assert inside_ci(expected, waits), (expected, interval(waits))


def test_mm1_mean_wait_and_utilisation() -> None:
    rate, mean = 0.6, 1.0
    reduced = one_queue("centralized", servers=1, service=exponential(mean), rate=rate, horizon=1600, warmup=200)
    results = [replicate(reduced, "centralized", m) for m in ("wait_mean:system:s", "utilization:system:s")]
    assert inside_ci(theory.mm1_wait(rate, mean), results[0]), interval(results[0])
    assert inside_ci(theory.utilization(rate, mean), results[1]), interval(results[1])


def test_md1_mean_wait_matches_pollaczek_khinchine() -> None:
    rate, mean = 0.7, 1.0
    reduced = one_queue("centralized", servers=1, service=constant(mean), rate=rate, horizon=1400, warmup=150)
    waits = replicate(reduced, "centralized", "wait_mean:system:s")
    assert inside_ci(theory.mg1_wait(rate, mean, cv2=0.0), waits), interval(waits)


def test_mg1_with_high_variance_service_matches_pollaczek_khinchine() -> None:
    rate, mean, cv = 0.5, 1.0, 2.0
    reduced = one_queue(
        "centralized", servers=1, service=lognormal(mean, cv), rate=rate, horizon=4000, warmup=300, replications=30
    )
    waits = replicate(reduced, "centralized", "wait_mean:system:s")
    expected = theory.mg1_wait(rate, mean, cv2=cv**2)
    assert inside_ci(expected, waits), (expected, interval(waits))


@pytest.mark.parametrize("design", DESIGNS)
def test_two_step_tandem_matches_jackson(design: str) -> None:
    rate, stations = 1.2, [(0.5, 1), (1.2, 2)]
    reduced = study(
        systems=[
            {"name": "a", "capacity": 1, "service_time": exponential(0.5), "domain": "first"},
            {"name": "b", "capacity": 2, "service_time": exponential(1.2), "domain": "second"},
        ],
        steps=[{"id": "one", "system": "a"}, {"id": "two", "system": "b", "after": ["one"]}],
        candidates=[candidate(design)],
        rate=rate,
        horizon=1100,
        warmup=100,
    )
    cycle = replicate(reduced, design, "cycle_time_mean")
    expected = theory.jackson_tandem_sojourn(rate, stations)
    assert inside_ci(expected, cycle), (expected, interval(cycle))
