"""The workload: downstream systems, staff pools and the process that uses them.

A **system** is something a step calls (a payment gateway, a credit bureau) with a capacity of
concurrent calls and a service-time distribution; it belongs to a **domain**, which is what the
federated design groups controllers by. A **staff pool** is people who handle human tasks and
exceptions. The **process** is a DAG of steps: each step calls one system, is done by one
staff pool, or waits for an outside **event** (a customer's upload, a timer, a partner's
callback: a delay that holds no resource); it may fail with an exception (retried, routed to
people, or fatal), and runs once every step it names in ``after`` has finished, so a process can
fork into parallel branches and join. A step may end in a **decision** (exclusive: one branch by
probability; inclusive: each branch independently) and may send the workflow back for
**rework** to an earlier step. A step with a decision and no work is a gateway. ``process`` may
also be a list of workflow **types**, each with a share of the traffic and its own SLO.
``docs/models.md`` gives the semantics (dead-path elimination for the joins after decisions).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Discriminator, Field, PositiveInt, Tag, model_validator

from evalkit.study.base import Model
from evalkit.study.distributions import Distribution
from evalkit.study.process_types import TypeSlo
from evalkit.units import Duration, Fraction

__all__ = [
    "OutageWindow",
    "System",
    "StaffPool",
    "RetryHandling",
    "HumanHandling",
    "FailHandling",
    "ExceptionSpec",
    "Branch",
    "Decision",
    "Rework",
    "Event",
    "Step",
    "Process",
    "Workload",
    "END",
]

#: The branch target (and join) that ends the workflow instead of naming a step.
END = "end"
#: How far from 1 the branch probabilities of an exclusive decision may sum (rounding in files).
SUM_TOLERANCE = 1e-6

Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$")]


class OutageWindow(Model):
    """A planned window in which a system serves nothing (maintenance, a nightly batch)."""

    at: Duration = Field(ge=0, description="start, from the beginning of the simulated horizon")
    duration: Duration = Field(gt=0, description="how long the system is down")


class System(Model):
    """A downstream system the process calls."""

    name: Name
    domain: Name = Field(description="business domain; the federated design has one controller per domain")
    capacity: PositiveInt = Field(le=100_000, description="concurrent calls it serves")
    service_time: Distribution = Field(description="time one call takes")
    outages: tuple[OutageWindow, ...] = Field(default=(), description="planned outage windows")


class StaffPool(Model):
    """People who work human tasks and resolve exceptions."""

    name: Name
    capacity: PositiveInt = Field(le=100_000, description="people working at once")


class RetryHandling(Model):
    """Retry the step after a backoff; when retries run out, fail or hand to people."""

    handling: Literal["retry"]
    probability: Fraction = Field(ge=0, le=1, description="chance one attempt of the step raises an exception")
    retries: PositiveInt = Field(default=3, le=100, description="retries after the first attempt")
    backoff: Duration = Field(default=1.0, ge=0, description="wait before the first retry")
    backoff_factor: float = Field(default=2.0, ge=1, le=10, description="each further wait is this times longer")
    exhausted: Literal["fail", "human"] = Field(default="fail", description="what happens when retries run out")
    pool: Name | None = Field(default=None, description="staff pool when exhausted is human")
    resolution_time: Distribution | None = Field(default=None, description="person's time when exhausted is human")

    @model_validator(mode="after")
    def _human_needs_pool(self) -> RetryHandling:
        if self.exhausted == "human" and (self.pool is None or self.resolution_time is None):
            raise ValueError("exhausted: human needs a pool and a resolution_time")
        return self


class HumanHandling(Model):
    """Route the exception to a staff pool; the workflow waits for a person to resolve it."""

    handling: Literal["human"]
    probability: Fraction = Field(ge=0, le=1, description="chance the step raises an exception")
    pool: Name = Field(description="staff pool that resolves it")
    resolution_time: Distribution = Field(description="a person's time to resolve one exception")


class FailHandling(Model):
    """The exception ends the workflow as failed."""

    handling: Literal["fail"]
    probability: Fraction = Field(ge=0, le=1, description="chance the step raises an exception")


ExceptionSpec = Annotated[RetryHandling | HumanHandling | FailHandling, Field(discriminator="handling")]


class Branch(Model):
    """One way out of a decision: the step it leads to (or ``end``) and how often it is taken."""

    to: Name = Field(description="the step this branch leads to (it lists the decision step in its after), or end")
    probability: Fraction = Field(ge=0, le=1, description="chance of this branch (exclusive: they sum to 1)")
    label: str = Field(default="", max_length=200, description="the business rule, for people: 'amount > 10k'")


class Decision(Model):
    """Where a step routes the workflow next: one branch (exclusive) or several (inclusive)."""

    kind: Literal["exclusive", "inclusive"] = Field(
        default="exclusive",
        description="exclusive (XOR): exactly one branch; inclusive (OR): each branch independently, "
        "the first if none comes up",
    )
    branches: tuple[Branch, ...] = Field(
        min_length=2, max_length=100, description="the ways out, each with a probability"
    )
    join: Name | None = Field(default=None, description="the step where the branches meet again, or end")


class Rework(Model):
    """Send the workflow back to an earlier step with a probability, a bounded number of times."""

    to: Name = Field(description="the earlier step the loop goes back to (or this step itself)")
    probability: Fraction = Field(gt=0, lt=1, description="chance, after each pass, of another pass")
    max: PositiveInt = Field(default=3, le=1000, description="at most this many extra passes per workflow")


class Event(Model):
    """Something outside the platform a workflow waits for, and how long that takes."""

    name: Name
    kind: Literal["timer", "message", "callback"] = Field(
        default="message", description="timer, message (a customer or partner sends it) or callback"
    )
    delay: Distribution = Field(description="time from the start of the wait until the event arrives")


class Step(Model):
    """One step of the process: a system call, a human task, a wait or a gateway, with its dependencies."""

    id: Name
    system: Name | None = Field(default=None, description="the system this step calls")
    staff: Name | None = Field(default=None, description="the staff pool that does this step (a human task)")
    wait: Name | None = Field(default=None, description="an event of the process this step waits for (no resource)")
    service_time: Distribution | None = Field(default=None, description="overrides the system's service time")
    exception: ExceptionSpec | None = None
    after: tuple[Name, ...] = Field(default=(), description="steps that must finish first (fork/join)")
    decision: Decision | None = Field(default=None, description="where the workflow goes after this step")
    rework: Rework | None = Field(default=None, description="a loop back to an earlier step after this one")

    @model_validator(mode="after")
    def _one_performer(self) -> Step:
        performers = [name for name in ("system", "staff", "wait") if getattr(self, name) is not None]
        if len(performers) > 1:
            raise ValueError(f"a step names one of system, staff or wait, not {' and '.join(performers)}")
        if not performers and self.decision is None:
            raise ValueError("a step names exactly one of system, staff or wait (or has a decision: a gateway)")
        if self.staff is not None and self.service_time is None:
            raise ValueError("a human task (staff) needs a service_time")
        if (self.wait is not None or not performers) and (self.service_time or self.exception):
            kind = "a wait" if self.wait is not None else "a gateway (a decision with no work)"
            raise ValueError(f"{kind} takes no service_time or exception")
        if self.decision is not None and self.decision.kind == "exclusive":
            total = sum(branch.probability for branch in self.decision.branches)
            if abs(total - 1) > SUM_TOLERANCE:
                gap = f"{1 - total:.4g} short" if total < 1 else f"{total - 1:.4g} over"
                raise ValueError(
                    f"decision of step {self.id!r}: branch probabilities sum to {total:.6g}, "
                    f"not 1 ({gap}); an exclusive decision takes exactly one branch"
                )
        return self

    @property
    def is_gateway(self) -> bool:
        """A decision with no work of its own."""
        return self.system is None and self.staff is None and self.wait is None


class Process(Model):
    """The business process under study (or one workflow type of a mix), as a DAG of steps."""

    name: Name
    share: Fraction | None = Field(
        default=None, ge=0, le=1, description="in a mix: this type's share of the arrivals (shares sum to 1)"
    )
    slo: TypeSlo | None = Field(default=None, description="in a mix: this type's SLO, overriding the study's")
    events: tuple[Event, ...] = Field(default=(), max_length=1000, description="outside events steps can wait for")
    steps: tuple[Step, ...] = Field(min_length=1, max_length=2000)

    def event(self, name: str) -> Event:
        """The event with this name (``KeyError`` if none)."""
        for event in self.events:
            if event.name == name:
                return event
        raise KeyError(name)


def _one_or_mix(value: object) -> str:
    return "mix" if isinstance(value, list | tuple) else "one"


ProcessOrMix = Annotated[
    Annotated[Process, Tag("one")] | Annotated[tuple[Process, ...], Tag("mix"), Field(min_length=1, max_length=50)],
    Discriminator(_one_or_mix),
]


class Workload(Model):
    """Systems, staff pools and the process (or a mix of workflow types)."""

    systems: tuple[System, ...] = Field(min_length=1, max_length=1000)
    staff: tuple[StaffPool, ...] = Field(default=(), max_length=1000)
    process: ProcessOrMix = Field(
        description="one process, or a list of workflow types (each with name, share and optional slo)"
    )

    @property
    def processes(self) -> tuple[Process, ...]:
        """Every workflow type (one, for a study with a single process)."""
        return self.process if isinstance(self.process, tuple) else (self.process,)

    @property
    def mixed(self) -> bool:
        """Whether the study has several workflow types (a list under ``process``)."""
        return isinstance(self.process, tuple)

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step of every workflow type, in file order."""
        return tuple(step for process in self.processes for step in process.steps)
