"""Closed-form queueing results: the stations of the analytic model, and the simulation's yardsticks.

These are the yardsticks the tests hold the SimPy models against: a study reduced to one step on
one system is an M/M/1, M/M/c or M/G/1 queue, two steps in series are a Jackson tandem, and any
stable system obeys Little's law. Every function takes rates per second and times in seconds
and returns seconds (waits, sojourns) or counts (queue lengths).

An unstable queue (utilisation ρ ≥ 1) has no steady state: the waiting-time functions return
``math.inf`` for it rather than a meaningless number, and ``backlog_growth`` says how fast its
queue grows instead.

Formulas (λ arrival rate, E[S] mean service time, c servers, ρ = λ·E[S]/c):

- Erlang C, the probability an arrival waits in M/M/c, from the Erlang B recursion
  B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)) with a = λ·E[S], and C = B / (1 - ρ(1 - B));
- M/M/c mean wait  Wq = C·E[S] / (c(1 - ρ));
- M/G/1 mean wait (Pollaczek-Khinchine)  Wq = ρ·E[S]·(1 + cv²) / (2(1 - ρ));
- Jackson network: each station of an open network with Poisson arrivals behaves as an
  independent M/M/c queue, so a tandem's mean sojourn is the sum of its stations' sojourns;
- Little's law  L = λ·W;
- the M/M/c waiting-time distribution  P(Wq > t) = C·exp(-(c/E[S] - λ)·t): an atom 1 - C at zero
  and an exponential tail, whose percentiles are closed forms;
- Allen-Cunneen for M/G/c:  Wq ≈ Wq(M/M/c)·(1 + cv²)/2 (exact for M/M/c and for M/G/1, where it is
  Pollaczek-Khinchine); A. O. Allen, *Probability, Statistics and Queueing Theory*, 2nd ed. (1990).

``evalkit.theory`` re-exports this module, the name the simulation's tests have always used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "utilization",
    "erlang_b",
    "erlang_c",
    "mm1_wait",
    "mmc_wait",
    "mmc_sojourn",
    "mg1_wait",
    "jackson_tandem_sojourn",
    "little_l",
    "backlog_growth",
    "mmc_wait_exceeds",
    "mmc_wait_percentile",
    "mgc_wait",
]


def utilization(arrival_rate: float, mean_service: float, servers: int = 1) -> float:
    """ρ = λ·E[S]/c: the share of time each server is busy."""
    _check(arrival_rate, mean_service, servers)
    return arrival_rate * mean_service / servers


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/M/c/c loss system with offered load a = λ·E[S] (Erlangs)."""
    if servers < 1 or offered_load < 0:
        raise ValueError("erlang_b needs servers >= 1 and offered_load >= 0")
    blocking = 1.0
    for k in range(1, servers + 1):
        # The recursion stays within [0, 1], unlike the factorial form that overflows.
        blocking = offered_load * blocking / (k + offered_load * blocking)
    return blocking


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival to a stable M/M/c queue has to wait (1.0 when unstable)."""
    rho = offered_load / servers
    if rho >= 1:
        return 1.0
    blocking = erlang_b(servers, offered_load)
    return blocking / (1 - rho * (1 - blocking))


def mm1_wait(arrival_rate: float, mean_service: float) -> float:
    """Mean time in queue of M/M/1: ρ·E[S]/(1 - ρ)."""
    return mmc_wait(arrival_rate, mean_service, 1)


def mmc_wait(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean time in queue of M/M/c (Erlang C); ``inf`` when ρ ≥ 1."""
    rho = utilization(arrival_rate, mean_service, servers)
    if rho >= 1:
        return math.inf
    return erlang_c(servers, arrival_rate * mean_service) * mean_service / (servers * (1 - rho))


def mmc_sojourn(arrival_rate: float, mean_service: float, servers: int) -> float:
    """Mean time in an M/M/c station, waiting plus service."""
    return mmc_wait(arrival_rate, mean_service, servers) + mean_service


def mg1_wait(arrival_rate: float, mean_service: float, cv2: float) -> float:
    """Mean time in queue of M/G/1 (Pollaczek-Khinchine); ``cv2`` is the service's squared cv."""
    if cv2 < 0:
        raise ValueError("cv2 must be >= 0")
    rho = utilization(arrival_rate, mean_service, 1)
    if rho >= 1:
        return math.inf
    return rho * mean_service * (1 + cv2) / (2 * (1 - rho))


def jackson_tandem_sojourn(arrival_rate: float, stations: Sequence[tuple[float, int]]) -> float:
    """Mean end-to-end time through M/M/c stations in series, each ``(mean_service, servers)``."""
    return math.fsum(mmc_sojourn(arrival_rate, mean, servers) for mean, servers in stations)


def little_l(arrival_rate: float, mean_time_in_system: float) -> float:
    """Little's law: mean number in system L = λ·W."""
    return arrival_rate * mean_time_in_system


def backlog_growth(arrival_rate: float, mean_service: float, servers: int) -> float:
    """How fast an overloaded M/M/c queue grows (per second): λ - c/E[S], or 0 when stable."""
    _check(arrival_rate, mean_service, servers)
    return max(0.0, arrival_rate - servers / mean_service)


def mmc_wait_exceeds(arrival_rate: float, mean_service: float, servers: int, t: float) -> float:
    """P(Wq > t) in a stable M/M/c: C·exp(-(c/E[S] - λ)·t) (1.0 when unstable)."""
    rho = utilization(arrival_rate, mean_service, servers)
    if rho >= 1:
        return 1.0
    drain = servers / mean_service - arrival_rate
    return erlang_c(servers, arrival_rate * mean_service) * math.exp(-drain * t)


def mmc_wait_percentile(arrival_rate: float, mean_service: float, servers: int, quantile: float) -> float:
    """The ``quantile`` (0-1) of the time in queue of M/M/c: 0 while 1 - quantile ≥ C, else ln(C/(1-q))/(c/E[S] - λ)."""
    if not 0 <= quantile < 1:
        raise ValueError("quantile must be in [0, 1)")
    rho = utilization(arrival_rate, mean_service, servers)
    if rho >= 1:
        return math.inf
    waits = erlang_c(servers, arrival_rate * mean_service)
    if 1 - quantile >= waits:
        return 0.0
    return math.log(waits / (1 - quantile)) / (servers / mean_service - arrival_rate)


def mgc_wait(arrival_rate: float, mean_service: float, servers: int, cv2: float) -> float:
    """Mean time in queue of M/G/c by Allen-Cunneen: the M/M/c wait times (1 + cv²)/2."""
    if cv2 < 0:
        raise ValueError("cv2 must be >= 0")
    return mmc_wait(arrival_rate, mean_service, servers) * (1 + cv2) / 2


def _check(arrival_rate: float, mean_service: float, servers: int) -> None:
    if arrival_rate < 0 or mean_service <= 0 or servers < 1:
        raise ValueError("need arrival_rate >= 0, mean_service > 0 and servers >= 1")
