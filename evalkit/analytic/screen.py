"""Screening a large sweep: solve every cell analytically, simulate only where the answer is close.

``screen`` solves each candidate at each baseline multiple with the analytic model and gives the
cell's **verdict** (sustainable: not saturated, p95 (and p99) within the SLO, error rate within
its maximum) and whether that verdict is **close**, i.e. whether the discrete-event simulation
could judge it otherwise. Close is measured against what is known of the analytic model's error,
not a flat margin:

- **the cycle-time band.** The analytic p95 comes from Jackson's independence assumption and an
  exponential tail per station; it is close to the simulation far from saturation and
  *underestimates* it near the knee, where the simulation's windows also vary most (a queue's
  relaxation time grows like 1/(1-ρ)). The simulation's conservative p95 (the upper bound of its
  95% interval, which is what a knock-out reads) was measured at up to
  exp(0.06·ρ/(1-ρ)) times the analytic one on the 100 designs of ``benchmarks/screening.py``
  and never more than 2% below it. So a passing cell is confident when
  p95 · exp(``BAND_BASE`` + ``BAND_PER_LOAD``·ρ/(1-ρ)) is still within the SLO (ρ: the busiest
  station's utilisation), a failing one when p95 is above the SLO by more than ``FAIL_BAND``;
- **the saturation test.** The simulation calls a replication saturated when some station was
  offered more work in the window than it could do. The offered work in a window of T seconds is
  a compound Poisson sum, so the distance of that event in standard deviations is
  z = |1-ρ|·sqrt(c·T / (ρ·S·(1+cv²))) (c servers, S the mean hold). A passing cell is confident
  when z ≥ ``PASS_Z`` for every station (a spurious saturation would fail the conservative
  verdict), a saturated one when z ≥ ``FAIL_Z`` at its bottleneck;
- **the error rate**: within ``margin`` of its maximum, or within three binomial standard
  deviations of the rate at the window's completions;
- **where the approximation is known to be weak**, the bands are tripled: heavy fork/join
  (a join of three or more branches, or a process composed by sampling), highly variable service
  (a squared cv above 4), a busy human pool (staff above 50%), a time-varying traffic profile;
  with such a profile a cell is also close when the busiest station would be near or above
  saturation at the profile's peak (the analytic cell is solved at the window's mean rate, so a
  transient overload is invisible to it).

**Which close cells are simulated.** A knock-out (``max_sustainable_multiple >= 3``, or a figure
``at_multiple``) is decided by the cells at its multiple: more load never makes a design healthier,
so a candidate sustains 3x exactly when its 3x cell passes (the lower multiples of a passing run
and the higher ones of a failing run are determined). ``decisive_multiples`` names those cells
(for a threshold between two multiples of the sweep, the two around it), and ``simulation_plan``
keeps the close cells among them: these are the cells ``evalkit run --screen`` simulates. Every
other cell keeps its analytic figures, with evidence ``analytic``; ``ScreenedCell.close`` still
says which of them the simulation might have judged otherwise.

Fault scenarios are not modelled analytically: their cells always go to the simulation
(``fault_cells`` counts them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from evalkit.analytic.cell import AnalyticCell, routes_of, solve_cell, window_share
from evalkit.analytic.cycle import _Composer
from evalkit.analytic.model import demands
from evalkit.analytic.routes import Routes
from evalkit.design import DesignSpec, design_spec
from evalkit.study import KnockOut, Study

__all__ = [
    "MARGIN",
    "ScreenPlan",
    "ScreenedCell",
    "decisive_multiples",
    "fault_cells",
    "knockout_multiples",
    "plan_screen",
    "screen",
    "simulation_plan",
    "weak_reasons",
]

#: Relative distance of the error rate from its maximum inside which a cell is close.
MARGIN = 0.10
#: The cycle-time band (module docstring): log-ratio BAND_BASE + BAND_PER_LOAD·ρ/(1-ρ) above the
#: analytic p95. Measured at most 0.06·ρ/(1-ρ) (benchmarks/screening.py); 0.08 leaves room.
BAND_BASE = 0.05
BAND_PER_LOAD = 0.08
#: A failing (unsaturated) analytic p95 this far above the SLO (log-ratio) is a confident failure:
#: the simulation was never measured more than 2% below the analytic p95.
FAIL_BAND = 0.10
#: Standard deviations of the window's offered work from the station's capacity (module docstring).
PASS_Z = 4.0
FAIL_Z = 2.0
#: The bands' factor where the analytic approximation is known to be weak.
WEAK_FACTOR = 3.0
HIGH_CV2 = 4.0
BUSY_STAFF = 0.5


@dataclass(frozen=True)
class ScreenedCell:
    """One baseline cell after screening: its analytic verdict, and whether that verdict is close."""

    candidate: str
    multiple: float
    sustainable: bool
    close: bool
    reasons: tuple[str, ...]
    p95: float
    utilization: float

    @property
    def needs_simulation(self) -> bool:
        """Close to a threshold: the simulation might judge this cell otherwise."""
        return self.close


def weak_reasons(study: Study, spec: DesignSpec) -> tuple[str, ...]:
    """Why the analytic approximation is weak for this design (structure only, not load)."""
    reasons = []
    plan = spec.plan.steps
    if any(len(step.predecessors) >= 3 for step in plan):
        reasons.append("heavy fork/join (a join of three or more branches)")
    elif not _series_parallel(spec):
        reasons.append("fork/join that is not series-parallel (composed by sampling)")
    if any(step.service.cv2 > HIGH_CV2 for step in plan):
        reasons.append(f"highly variable service (cv² above {HIGH_CV2:g})")
    if study.traffic.profile.kind != "flat":
        reasons.append("a time-varying traffic profile")
    return tuple(reasons)


def _series_parallel(spec: DesignSpec) -> bool:
    from evalkit.analytic.grid import Grid
    from evalkit.analytic.model import stations
    from evalkit.analytic.network import solve

    network = solve(stations(spec), demands(spec), 0.0)
    return _Composer(spec, network, Grid(8, 1.0)).series_parallel


def _hold_cv2(spec: DesignSpec, routes: Routes | None) -> dict[str, float]:
    """Each station's squared cv of one hold (at least 1: a wrapped wait adds variance)."""
    moments: dict[str, list[float]] = {}
    for demand in demands(spec, routes):
        entry = moments.setdefault(demand.station, [0.0, 0.0, 0.0])
        entry[0] += demand.visits
        entry[1] += demand.visits * demand.mean
        entry[2] += demand.visits * demand.mean**2 * (1 + demand.cv2)
    cv2 = {}
    for name, (visits, first, second) in moments.items():
        mean = first / visits if visits > 0 else 0.0
        cv2[name] = max(1.0, second / visits / mean**2 - 1) if mean > 0 else 1.0
    return cv2


