"""Confirming a knock-out that rests on one short load window.

A load test runs one window per multiple. A busy machine, a garbage collection or a slow disk
during that one window can move a p95 across the SLO, and so move the sustainable multiple
across a knock-out's threshold: the same study, same seed, would knock a candidate out in one
run and keep it in the next (issue 15 §3). A verdict that decides who may win must not rest on
one draw of noise.

The rule here: a knock-out judged on a *measured* figure (the candidate's evidence is a load
test) whose curve has one replication per multiple has a second opinion, the replicated
simulation of the same candidate, when there is one (two or more replications). When both
agree, the verdict stands, confirmed. When they disagree, the measured verdict is
**unconfirmed**: the replicated simulation's verdict decides, and a warning says so and how to
confirm it (replicate the load stages). With no replicated simulation, a knock-out on one window
still stands, because it is the only evidence, but the warning says that nothing confirms it.

The degradation class has the same rule, applied to the figure itself
(``evalkit.analysis.core.UNCONFIRMED_VERDICTS``); for the sustainable multiple and figures read
at a multiple the figure stays the measurement's (it is a continuous figure, and the criterion
scores it), and only the knock-out verdict is confirmed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from evalkit.analysis.core import Analysis
from evalkit.analysis.lookup import MetricValue
from evalkit.metrics import METRICS_FROM_FAULTS

__all__ = ["KnockoutCheck", "confirm_knockout", "rests_on_one_window"]

#: A knock-out verdict: True knocks out, False passes, None cannot be told.
Verdict = bool | None


@dataclass(frozen=True, slots=True)
class KnockoutCheck:
    """The knock-out verdict to apply, the figure it was judged on, and a warning when it is unconfirmed."""

    fails: Verdict
    value: MetricValue
    warning: str = ""
    unconfirmed: bool = False


def rests_on_one_window(analysis: Analysis, candidate: str, value: MetricValue) -> bool:
    """Does this figure come from a load test with one window per multiple?"""
    found = analysis.candidate(candidate)
    if found is None or value.source != "load" or "load" not in found.sources:
        return False
    return found.sources["load"].curve.replications < 2


def _replicated_simulation(analysis: Analysis, candidate: str) -> bool:
    found = analysis.candidate(candidate)
    return found is not None and "sim" in found.sources and found.sources["sim"].curve.replications >= 2


def confirm_knockout(
    analysis: Analysis,
    candidate: str,
    rule_id: str,
    value: MetricValue,
    judge: Callable[[MetricValue], Verdict],
    *,
    at_multiple: float | None = None,
) -> KnockoutCheck:
    """The verdict of knock-out ``rule_id`` on ``value``, confirmed by the simulation if it rests on one window.

    ``judge`` applies the knock-out's operator and threshold to a figure (``knockout_fails``).
    """
    fails = judge(value)
    if fails is None or value.metric in METRICS_FROM_FAULTS or not rests_on_one_window(analysis, candidate, value):
        return KnockoutCheck(fails, value)
    if not _replicated_simulation(analysis, candidate):
        if not fails:
            return KnockoutCheck(fails, value)
        warning = (
            f"{candidate}: knock-out {rule_id!r} rests on one load window per multiple "
            f"({value.metric} {value.display}) and no replicated simulation confirms it; "
            "replicate the load stages to confirm it"
        )
        return KnockoutCheck(fails, value, warning)
    simulated = analysis.metric(candidate, value.metric, at_multiple=at_multiple, source="sim")
    second = judge(simulated)
    if second is None or second == fails:
        return KnockoutCheck(fails, value)
    said = "knocks it out" if second else "passes it"
    warning = (
        f"{candidate}: knock-out {rule_id!r} unconfirmed: the measured {value.metric} {value.display} rests on one "
        f"load window per multiple and the replicated simulation ({simulated.display}) {said}; the simulation "
        "decides; replicate the load stages to confirm it"
    )
    note = (
        f"unconfirmed: the measured {value.display} rests on one window per multiple; the replicated simulation decides"
    )
    decided = MetricValue(
        simulated.metric, simulated.value, simulated.low, simulated.high, simulated.source,
        simulated.display, "; ".join(n for n in (note, simulated.note) if n), simulated.draw, simulated.dof,
    )  # fmt: skip
    return KnockoutCheck(second, decided, warning, unconfirmed=True)
