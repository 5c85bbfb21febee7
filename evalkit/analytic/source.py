"""The analytic source: rows of the results table beside ``sim`` and ``load``, and where they disagree.

``analytic_rows`` solves every candidate at every study multiple (fault-free: scenario
``baseline``, replication 0, like a load stage) and writes the figures under the same metric
names, with ``source="analytic"``. ``analytic_disagreements`` reads a results table that holds
both analytic and simulated rows and lists the cells below the knee where the two mean or p95
cycle times differ by more than a tolerance (20% by default): below saturation the closed forms
are good approximations, so a larger gap usually means a modelling error on one side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from evalkit.analytic.cell import routes_of, solve_cell
from evalkit.design import design_spec
from evalkit.results import Observation, ResultTable, observations
from evalkit.study import Study

__all__ = ["ANALYTIC", "Disagreement", "analytic_disagreements", "analytic_rows"]

ANALYTIC: Final = "analytic"
#: Below this bottleneck utilisation a cell is "below the knee" for the disagreement check.
KNEE_UTILIZATION = 0.8
COMPARED = ("cycle_time_mean", "cycle_time_p95")


def analytic_unsupported(study: Study) -> str | None:
    """Why the analytic model cannot solve this study's process, or None when it can.

    Every process the study format allows is covered today (fork/join, exceptions, waits,
    gateways, decisions, rework loops, a mix of workflow types); the per-type cycle-time rows are
    not produced. The function stays so callers can ask before relying on the analytic source.
    """
    del study
    return None


def analytic_rows(study: Study, multiples: Sequence[float] | None = None) -> list[Observation]:
    """Analytic rows for every candidate × multiple (the study's multiples unless given).

    Returns no rows for a study whose process the model does not cover (``analytic_unsupported``
    says why): the analytic source is then absent rather than wrong.
    """
    if analytic_unsupported(study) is not None:
        return []
    levels = sorted({float(m) for m in (study.traffic.multiples if multiples is None else multiples)})
    rows: list[Observation] = []
    routes = routes_of(study, design_spec(study, study.candidates[0]))  # the routing is the process's
    for candidate in study.candidates:
        spec = design_spec(study, candidate)
        for multiple in levels:
            cell = solve_cell(spec, study, multiple, routes)
            rows += observations(
                source=ANALYTIC,
                candidate=candidate.name,
                design=candidate.design,
                scenario="baseline",
                multiple=multiple,
                replication=0,
                metrics=cell.metrics,
            )
    return rows


@dataclass(frozen=True)
class Disagreement:
    """A cell where the analytic model and the simulation differ by more than the tolerance."""

    candidate: str
    multiple: float
    metric: str
    analytic: float
    simulated: float

    @property
    def relative(self) -> float:
        return abs(self.analytic - self.simulated) / self.simulated

    def describe(self) -> str:
        return (
            f"{self.candidate} at {self.multiple:g}x: analytic {self.metric} {self.analytic:.3g} s, "
            f"simulated {self.simulated:.3g} s ({self.relative:.0%} apart): check the design's model"
        )


def analytic_disagreements(table: ResultTable, tolerance: float = 0.20, against: str = "sim") -> list[Disagreement]:
    """Cells below the knee (bottleneck below 80% busy, neither source saturated) that disagree."""
    frame = table.whole[table.whole["scenario"] == "baseline"]  # the whole traffic, not a mix's types
    analytic = frame[frame["source"] == ANALYTIC]
    other = frame[frame["source"] == against]
    if analytic.empty or other.empty:
        return []
    simulated = other.groupby(["candidate", "multiple", "metric"])["value"].mean()
    found = []
    for key, cell in analytic.groupby(["candidate", "multiple"]):
        candidate, multiple = str(key[0]), float(key[1])
        values = dict(zip(cell["metric"], cell["value"], strict=True))
        if not _below_knee(values, simulated, candidate, multiple):
            continue
        for metric in COMPARED:
            expected = simulated.get((candidate, multiple, metric), math.nan)
            value = values.get(metric, math.nan)
            comparable = math.isfinite(expected) and math.isfinite(value) and expected > 0
            if comparable and abs(value - expected) > tolerance * expected:
                found.append(Disagreement(candidate, multiple, metric, value, float(expected)))
    return found


def _below_knee(values: dict[str, float], simulated: object, candidate: str, multiple: float) -> bool:
    busiest = max((v for k, v in values.items() if k.startswith("utilization:")), default=0.0)
    sim_saturated = simulated.get((candidate, multiple, "saturated"), 0.0)  # type: ignore[attr-defined]
    return values.get("saturated", 0.0) == 0 and sim_saturated == 0 and busiest < KNEE_UTILIZATION
