"""A design spec read as a queueing network: stations, visit ratios and per-visit demands.

The design spec (``evalkit.design``) is the one description of a candidate's design that the
simulation and the reference platform execute. The analytic model reads the same spec:

- every **pool** is a station (``partitions`` = the pool's count, ``servers`` = its capacity);
- every ``Hold`` is one visit with the hold's demand; an ``Occupy`` holds a unit of its pool for
  the whole of its inner visits (so its demand includes their waits) and, with its duplicate
  probability, makes that many more visits beside the workflow's path; a ``Delay`` is a pure delay
  (an infinite-server station, no queue); an ``AwaitUp`` costs nothing without a fault;
- **visit ratios** come from the process: the start once, each step's attempt as often as its
  exception handling makes it run (retries up to the step's ``retries`` and the design's own
  delivery limit, a compensating re-attempt with the candidate's automation share), each manual
  resolution as often as people are needed, each handoff once.

``visit_ratios`` turns the exception rules (``evalkit.design.rules``) into expectations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evalkit.analytic.network import Demand, Station
from evalkit.analytic.routes import Routes
from evalkit.design.rules import Decision, on_exception
from evalkit.design.spec import Delay, DesignSpec, Hold, Occupy, Visit
from evalkit.study.workload import ExceptionSpec

__all__ = ["VisitRatios", "demands", "stations", "visit_mean", "visit_ratios"]


@dataclass(frozen=True)
class VisitRatios:
    """Per workflow, for one step: expected attempts and manual resolutions, and P(step succeeds)."""

    attempts: float
    manual: float
    success: float
    retries_allowed: int  # after the first attempt
    exhausted_to_people: bool


def stations(spec: DesignSpec) -> list[Station]:
    """One station per pool of the spec, in the spec's order."""
    return [Station(pool.name, pool.capacity, pool.count) for pool in spec.pools]


def visit_ratios(exception: ExceptionSpec | None, spec: DesignSpec) -> VisitRatios:
    """Expected attempts and resolutions of a step with this exception under this design.

    The decisions are ``evalkit.design.rules.on_exception``'s, the ones both runtimes run: after
    the k-th raised exception a step is retried, goes to people, or fails; the k-th retry runs
    with probability p^k.
    """
    if exception is None or exception.probability <= 0:
        return VisitRatios(1.0, 0.0, 1.0, 0, False)
    p, automation = exception.probability, spec.automation
    retries = 0
    while on_exception(exception, retries + 1, spec.redelivery) is Decision.RETRY:
        retries += 1
    final = on_exception(exception, retries + 1, spec.redelivery)
    attempts = sum(p**k for k in range(retries + 1))
    exhausted = p ** (retries + 1)
    if final is Decision.PEOPLE:
        return VisitRatios(attempts + exhausted * automation, exhausted * (1 - automation), 1.0, retries, True)
    return VisitRatios(attempts, 0.0, 1 - exhausted, retries, False)


def demands(spec: DesignSpec, routes: Routes | None = None) -> list[Demand]:
    """Every station's demand per average workflow (visits and hold per visit).

    With ``routes`` (a process with decisions, loops or types), each step's visits are scaled by
    how often it runs and each handoff by how often its edge carries a live token.
    """
    runs = routes.visits() if routes is not None else None
    found: list[Demand] = list(_demands(spec.start, 1.0))
    for plan, step in zip(spec.plan.steps, spec.steps, strict=True):
        ratios = visit_ratios(plan.exception, spec)
        times = 1.0 if runs is None else float(runs[plan.index])
        found += _demands(step.attempt, ratios.attempts * times)
        found += _demands(step.manual, ratios.manual * times)
    for handoff in spec.handoffs:
        share = 1.0 if routes is None else routes.edge_share(handoff.source, handoff.target)
        found += _demands(handoff.visits, share)
    return [d for d in found if d.visits > 0]


def visit_mean(visit: Visit) -> float:
    """Mean duration of a visit's own hold or delay, waits excluded."""
    if isinstance(visit, Hold):
        return float(visit.demand.mean)
    if isinstance(visit, Delay):
        return float(visit.time.mean)
    if isinstance(visit, Occupy):
        return sum(visit_mean(inner) for inner in visit.inner)
    return 0.0


def _demands(visits: Iterable[Visit], times: float) -> list[Demand]:
    found = []
    for visit in visits:
        if isinstance(visit, Hold):
            found.append(Demand(visit.pool, times, float(visit.demand.mean), float(visit.demand.cv2)))
        elif isinstance(visit, Occupy):
            copies = times * (1 + visit.duplicate_probability)
            inner = [Demand(h.pool, copies, float(h.demand.mean), float(h.demand.cv2)) for h in visit.inner]
            found += inner
            mean = sum(d.mean for d in inner)
            variance = sum(d.cv2 * d.mean**2 for d in inner)
            cv2 = variance / mean**2 if mean > 0 else 0.0
            found.append(Demand(visit.pool, copies, mean, cv2, wraps=tuple(h.pool for h in visit.inner)))
    return found
