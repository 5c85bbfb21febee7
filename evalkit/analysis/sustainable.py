"""Maximum sustainable load: the highest multiple of today's peak a design can carry within its SLO.

A load multiple is **sustainable** when, at that multiple,

* the 95th (and, if the study sets one, 99th) percentile cycle time meets the SLO,
* the error rate (failed or lost share) is at most the SLO's maximum,
* no replication is saturated, and the backlog is not growing. A stable queue's backlog slope is
  noise around zero; a sustained positive slope means completions fall behind arrivals. The slope
  counts as growth when it exceeds the larger of ``BACKLOG_TOLERANCE`` of the offered rate and
  the workflows normally in flight divided by the measured window (L / T, with L the mean number
  in the system, ``little_l`` or offered rate × mean cycle time by Little's law, and T = started /
  offered rate). Below L / T the backlog added over the whole window is less than what is in
  flight anyway: indistinguishable from the queue breathing. A 4-second load stage therefore
  cannot call a slope of a few workflows per second growth, a 60-second simulation can; the
  producers' own ``saturated`` flag stays the main evidence of overload.

Each test is judged three ways from the 95% t-interval across replications:

* **conservative** (the reported figure): the interval's *unfavourable* bound must pass (upper
  bound of p95, of the error rate and of the backlog growth), and no replication may saturate.
  "Sustains 3x" then means the data leave little room for doubt, not that the mean squeaked by;
* **central**: the means must pass, and fewer than half the replications saturate;
* **optimistic**: the favourable bound must pass, and not every replication saturates.

The three bracket the answer; scoring uses the conservative one and draws from the bracket when
it explores uncertainty. A load test has one replication per multiple, so its three coincide:
that is stated, not hidden.

The sustainable multiple is read as a step: passes up to some multiple, failures beyond, because
more load never makes a system healthier. The step chosen is the one that disagrees with the
fewest cells (ties: the lower step). A lone failure that every higher multiple contradicts (a
saturation flag raised by one replication at 2x when 3x and 4x are clean) is therefore taken as
noise and said so in the note, instead of capping the figure; a failure that persists is not.
Between the last pass and the first failure the figure is **interpolated** when the failure is a
continuous metric crossing its threshold (p95, p99, error rate), linearly in the multiple, where
that metric crosses the SLO, and only across a clean boundary (no higher multiple passes again).
Latency is convex in load, so the chord lies above the curve and crosses the SLO no later
than the curve does: linear interpolation errs on the safe side. When the first failure is
saturation or a growing backlog, the latency there is not a steady state and there is nothing
honest to interpolate; the figure stays at the last passing multiple. A design that passes at
every multiple tested is reported as "≥ <largest>x"; one that fails at the smallest multiple as
"< <smallest>x".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from evalkit.analysis.curves import Cell, Curve, Estimate
from evalkit.results import WHOLE
from evalkit.study import Study

__all__ = [
    "BACKLOG_TOLERANCE",
    "Judgement",
    "Sustainable",
    "change_point",
    "judge_cell",
    "max_sustainable",
    "format_multiple",
]

#: A backlog growing by more than this share of the offered rate is "growing".
BACKLOG_TOLERANCE = 0.02

Bound = Literal["conservative", "central", "optimistic"]
#: Metrics with continuous thresholds: a crossing between two multiples may be interpolated.
_CONTINUOUS = ("cycle_time_p95", "cycle_time_p99", "error_rate")


@dataclass(frozen=True, slots=True)
class Judgement:
    """Whether one cell meets the SLO under one reading of its interval, and why not."""

    meets: bool
    failures: tuple[str, ...]  # metric names (or "saturated", "backlog_growth") that failed
    reasons: tuple[str, ...]  # the same, said for people


@dataclass(frozen=True, slots=True)
class Sustainable:
    """The sustainable multiple read three ways, with how it was found."""

    conservative: float | None
    central: float | None
    optimistic: float | None
    never_broke: bool
    below_range: bool
    interpolated: bool
    display: str
    note: str


#: Above this share of timed-out workflows a measured cell cannot pass its latency SLOs.
TIMEOUT_SHARE = 0.05


def _pick(estimate: Estimate, bound: Bound) -> float:
    """The interval's unfavourable (conservative), middle or favourable bound of a lower-is-better metric."""
    return {"conservative": estimate.high, "central": estimate.mean, "optimistic": estimate.low}[bound]


Limit = tuple[str, str]  # (workflow type, metric): type ``all`` for the whole traffic


