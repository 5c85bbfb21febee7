"""The design spec: one candidate's orchestration design as plain, frozen data.

A ``DesignSpec`` says everything a runtime needs to run a candidate's design and nothing about
how to run it. It is derived once from the study (``evalkit.design.design_spec``) and read by the
simulation, the reference platform, fault validation, the cost model and the analytic model:

- **pools**: every resource a workflow queues for, with its capacity (``Pool``); the systems and
  staff pools of the study first, then the design's own (engine, stores, controllers,
  coordinator, broker partitions, consumer groups), in the order the runtimes create them;
- **visits**: what a workflow does, as sequences of visit elements (``Hold``, ``Delay``,
  ``AwaitUp``, ``Occupy``) for its start, for each attempt of each step, for each manual
  resolution of a step's exception, and for each dependency edge that needs a handoff;
- the **delivery rules** the exception rules (``evalkit.design.rules``) need (``Redelivery``);
- the **fault components** and the pools each stops;
- the **orchestration units**: the pools that are the platform's own compute, which the cost
  model sizes nodes from.

Every duration is a distribution specification (``evalkit.dists``) that knows its mean and
variance; a design's own costs are constants today. A ``Hold`` marked ``drawn`` takes its
duration from the runtime's draw source (a step's work, a person's resolution) and its
``demand`` is the distribution those draws follow; any other hold lasts its ``demand``'s value.

Reading the visits as a queueing network: each ``Hold`` is one visit to its pool with that
demand; a ``Delay`` is a pure delay (an infinite-server station); an ``Occupy`` holds one unit
of its pool for as long as its inner visits take (its demand on the pool is their sum), and
with ``duplicate_probability`` p a second unit redoes the inner visits (p more visits, not on the
workflow's path); ``AwaitUp`` costs nothing unless its pool is down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from evalkit.design.process import START, Plan
from evalkit.dists import DistributionSpec

__all__ = [
    "AwaitUp",
    "Component",
    "Delay",
    "DesignSpec",
    "Handoff",
    "Hold",
    "Occupy",
    "Pool",
    "PoolKind",
    "Redelivery",
    "StepVisits",
    "Visit",
]

PoolKind = Literal["system", "staff", "engine", "store", "controller", "coordinator", "broker", "consumers"]


@dataclass(frozen=True)
class Pool:
    """A resource: ``count`` independent FIFO stations of ``capacity`` units, reported as ``name``.

    ``count`` is more than one only for a partitioned pool (the broker: one station of capacity 1
    per partition); a visit to it goes to the workflow's own partition.
    """

    name: str
    kind: PoolKind
    capacity: int
    count: int = 1
    #: The platform's own compute (engine, controllers, coordinator, consumers): what nodes are sized for.
    orchestration: bool = False
    #: The domain a controller or domain store belongs to (federated), else None.
    domain: str | None = None

    @property
    def units(self) -> int:
        """Units in total: capacity × count."""
        return self.capacity * self.count


@dataclass(frozen=True)
class Hold:
    """Request one unit of ``pool`` (FIFO), keep it for a duration, release it."""

    pool: str
    demand: DistributionSpec
    #: The duration comes from the draw source (a step's work, a resolution); ``demand`` is its law.
    drawn: bool = False
    #: Refused when the pool is down at the request: the workflow ends as lost.
    lost_if_down: bool = False


@dataclass(frozen=True)
class Delay:
    """A pure delay: no resource, no queue (network latency, a consumer's poll, a wait for an event)."""

    time: DistributionSpec
    #: The duration comes from the draw source (a wait's dealt delay); ``time`` is its law.
    drawn: bool = False


@dataclass(frozen=True)
class AwaitUp:
    """Wait until the workflow's station of ``pool`` is not in an outage (no delivery while the broker is down)."""

    pool: str


@dataclass(frozen=True)
class Occupy:
    """Hold one unit of ``pool`` while the ``inner`` visits run (a consumer doing a step's work).

    With ``duplicate_probability`` the delivery is duplicated: another unit of ``pool`` redoes the
    inner visits with a fresh duration, beside the workflow's path (at-least-once delivery).
    """

    pool: str
    inner: tuple[Hold, ...]
    duplicate_probability: float = 0.0


Visit = Hold | Delay | AwaitUp | Occupy


@dataclass(frozen=True)
class StepVisits:
    """What one step costs under the design: an attempt, and a person's resolution of its exception."""

    attempt: tuple[Visit, ...]
    #: Empty when the step's exception never goes to people.
    manual: tuple[Visit, ...] = ()


@dataclass(frozen=True)
class Handoff:
    """A dependency edge ``source -> target`` (plan indices; ``START`` for the start's) that costs visits."""

    source: int
    target: int
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Redelivery:
    """The design's own limits on a failing step, beside the step's ``retries``."""

    #: A step that failed this many times is not tried again (the broker's delivery limit); None: no limit.
    max_deliveries: int | None = None
    #: A step that runs out of tries fails its workflow through the dead-letter queue (counted).
    dead_letter: bool = False


@dataclass(frozen=True)
class Component:
    """A fault component (``engine``, ``controller:sales``, ``system:payments``…) and the pools it stops."""

    name: str
    pools: tuple[str, ...]


@dataclass(frozen=True)
class DesignSpec:
    """One candidate's design, derived from the study: what the runtimes execute."""

    candidate: str
    design: str
    plan: Plan
    pools: tuple[Pool, ...]
    start: tuple[Visit, ...]
    steps: tuple[StepVisits, ...]
    handoffs: tuple[Handoff, ...] = ()
    redelivery: Redelivery = field(default_factory=Redelivery)
    components: tuple[Component, ...] = ()
    #: The candidate's share of human-routed exceptions its platform resolves itself.
    automation: float = 0.0
    #: The start domain and each step's domain (federated; empty otherwise).
    start_domain: str | None = None
    domains: tuple[str, ...] = ()

    def pool(self, name: str) -> Pool:
        """The pool called ``name`` (``KeyError`` if none)."""
        for pool in self.pools:
            if pool.name == name:
                return pool
        raise KeyError(name)

    def component(self, name: str) -> Component | None:
        """The fault component called ``name``; None when the design has no such part."""
        for component in self.components:
            if component.name == name:
                return component
        return None

    def handoff(self, source: int, target: int) -> tuple[Visit, ...]:
        """The visits that carry ``source -> target`` (``START`` for the start's edges); () if none."""
        for handoff in self.handoffs:
            if handoff.source == source and handoff.target == target:
                return handoff.visits
        return ()

    def handoff_matrix(self) -> list[list[tuple[Visit, ...]]] | None:
        """``matrix[source + 1][target]``: the handoff visits of every edge; None when no edge has any."""
        if not self.handoffs:
            return None
        size = len(self.plan.steps)
        matrix: list[list[tuple[Visit, ...]]] = [[() for _ in range(size)] for _ in range(size + 1)]
        for handoff in self.handoffs:
            matrix[handoff.source - START][handoff.target] = handoff.visits
        return matrix

    def awaited_pools(self) -> tuple[str, ...]:
        """Pools some visit waits to see up again (``AwaitUp``), in order of first mention."""
        visits = [*self.start, *(v for s in self.steps for v in (*s.attempt, *s.manual))]
        return tuple(dict.fromkeys(v.pool for v in visits if isinstance(v, AwaitUp)))

    def orchestration_units(self) -> dict[str, int]:
        """Units of each pool that is the platform's own compute, by pool name."""
        return {pool.name: pool.units for pool in self.pools if pool.orchestration}
