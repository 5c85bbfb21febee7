"""The workload: downstream systems, staff pools and the process that uses them.

A **system** is something a step calls (a payment gateway, a credit bureau) with a capacity of
concurrent calls and a service-time distribution; it belongs to a **domain**, which is what the
federated design groups controllers by. A **staff pool** is people who handle human tasks and
exceptions. The **process** is a DAG of steps: each step calls one system or is done by one
staff pool, may fail with an exception (retried, routed to people, or fatal), and runs once every
step it names in ``after`` has finished, so a process can fork into parallel branches and join.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PositiveInt, model_validator

from evalkit.study.base import Model
from evalkit.study.distributions import Distribution
from evalkit.units import Duration, Fraction

__all__ = [
    "OutageWindow",
    "System",
    "StaffPool",
    "RetryHandling",
    "HumanHandling",
    "FailHandling",
    "ExceptionSpec",
    "Step",
    "Process",
    "Workload",
]

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


class Step(Model):
    """One step of the process: a system call or a human task, with its dependencies."""

    id: Name
    system: Name | None = Field(default=None, description="the system this step calls")
    staff: Name | None = Field(default=None, description="the staff pool that does this step (a human task)")
    service_time: Distribution | None = Field(default=None, description="overrides the system's service time")
    exception: ExceptionSpec | None = None
    after: tuple[Name, ...] = Field(default=(), description="steps that must finish first (fork/join)")

    @model_validator(mode="after")
    def _one_performer(self) -> Step:
        if (self.system is None) == (self.staff is None):
            raise ValueError("a step names exactly one of system or staff")
        if self.staff is not None and self.service_time is None:
            raise ValueError("a human task (staff) needs a service_time")
        return self


class Process(Model):
    """The business process under study, as a DAG of steps."""

    name: Name
    steps: tuple[Step, ...] = Field(min_length=1, max_length=2000)


class Workload(Model):
    """Systems, staff pools and the process."""

    systems: tuple[System, ...] = Field(min_length=1, max_length=1000)
    staff: tuple[StaffPool, ...] = Field(default=(), max_length=1000)
    process: Process
