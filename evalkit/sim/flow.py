"""One workflow instance walking the process in the simulation.

``Flow`` is one workflow instance: its intended start, whether it is measured (started inside
the window), the service times and exception coins it was dealt at arrival, and where it is in
the process (the plan, ``evalkit.design.process``). Flows use ``__slots__``: a million of them
must fit in memory and their fields are touched on every step.
"""

from __future__ import annotations

from collections.abc import Sequence

from evalkit.design.process import Plan
from evalkit.design.routing import Tokens

__all__ = ["COMPLETED", "FAILED", "LOST", "Flow"]

COMPLETED, FAILED, LOST = "completed", "failed", "lost"


class Flow:
    """One workflow instance."""

    __slots__ = (
        "counted",
        "ended",
        "index",
        "luck",
        "outcome",
        "partition",
        "route",
        "service",
        "stalled",
        "start",
        "steps_left",
        "tokens",
        "waiting",
        "workflow_type",
    )

    def __init__(
        self,
        index: int,
        start: float,
        counted: bool,
        service: list[float],
        luck: list[float],
        partition: float,
        plan: Plan,
    ) -> None:
        self.index = index
        self.start = start
        self.counted = counted
        self.service = service
        self.luck = luck
        self.partition = partition
        self.waiting = list(plan.waiting)
        self.steps_left = len(plan.steps)
        self.ended = False
        self.outcome = ""
        self.stalled = False
        #: A routed process (``evalkit.design.routing``): the dealt routing coins, the workflow's
        #: type and its dead-path elimination state (set by the walker; None on the plain walk).
        self.route: Sequence[float] = ()
        self.workflow_type = 0
        self.tokens: Tokens | None = None