def _window_z(cell: AnalyticCell, cv2: dict[str, float], window: float) -> tuple[float, float]:
    """(smallest z over the stations below capacity, z at the most overloaded station)."""
    below, above = math.inf, 0.0
    for name, station in cell.network.stations.items():
        rho, hold = station.utilization, station.hold_mean
        if station.arrival_rate <= 0 or hold <= 0 or not math.isfinite(hold) or not math.isfinite(rho):
            continue
        z = abs(1 - rho) * math.sqrt(station.servers * window / (rho * hold * (1 + cv2.get(name, 1.0))))
        if rho < 1:
            below = min(below, z)
        else:
            above = max(above, z)
    return below, above


def screen(study: Study, multiples: Sequence[float] | None = None, margin: float = MARGIN) -> list[ScreenedCell]:
    """Every candidate × baseline multiple, with its analytic verdict and whether it is close."""
    levels = sorted({float(m) for m in (study.traffic.multiples if multiples is None else multiples)})
    cells = []
    routes = routes_of(study, design_spec(study, study.candidates[0]))
    for candidate in study.candidates:
        spec = design_spec(study, candidate)
        weak = weak_reasons(study, spec) + (
            ("decisions, loops or workflow types (composed by sampling)",) if routes else ()
        )
        cv2 = _hold_cv2(spec, routes)
        for multiple in levels:
            cells.append(
                _screen_cell(study, candidate.name, solve_cell(spec, study, multiple, routes), weak, cv2, margin)
            )
    return cells


