"""What happens after a step's attempt raises its exception: retry, people, failure, dead letter.

These are the exception rules of ``docs/models.md``, written once and run by both runtimes.
``raised`` says whether an attempt raised its exception (its coin below the probability).
``on_exception`` is the pure decision after the ``failures``-th raised exception of a step.
``handle_exception`` plays the whole sequence as a generator of **commands** that a runtime
carries out in its own way (a SimPy timeout or an asyncio sleep, a simulated or a live attempt):

- ``Raised``: count one more exception;
- ``Backoff(delay)``: wait;
- ``Attempt(attempt, duration)``: run one more attempt of the step under the design; the runtime
  sends back whether the workflow is still going (False: it ended meanwhile, stop here);
- ``Manual(duration)``: count a manual intervention and let a person resolve it under the design.

It returns the step's outcome: ``DONE`` (the step counts as done), ``FAILED`` (the workflow
fails) or ``DEAD_LETTERED`` (it fails through the dead-letter queue). Random numbers are drawn
from the runtime's ``DrawSource`` exactly when the rule needs them, in this order: a retry's
service time after its backoff, its exception coin after it ran; the automation coin when the
exception reaches people, then the compensating attempt's service time or the resolution time.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from enum import Enum

from evalkit.design.draws import DrawSource
from evalkit.design.spec import Redelivery
from evalkit.study.workload import ExceptionSpec

__all__ = [
    "Attempt",
    "Backoff",
    "Command",
    "Decision",
    "Manual",
    "Outcome",
    "Raised",
    "handle_exception",
    "on_exception",
    "raised",
]


class Decision(Enum):
    """What follows a raised exception."""

    RETRY = "retry"
    PEOPLE = "people"
    FAIL = "fail"
    DEAD_LETTER = "dead-letter"


class Outcome(Enum):
    """How a step's exception handling ended."""

    DONE = "done"
    FAILED = "failed"
    DEAD_LETTERED = "dead-lettered"


@dataclass(frozen=True)
class Raised:
    """An attempt raised the step's exception: count it."""


@dataclass(frozen=True)
class Backoff:
    """Wait ``delay`` seconds before the next attempt."""

    delay: float


@dataclass(frozen=True)
class Attempt:
    """Run attempt number ``attempt`` of the step, whose work takes ``duration`` seconds."""

    attempt: int
    duration: float


@dataclass(frozen=True)
class Manual:
    """A person resolves the exception in ``duration`` seconds (a manual intervention)."""

    duration: float


Command = Raised | Backoff | Attempt | Manual


def raised(exception: ExceptionSpec | None, coin: float) -> bool:
    """Did an attempt raise its exception? (Its coin fell below the exception's probability.)"""
    return exception is not None and coin < exception.probability


def on_exception(exception: ExceptionSpec, failures: int, redelivery: Redelivery) -> Decision:
    """The decision after a step's ``failures``-th raised exception (failures ≥ 1)."""
    if exception.handling == "fail":
        return Decision.FAIL
    if exception.handling == "human":
        return Decision.PEOPLE
    limit = redelivery.max_deliveries
    may_redeliver = limit is None or failures < limit
    if failures <= exception.retries and may_redeliver:
        return Decision.RETRY
    # Out of retries: people take over, unless the design's own limit dead-letters it first.
    if exception.exhausted == "human" and may_redeliver:
        return Decision.PEOPLE
    return Decision.DEAD_LETTER if redelivery.dead_letter else Decision.FAIL


def backoff(exception: ExceptionSpec, failures: int) -> float:
    """The wait before the retry that follows the ``failures``-th failure."""
    return exception.backoff * exception.backoff_factor ** (failures - 1)  # type: ignore[union-attr]


def handle_exception(
    step: int, exception: ExceptionSpec, draws: DrawSource, redelivery: Redelivery, automation: float
) -> Generator[Command, bool | None, Outcome]:
    """Play a step's exception handling after its first attempt raised; see the module docstring."""
    failures = 1
    yield Raised()
    while True:
        decision = on_exception(exception, failures, redelivery)
        if decision is Decision.FAIL:
            return Outcome.FAILED
        if decision is Decision.DEAD_LETTER:
            return Outcome.DEAD_LETTERED
        if decision is Decision.PEOPLE:
            if draws.automation(step) < automation:
                # The platform compensates: one more attempt, which succeeds.
                yield Attempt(failures, draws.service(step, failures))
                return Outcome.DONE
            yield Manual(draws.resolution(step))
            return Outcome.DONE
        yield Backoff(backoff(exception, failures))
        going = yield Attempt(failures, draws.service(step, failures))
        if not going:
            return Outcome.DONE
        if not raised(exception, draws.exception(step, failures)):
            return Outcome.DONE
        yield Raised()
        failures += 1
