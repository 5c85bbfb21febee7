"""Thresholds in the manner of k6: the study's SLOs checked on every stage.

Each stage is judged on its p95 (and p99, when the study sets one) cycle time, its error rate and
a stable backlog; in a mix whose stage recorded each workflow type (``metric@type``), every type's
p95, p99 and error rate against that type's own SLO too. A check whose metric has no data (no workflow completed, nothing ended) *fails*:
a target that finished nothing has not met its SLO. With ``load.abort_on_breach`` the load test
stops climbing after the first stage that fails a check, so a failing target is not hammered.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from evalkit.study import Slo
from evalkit.units import format_duration

__all__ = ["ThresholdCheck", "all_passed", "check_thresholds"]


@dataclass(frozen=True)
class ThresholdCheck:
    """One SLO check on one stage."""

    name: str
    metric: str
    limit: float
    observed: float
    passed: bool

    def describe(self) -> str:
        """``p95 cycle time 1.2 s <= 3 s: ok``, or ``...: no data: FAILED``."""
        if math.isnan(self.observed):
            return f"{self.name}: no data: FAILED"
        shown = _show(self.metric, self.observed), _show(self.metric, self.limit)
        return f"{self.name} {shown[0]} <= {shown[1]}: {'ok' if self.passed else 'FAILED'}"


def _show(metric: str, value: float) -> str:
    metric = metric.partition("@")[0]  # a mix's per-type figure reads as its metric
    if metric.startswith("cycle_time"):
        return format_duration(value)
    if metric in ("error_rate", "rejected_share"):
        return f"{value:.2%}"
    return f"{value:g}"


def _check(name: str, metric: str, limit: float, metrics: Mapping[str, float]) -> ThresholdCheck:
    observed = float(metrics.get(metric, math.nan))
    return ThresholdCheck(name, metric, limit, observed, not math.isnan(observed) and observed <= limit)


def check_thresholds(
    metrics: Mapping[str, float], slo: Slo, types: Mapping[str, Slo] | None = None
) -> list[ThresholdCheck]:
    """The stage's checks against the study's SLOs, in a fixed order.

    ``types``: a mix's per-type SLOs (``Study.workflow_slo``); a type the stage did not record
    (no ``started@type``: the start call could not carry it) is not checked.
    """
    checks = [_check("p95 cycle time", "cycle_time_p95", slo.p95_cycle_time, metrics)]
    if slo.p99_cycle_time is not None:
        checks.append(_check("p99 cycle time", "cycle_time_p99", slo.p99_cycle_time, metrics))
    checks.append(_check("error rate", "error_rate", slo.max_error_rate, metrics))
    if "rejected_share" in metrics:  # a live target's back-pressure: refused work is not carried load
        checks.append(_check("rejected starts (429/503)", "rejected_share", slo.max_error_rate, metrics))
    checks.append(_check("backlog stable (saturated = 0)", "saturated", 0.0, metrics))
    for name, own in (types or {}).items():
        if f"started@{name}" in metrics:
            checks += _type_checks(name, own, metrics)
    return checks


def _type_checks(name: str, slo: Slo, metrics: Mapping[str, float]) -> list[ThresholdCheck]:
    checks = [_check(f"p95 cycle time ({name})", f"cycle_time_p95@{name}", slo.p95_cycle_time, metrics)]
    if slo.p99_cycle_time is not None:
        checks.append(_check(f"p99 cycle time ({name})", f"cycle_time_p99@{name}", slo.p99_cycle_time, metrics))
    checks.append(_check(f"error rate ({name})", f"error_rate@{name}", slo.max_error_rate, metrics))
    return checks


def all_passed(checks: Sequence[ThresholdCheck]) -> bool:
    return all(check.passed for check in checks)
