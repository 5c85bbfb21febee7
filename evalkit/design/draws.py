"""Where a runtime's random numbers come from: one interface for both runtimes and for tests.

A workflow is **dealt** at its start, per step, the service time of the step's first attempt and
the coin that decides whether that attempt raises the step's exception, plus one coin that picks
its broker partition. Everything later is asked for as it happens: a further attempt's service
time and exception coin (a retry, a compensating re-attempt), the automation coin of an
exception routed to people, a person's resolution time, and a delivery's duplicate coin and the
duplicate's service time. Coins are uniform on [0, 1); an event with probability p happens when
its coin is below p.

Every request names the step (plan index) and the attempt (0 for the first, one more for each
further attempt of the step), so a scripted source can answer the same question with the same
number whatever order two runtimes ask in. The simulation's source (``evalkit.sim.draws``) deals
in blocks and ignores the keys; the reference platform's draws from its own generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

__all__ = ["Dealt", "DrawSource"]


class Dealt(NamedTuple):
    """What a workflow is dealt at its start."""

    #: Each step's first-attempt service time (seconds), by plan index.
    service: list[float]
    #: Each step's first-attempt exception coin, by plan index.
    luck: list[float]
    #: The partition coin: partition = int(coin × partitions).
    partition: float
    #: Each step's routing coin (its decision, its first rework draw), by plan index; empty when
    #: the process has no decision or loop (``evalkit.design.routing``).
    route: Sequence[float] = ()
    #: The coin that picks the workflow's type in a mix (0 when there is one type).
    type_coin: float = 0.0


class DrawSource(Protocol):
    """The random numbers of a runtime (keys: plan index of the step, attempt number)."""

    def deal(self) -> Dealt:
        """The next workflow's dealt numbers."""
        ...

    def service(self, step: int, attempt: int) -> float:
        """A further attempt's service time (attempt ≥ 1)."""
        ...

    def exception(self, step: int, attempt: int) -> float:
        """A further attempt's exception coin (attempt ≥ 1)."""
        ...

    def automation(self, step: int) -> float:
        """The coin deciding whether the platform resolves an exception routed to people."""
        ...

    def resolution(self, step: int) -> float:
        """A person's time to resolve the step's exception."""
        ...

    def duplicate(self, step: int, attempt: int) -> float:
        """The coin deciding whether this delivery of the step is duplicated."""
        ...

    def duplicate_service(self, step: int, attempt: int) -> float:
        """The service time of the duplicated work."""
        ...

    def route(self, step: int, attempt: int) -> float:
        """A further routing coin of the step: an inclusive branch after the first, a later rework draw."""
        ...