def _thresholds(study: Study) -> dict[Limit, float]:
    limits = {(WHOLE, "cycle_time_p95"): study.slo.p95_cycle_time, (WHOLE, "error_rate"): study.slo.max_error_rate}
    if study.slo.p99_cycle_time is not None:
        limits[(WHOLE, "cycle_time_p99")] = study.slo.p99_cycle_time
    # A mix: every workflow type meets its own SLO too (its ``workflow_type`` rows, docs/models.md).
    for process in study.workload.processes if study.workload.mixed else ():
        slo = study.workflow_slo(process.name)
        limits[(process.name, "cycle_time_p95")] = slo.p95_cycle_time
        limits[(process.name, "error_rate")] = slo.max_error_rate
        if slo.p99_cycle_time is not None:
            limits[(process.name, "cycle_time_p99")] = slo.p99_cycle_time
    return limits


def _label(key: Limit) -> str:
    """What a failed limit is called: the metric, and its workflow type for one type of a mix."""
    workflow_type, metric = key
    return metric if workflow_type == WHOLE else f"{metric} ({workflow_type})"


def _saturation_fails(cell: Cell, bound: Bound) -> bool:
    share = cell.saturated_share
    return {"conservative": share > 0.0, "central": share >= 0.5, "optimistic": share >= 1.0}[bound]


def judge_cell(study: Study, cell: Cell, bound: Bound = "conservative", only: str | None = None) -> Judgement:
    """Does this cell meet every SLO, reading its interval as ``bound`` says?

    ``only``: judge one workflow type's own SLO (``all`` for the whole) instead of every one; the
    checks of the whole platform (saturation, backlog, timeouts, back-pressure) still apply.
    """
    failures: list[str] = []
    reasons: list[str] = []
    for (workflow_type, metric), limit in _thresholds(study).items():
        if only is not None and workflow_type != only:
            continue
        estimate = cell.get(metric, workflow_type)
        name = _label((workflow_type, metric))
        if estimate is None and workflow_type != WHOLE:
            continue  # a source that does not split by workflow type (a live target that cannot) is judged on the whole
        if estimate is None or not estimate.finite:
            failures.append(name)
            reasons.append(f"{name} not measured (nothing completed?)")
            continue
        value = _pick(estimate, bound)
        if value > limit:
            failures.append(name)
            reasons.append(f"{name} {value:.4g} > {limit:.4g}")
    _timed_out(cell, failures, reasons)
    _rejected(cell, study, bound, failures, reasons)
    _saturated_or_growing(cell, study, bound, failures, reasons)
    return Judgement(not failures, tuple(failures), tuple(reasons))


def _rejected(cell: Cell, study: Study, bound: Bound, failures: list[str], reasons: list[str]) -> None:
    """Back-pressure (429/503) is not a lost workflow, but refused work is not load carried either:
    a stage that turns away more than the error budget does not sustain its multiple."""
    estimate = cell.get("rejected_share")
    if estimate is not None and estimate.finite and _pick(estimate, bound) > study.slo.max_error_rate:
        failures.append("rejected_share")
        reasons.append(f"{_pick(estimate, bound):.0%} of starts were refused with 429/503 (back-pressure)")


def _timed_out(cell: Cell, failures: list[str], reasons: list[str]) -> None:
    """Too many timeouts make a measured p95 a lower bound, which cannot show that the SLO is met."""
    timeouts, started = cell.mean("timeouts"), cell.mean("started")
    if math.isfinite(timeouts) and math.isfinite(started) and started > 0 and timeouts / started > TIMEOUT_SHARE:
        failures.append("timeouts")
        reasons.append(f"{timeouts / started:.0%} of workflows timed out (p95 is only a lower bound)")


def _saturated_or_growing(cell: Cell, study: Study, bound: Bound, failures: list[str], reasons: list[str]) -> bool:
    """Append a saturation or backlog-growth failure, if any; a saturated cell's backlog is not read."""
    if _saturation_fails(cell, bound):
        failures.append("saturated")
        reasons.append(f"saturated in {cell.saturated_share:.0%} of replications")
        return True
    growth = cell.get("backlog_growth")
    if growth is None or not growth.finite:
        return False
    limit = _growth_limit(cell, study)
    value = _pick(growth, bound)
    if value > limit:
        failures.append("backlog_growth")
        reasons.append(f"backlog grows {value:.3g}/s (> {limit:.3g}/s)")
        return True
    return False


def _growth_limit(cell: Cell, study: Study) -> float:
    """The backlog slope (per second) above which the backlog is growing rather than breathing."""
    offered = cell.mean("offered_rate")
    if not math.isfinite(offered) or offered <= 0:
        offered = study.traffic.peak_rate * cell.multiple
    limit = BACKLOG_TOLERANCE * offered
    in_flight = cell.mean("little_l")
    if not math.isfinite(in_flight):
        in_flight = offered * cell.mean("cycle_time_mean")
    started = cell.mean("started")
    window = started / offered
    if math.isfinite(in_flight) and math.isfinite(window) and window > 0:
        limit = max(limit, in_flight / window)
    if cell.replications <= 1 and math.isfinite(window) and window > 0 and started > 0:
        # One short measured window has no interval to judge by: a slope within three Poisson
        # standard deviations of the arrivals (3·sqrt(n) workflows over the window) is noise.
        limit = max(limit, 3.0 * math.sqrt(started) / window)
    return limit


