"""The time a workflow's path is due at: a late wake-up is made up by the next visit, not carried on.

An asyncio sleep wakes up late: epoll rounds its timeout up to the millisecond, and a busy machine
adds its own latency. If every visit started when the previous one's sleeper woke, a workflow of
twenty visits would end twenty wake-ups late, and the more so the faster the platform plays the
study's time (a quick run plays it 4x faster, so each millisecond counts four).

So each workflow path keeps, in a context variable, the time its last visit was **due** to end, and
the next visit starts from then: its sleep aims at a deadline and is shortened by the lateness. A
fork's branches are asyncio tasks that inherit the variable at the fork, and a join continues in
the task of the branch that arrived last, with that branch's time. A path is never due later than
now, so a visit never starts before the moment the path really reached it; and a workflow ends at
most one wake-up late, however many visits it made, as long as each lateness is shorter than the
visit after it.
"""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["begin", "due", "reached"]

_DUE: ContextVar[float | None] = ContextVar("evalkit_path_due", default=None)


def begin(now: float) -> None:
    """A workflow starts: its path is due now."""
    _DUE.set(now)


def due(now: float) -> float:
    """When the current path's next visit may count as started: its due time, never later than now."""
    found = _DUE.get()
    return now if found is None else min(found, now)


def reached(at: float) -> None:
    """The current path's last visit was due to end at ``at`` (the loop's clock)."""
    _DUE.set(at)
