"""One cell of the weighted matrix: a candidate's figure on a criterion, and its 0-100 value.

* **measured** criteria read an analysis metric (``Analysis.metric``, or the study for
  ``connector_coverage`` and ``custom_integration_hours``) and map it through the scorecard's
  piecewise-linear value function, whose anchors are fixed in the scorecard and flat beyond the
  ends. Nothing depends on which other candidates are present.
* **assessed** criteria aggregate the assessors' scores (mean or median, as the scorecard says),
  keep their spread, and map the scale linearly onto 0-100.
* **cost** criteria map the total cost of ownership through their value function.

A figure that cannot be had is **missing**: value None, flagged, never zero.

Each cell also knows how to **draw** its value under uncertainty, for SMAA: a measured mean
from its t-distribution (the 95% interval across replications), the sustainable multiple from a
triangle between its conservative reading (the mode) and its optimistic one, an assessed
criterion by resampling its assessors (the bootstrap, then the scorecard's aggregation); figures
taken from the study (integration, cost) are fixed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from evalkit.analysis import Analysis, MetricValue
from evalkit.analysis.lookup import format_value
from evalkit.scorecard_data import AssessedCriterion, AssessmentView, CriterionScore, Evidence
from evalkit.scoring.cost import Costed, integration_view
from evalkit.scoring.evidence import assessed_evidence, cell_evidence
from evalkit.study import Criterion, Scorecard, Study, ValueFunction
from evalkit.study.candidates import Candidate

__all__ = ["Valued", "value_cell", "resolve_metric", "assessed_view", "scale_to_100"]

Sampler = Callable[[np.random.Generator, int], np.ndarray]
_STUDY_METRICS = ("connector_coverage", "custom_integration_hours", "tco")


@dataclass(frozen=True)
class Valued:
    """One matrix cell before weighting: the figure, its value and a sampler for SMAA."""

    criterion_id: str
    raw: MetricValue
    value: float | None
    source: str
    draw: Sampler
    evidence: Evidence | None = None

    def score(self, weight: float) -> CriterionScore:
        raw = self.raw.value
        finite = raw is not None and math.isfinite(raw)
        return CriterionScore(
            criterion_id=self.criterion_id,
            raw=raw if finite else None,
            raw_low=_finite(self.raw.low),
            raw_high=_finite(self.raw.high),
            unit=self.raw.unit,
            display=self.raw.display,
            value=self.value,
            contribution=None if self.value is None else self.value * weight,
            source=self.source,  # type: ignore[arg-type]
            missing=self.value is None,
            note=self.raw.note,
            evidence=self.evidence,
        )


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _interpolate(function: ValueFunction, x: np.ndarray) -> np.ndarray:
    """The value function on many points at once (np.interp is flat beyond the ends too)."""
    xs = np.array([p[0] for p in function.points])
    vs = np.array([p[1] for p in function.points])
    # Infinities sit beyond the ends (a saturated p95 scores like the worst anchor); NaN stays NaN,
    # so an unknown never scores as a number.
    clipped = np.nan_to_num(x, nan=np.nan, posinf=xs[-1] + 1.0, neginf=xs[0] - 1.0)
    return np.where(np.isnan(clipped), np.nan, np.interp(clipped, xs, vs))


def resolve_metric(
    analysis: Analysis,
    study: Study,
    candidate: Candidate,
    costed: Costed,
    metric: str,
    *,
    at_multiple: float | None = None,
    scenario: str | None = None,
    source: Literal["sim", "load", "best"] = "best",
) -> MetricValue:
    """The figure a measured or cost criterion (or a knock-out) judges."""
    if metric in _STUDY_METRICS:
        return _study_metric(study, candidate, costed, metric)
    return analysis.metric(candidate.name, metric, at_multiple=at_multiple, scenario=scenario, source=source)


def _study_metric(study: Study, candidate: Candidate, costed: Costed, metric: str) -> MetricValue:
    if metric == "tco":
        total = costed.breakdown.total
        return MetricValue("tco", total, total, total, "cost", f"{total:,.0f} {costed.breakdown.currency}", costed.note)
    view = integration_view(study, candidate)
    if metric == "connector_coverage":
        note = f"{len(view.connectors)} of {len(study.workload.systems)} systems have connectors"
        return MetricValue(metric, view.coverage, view.coverage, view.coverage, "study", f"{view.coverage:.0%}", note)
    hours = view.custom_hours
    return MetricValue(
        metric, hours, hours, hours, "study", f"{hours:,.0f} h", f"{len(view.custom)} custom integrations"
    )


def _measured_sampler(function: ValueFunction, raw: MetricValue) -> Sampler:
    # Only figures that exist are sampled (a missing one draws NaN elsewhere).
    value = math.nan if raw.value is None else float(raw.value)
    low, high = raw.low, raw.high

    def draw(rng: np.random.Generator, size: int) -> np.ndarray:
        if raw.draw == "t" and raw.dof and low is not None and high is not None:
            from scipy import stats

            scale = (high - low) / 2 / float(stats.t.ppf(0.975, raw.dof))
            x = value + scale * rng.standard_t(raw.dof, size)
        elif raw.draw == "triangular" and low is not None and high is not None and high > low:
            x = rng.triangular(low, min(max(value, low), high), high, size)
        else:
            x = np.full(size, value, dtype=float)
        return _interpolate(function, x)

    return draw


def scale_to_100(score: float | np.ndarray, criterion: Criterion) -> float | np.ndarray:
    """An assessor's scale (1..5 by default) mapped linearly onto 0..100."""
    return 100.0 * (score - criterion.scale.min) / (criterion.scale.max - criterion.scale.min)


