"""The poll interval's bias, stated: a polled completion is seen up to one interval late.

When a target's completion is *polled*, evalkit learns that a workflow has ended at the first
status poll after it ended. Every measured end time, and so every measured cycle time, is late
by anything from zero to one poll interval: completion times are known to within one interval.
Faster polling sharpens that, but the polls are load the platform serves too (requests per
workflow). The report says it once per polling target, with the interval, and never subtracts
it. A synchronous target (the answer is the end) has no such bias and gets no statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["PollBias", "poll_bias"]


@dataclass(frozen=True)
class PollBias:
    """One polling target's statement."""

    candidate: str
    kind: str  # measured or emulated
    interval: float  # seconds

    @property
    def statement(self) -> str:
        shown = _milliseconds(self.interval)
        return (
            f"{self.candidate} ({self.kind}): completion times are known to within one poll interval ({shown}); "
            f"measured cycle times may be up to {shown} late."
        )


def _milliseconds(seconds: float) -> str:
    milliseconds = seconds * 1000
    return f"{milliseconds:.0f} ms" if milliseconds >= 10 else f"{milliseconds:.2g} ms"


def _field(target: Any, name: str) -> Any:
    return target.get(name) if isinstance(target, dict) else getattr(target, name, None)


def poll_bias(targets: Iterable[Any]) -> list[PollBias]:
    """The statements for the provenance's targets (models or dicts) that were polled, by candidate."""
    found = []
    for target in targets:
        interval = _field(target, "poll_interval")
        if interval is not None and interval > 0:
            found.append(PollBias(str(_field(target, "candidate")), str(_field(target, "kind")), float(interval)))
    return sorted(found, key=lambda bias: bias.candidate)