def _screen_cell(
    study: Study, name: str, cell: AnalyticCell, weak: tuple[str, ...], cv2: dict[str, float], margin: float
) -> ScreenedCell:
    slo = study.slo
    reasons = list(weak)
    staff = [r.utilization for n, r in cell.network.stations.items() if n.startswith("staff:")]
    if max(staff, default=0.0) > BUSY_STAFF:
        reasons.append(f"a human pool above {BUSY_STAFF:.0%} busy")
    factor = WEAK_FACTOR if reasons else 1.0
    busiest = max((r.utilization for r in cell.network.stations.values()), default=0.0)
    metrics = cell.metrics
    p95, p99, error = metrics["cycle_time_p95"], metrics["cycle_time_p99"], metrics["error_rate"]
    sustainable = (
        not cell.saturated
        and p95 <= slo.p95_cycle_time
        and (not slo.p99_cycle_time or p99 <= slo.p99_cycle_time)
        and error <= slo.max_error_rate
    )
    # Each check: (fails analytically, close to its threshold). A passing cell is close when any
    # check is close; a failing one only when none of its failures is confident.
    checks: list[tuple[bool, bool, str]] = []
    load = busiest / (1 - busiest) if busiest < 1 else math.inf
    band = factor * (BAND_BASE + BAND_PER_LOAD * load)
    for label, value, limit in (("p95", p95, slo.p95_cycle_time), ("p99", p99, slo.p99_cycle_time)):
        if not limit or not math.isfinite(value) or value <= 0:
            continue
        ratio = math.log(value / limit)
        close = -band <= ratio <= factor * FAIL_BAND
        checks.append(
            (ratio > 0, close, f"{label} within the analytic model's error band of the SLO at {busiest:.0%} busy")
        )
    window = study.traffic.horizon - study.traffic.warmup
    if slo.max_error_rate > 0:
        completions = max(metrics["completed"], 1.0)
        # Three binomial (Poisson) standard deviations of the rate a window of this many completions measures.
        noise = 3 * math.sqrt(error / completions)
        close = abs(error - slo.max_error_rate) <= margin * factor * slo.max_error_rate + noise
        checks.append((error > slo.max_error_rate, close, "error rate near its maximum"))
    below, above = _window_z(cell, cv2, window)
    if cell.saturated:
        checks.append(
            (True, above < FAIL_Z * factor, f"utilisation {busiest:.0%} just past saturation for a {window:g} s window")
        )
    else:
        checks.append(
            (False, below < PASS_Z * factor, f"utilisation {busiest:.0%} near saturation for a {window:g} s window")
        )
    # A time-varying profile: the analytic cell is solved at the window's mean rate, so a surge
    # that overloads a station for a while (a transient backlog) is invisible to it.
    peak = busiest * study.traffic.profile.max_share / window_share(study)
    if study.traffic.profile.kind != "flat" and busiest < 1 and peak >= 1 - margin * factor:
        checks.append((False, True, f"utilisation {peak:.0%} at the profile's peak"))
    if sustainable:
        near = [why for _, close, why in checks if close]
    else:
        failing = [(close, why) for fails, close, why in checks if fails]
        near = [why for _, why in failing] if failing and all(close for close, _ in failing) else []
    return ScreenedCell(
        name, cell.multiple, bool(sustainable), bool(near), tuple(near + (reasons if near else [])), p95, busiest
    )


def knockout_multiples(knockouts: Sequence[KnockOut]) -> list[float]:
    """The multiples a scorecard's knock-outs are decided at (``KnockOut`` rules).

    ``max_sustainable_multiple >= T`` (or ``>``) is decided at T; a rule read ``at_multiple`` at
    that multiple. Other knock-outs (fault figures, cost) read no baseline cell.
    """
    found = set()
    for rule in knockouts:
        if rule.scenario:
            continue
        if rule.metric == "max_sustainable_multiple":
            found.add(float(rule.threshold))
        elif rule.at_multiple is not None:
            found.add(float(rule.at_multiple))
    return sorted(found)


def decisive_multiples(levels: Sequence[float], thresholds: Sequence[float]) -> list[float]:
    """The sweep's multiples whose cells decide verdicts at ``thresholds``.

    A threshold on the sweep is decided by its own cell; one between two multiples by the two
    around it (the sustainable multiple is interpolated there); one outside the sweep by the end.
    """
    grid = sorted({float(m) for m in levels})
    chosen: set[float] = set()
    for threshold in thresholds:
        if any(math.isclose(threshold, m, rel_tol=1e-9) for m in grid):
            chosen.add(next(m for m in grid if math.isclose(threshold, m, rel_tol=1e-9)))
            continue
        lower = [m for m in grid if m < threshold]
        upper = [m for m in grid if m > threshold]
        chosen.update(([lower[-1]] if lower else []) + ([upper[0]] if upper else []))
    return sorted(chosen)


def simulation_plan(cells: Sequence[ScreenedCell], decisive: Sequence[float]) -> list[ScreenedCell]:
    """The close cells at the decisive multiples: what ``evalkit run --screen`` simulates."""
    keep = {round(float(m), 9) for m in decisive}
    return [c for c in cells if c.close and round(c.multiple, 9) in keep]


def fault_cells(study: Study) -> int:
    """Cells of fault scenarios (candidate × multiple × replication): always simulated."""
    return len(study.candidates) * study.traffic.replications * sum(len(f.multiples) for f in study.faults)


@dataclass(frozen=True)
class ScreenPlan:
    """What a screened run simulates: the baseline (candidate, multiple) cells kept, and the counts."""

    keep: frozenset[tuple[str, float]]
    decisive: tuple[float, ...]
    pairs: int  # candidate × multiple
    close: int  # close pairs, decisive or not
    replications: int

    @property
    def baseline_cells(self) -> int:
        return self.pairs * self.replications

    @property
    def simulated_cells(self) -> int:
        return len(self.keep) * self.replications

    @property
    def screened_out_cells(self) -> int:
        return self.baseline_cells - self.simulated_cells


def plan_screen(study: Study, knockouts: Sequence[KnockOut]) -> ScreenPlan:
    """Screen every baseline cell and keep the close ones that decide a knock-out (module docstring)."""
    cells = screen(study)
    decisive = decisive_multiples(study.traffic.multiples, knockout_multiples(knockouts))
    keep = frozenset((c.candidate, c.multiple) for c in simulation_plan(cells, decisive))
    close = sum(1 for c in cells if c.close)
    return ScreenPlan(keep, tuple(decisive), len(cells), close, study.traffic.replications)