def assessed_view(candidate: Candidate, criterion: Criterion, aggregation: str) -> AssessedCriterion:
    """The assessors' scores on one criterion, their aggregate and spread."""
    given = candidate.assessments.get(criterion.id, ())
    scores = np.array([a.score for a in given], dtype=float)
    views = [AssessmentView(assessor=a.assessor, score=a.score, rationale=a.rationale) for a in given]
    if scores.size == 0:
        return AssessedCriterion(criterion_id=criterion.id, assessments=views)
    aggregate = float(np.median(scores) if aggregation == "median" else scores.mean())
    return AssessedCriterion(
        criterion_id=criterion.id,
        assessments=views,
        aggregate=aggregate,
        spread=float(scores.max() - scores.min()),
        std=float(scores.std(ddof=1)) if scores.size > 1 else None,
    )


def _assessed(candidate: Candidate, criterion: Criterion, aggregation: str) -> Valued:
    view = assessed_view(candidate, criterion, aggregation)
    evidence = assessed_evidence(len(view.assessments))
    if view.aggregate is None:
        raw = MetricValue("", None, note="no assessments")
        return Valued(criterion.id, raw, None, "assessed", lambda rng, size: np.full(size, np.nan), evidence)
    scores = np.array([a.score for a in view.assessments], dtype=float)
    spread = f", assessors {scores.min():g}-{scores.max():g}" if scores.size > 1 else ", one assessor"
    display = f"{view.aggregate:.3g}/{criterion.scale.max:g}{spread}"
    raw = MetricValue("", view.aggregate, float(scores.min()), float(scores.max()), "assessed", display, aggregation)
    reduce = np.median if aggregation == "median" else np.mean

    def draw(rng: np.random.Generator, size: int) -> np.ndarray:
        # The bootstrap: resample assessors with replacement and aggregate as the scorecard says.
        picks = rng.integers(0, scores.size, size=(size, scores.size))
        return np.asarray(scale_to_100(reduce(scores[picks], axis=1), criterion), dtype=float)

    return Valued(criterion.id, raw, float(scale_to_100(view.aggregate, criterion)), "assessed", draw, evidence)


def value_cell(
    analysis: Analysis, study: Study, scorecard: Scorecard, candidate: Candidate, costed: Costed, criterion: Criterion
) -> Valued:
    """One candidate on one criterion."""
    if criterion.kind == "assessed":
        return _assessed(candidate, criterion, scorecard.aggregation)
    function = criterion.value_function
    assert function is not None  # the scorecard model requires one for measured and cost criteria
    raw = resolve_metric(
        analysis,
        study,
        candidate,
        costed,
        criterion.scored_metric or "",
        at_multiple=criterion.at_multiple,
        scenario=criterion.scenario,
        source=criterion.source,
    )
    source = "cost" if criterion.kind == "cost" else (raw.source or "sim")
    evidence = cell_evidence(analysis, study, candidate, raw, criterion, costed)
    if raw.value is None or math.isnan(raw.value):
        raw = raw if raw.value is None else dataclasses.replace(raw, value=None, note=raw.note or "not a number")
        return Valued(criterion.id, raw, None, source, lambda rng, size: np.full(size, np.nan), evidence)
    value = float(_interpolate(function, np.array([raw.value]))[0])
    if raw.display == "missing":
        raw = dataclasses.replace(raw, display=format_value(raw.metric, raw.value))
    return Valued(criterion.id, raw, value, source, _measured_sampler(function, raw), evidence)