def format_multiple(value: float) -> str:
    """``3x``, ``2.96x``: rounded *down* to two decimals, so 2.999x never reads as a passing 3x."""
    return f"{math.floor(value * 100 + 1e-9) / 100:g}x"


def _crossing(study: Study, passing: Cell, failing: Cell, failed: tuple[str, ...], bound: Bound) -> float | None:
    """Where the failing continuous metrics cross their thresholds, linearly between two cells."""
    limits = _thresholds(study)
    keys = {_label(key): key for key in limits}
    if any(f not in keys or keys[f][1] not in _CONTINUOUS for f in failed):
        return None
    crossings = []
    for name in failed:
        workflow_type, metric = keys[name]
        below, above = passing.get(metric, workflow_type), failing.get(metric, workflow_type)
        if below is None or above is None or not (below.finite and above.finite):
            return None
        y0, y1 = _pick(below, bound), _pick(above, bound)
        if y1 <= y0:
            return None
        share = (limits[keys[name]] - y0) / (y1 - y0)
        crossings.append(passing.multiple + share * (failing.multiple - passing.multiple))
    return min(crossings) if crossings else None


def change_point(passes: list[bool]) -> int:
    """How many leading multiples to call sustainable: the pass-then-fail step that fits best.

    More load never makes a system healthier, so the true pattern is passes then failures. The
    step chosen disagrees with the fewest observed verdicts (a failure before it, a pass after
    it); ties go to the shorter run of passes, the cautious reading.
    """
    best, best_cost = 0, math.inf
    for k in range(len(passes) + 1):
        cost = sum(not p for p in passes[:k]) + sum(passes[k:])
        if cost < best_cost:
            best, best_cost = k, cost
    return best


def _read(
    study: Study, curve: Curve, bound: Bound, only: str | None = None
) -> tuple[float | None, bool, bool, bool, str]:
    """(multiple, never_broke, below_range, interpolated, what happened) for one bound."""
    cells = curve.cells
    if not cells:
        return None, False, False, False, "no load multiples"
    judgements = [judge_cell(study, cell, bound, only) for cell in cells]
    k = change_point([j.meets for j in judgements])
    overruled = [
        f"at {format_multiple(c.multiple)} ({'; '.join(j.reasons)}) while higher multiples pass"
        for c, j in zip(cells[:k], judgements[:k], strict=True)
        if not j.meets
    ]
    noise = "failed " + ", ".join(overruled) + ": taken as noise, not load" if overruled else ""
    if k == len(cells):
        return cells[-1].multiple, True, False, False, noise
    failing, judgement = cells[k], judgements[k]
    why = f"first failure at {format_multiple(failing.multiple)}: " + "; ".join(judgement.reasons)
    later_passes = [c for c, j in zip(cells[k + 1 :], judgements[k + 1 :], strict=True) if j.meets]
    if later_passes:
        why += f"; {format_multiple(later_passes[0].multiple)} passes again, so this boundary is uncertain"
    why = "; ".join(part for part in (why, noise) if part)
    if k == 0:
        return None, False, True, False, why
    # Interpolate only across a clean boundary: a crossing that higher multiples do not undo.
    crossing = None if later_passes else _crossing(study, cells[k - 1], failing, judgement.failures, bound)
    if crossing is None:
        return cells[k - 1].multiple, False, False, False, why
    return crossing, False, False, True, why


def max_sustainable(study: Study, curve: Curve, only: str | None = None) -> Sustainable:
    """The sustainable multiple of one baseline curve, judged with its confidence intervals.

    ``only``: the multiple at which one workflow type of a mix meets its own SLO (see ``judge_cell``).
    """
    value, never_broke, below, interpolated, why = _read(study, curve, "conservative", only)
    central = _read(study, curve, "central", only)[0]
    optimistic = _read(study, curve, "optimistic", only)[0]
    multiples = curve.multiples
    if never_broke:
        display = f"≥ {format_multiple(float(multiples.max()))}"
    elif below:
        display = f"< {format_multiple(float(multiples.min()))}"
    elif value is None:
        display = "n/a"
    else:
        display = format_multiple(value)
    return Sustainable(value, central, optimistic, never_broke, below, interpolated, display, _note(curve, why))


def _note(curve: Curve, why: str) -> str:
    parts = []
    if why:
        parts.append(why)
    if curve.replications < 2:
        parts.append("one replication per multiple: judged on the point values, no confidence interval")
    return "; ".join(parts)
