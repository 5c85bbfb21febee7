"""The scorecard file: criteria, weights, value functions and knock-outs.

A scorecard is the yardstick shared by many studies. Each **criterion** has a weight (normalised,
so they need not sum to 100) and a kind:

* ``measured``: an analysis metric (``max_sustainable_multiple``, ``cycle_time_p95`` at 3x…)
  mapped through a piecewise-linear **value function** whose anchors are fixed here, never
  stretched over whichever candidates are present, so adding a candidate cannot reorder others;
* ``assessed``: scores given by assessors on a scale, aggregated by mean or median;
* ``cost``: total cost of ownership, through a value function where lower is better.

**Knock-outs** (``max_sustainable_multiple >= 3``) are applied before weighting.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, field_validator, model_validator

from evalkit.metrics import ANALYSIS_METRICS, TYPE_METRICS, split_workflow_type
from evalkit.study.base import Model

__all__ = ["ValueFunction", "AssessedScale", "Criterion", "KnockOut", "AhpWeights", "Robustness", "Scorecard"]

CriterionId = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]


class ValueFunction(Model):
    """Piecewise-linear map from a metric to a 0-100 value; flat beyond the first and last anchors."""

    points: tuple[tuple[float, Annotated[float, Field(ge=0, le=100)]], ...] = Field(min_length=2, max_length=50)

    @field_validator("points")
    @classmethod
    def _increasing_x(cls, points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        xs = [x for x, _ in points]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError("anchor x values must be strictly increasing")
        return points

    def __call__(self, x: float) -> float:
        points = self.points
        if x <= points[0][0]:
            return points[0][1]
        for (x0, v0), (x1, v1) in itertools.pairwise(points):
            if x <= x1:
                return v0 + (v1 - v0) * (x - x0) / (x1 - x0)
        return points[-1][1]

    @property
    def direction(self) -> Literal["higher", "lower"]:
        """Whether a higher metric scores better, read off the anchors."""
        return "higher" if self.points[-1][1] >= self.points[0][1] else "lower"


class AssessedScale(Model):
    """The scale assessors score on; mapped linearly to 0-100."""

    min: float = 1.0
    max: float = 5.0

    @model_validator(mode="after")
    def _ordered(self) -> AssessedScale:
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        return self


class Criterion(Model):
    """One row of the weighted matrix."""

    id: CriterionId
    label: str = Field(min_length=1, max_length=120)
    weight: PositiveFloat = Field(description="relative weight; weights are normalised")
    kind: Literal["measured", "assessed", "cost"]
    direction: Literal["higher", "lower"] = Field(default="higher", description="which way is better")
    metric: str | None = Field(default=None, description="analysis metric, for measured criteria")
    at_multiple: PositiveFloat | None = Field(default=None, description="load multiple the metric is read at")
    scenario: str | None = Field(default=None, description="fault scenario for fault metrics (default: worst)")
    source: Literal["sim", "load", "best"] = Field(
        default="best", description="best: measured if present, else simulated"
    )
    value_function: ValueFunction | None = None
    scale: AssessedScale = Field(default_factory=AssessedScale, description="assessed criteria only")
    description: str = Field(default="", max_length=2000)

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str | None) -> str | None:
        base, workflow_type = split_workflow_type(metric or "")
        if metric is not None and workflow_type != "all":
            # One workflow type of a mix (``cycle_time_p95@straight-through``); the study names it.
            if base not in ANALYSIS_METRICS or base not in TYPE_METRICS:
                per_type = ", ".join(m for m in ANALYSIS_METRICS if m in TYPE_METRICS)
                raise ValueError(f"{base!r} has no per-type figure; metric@type works for: {per_type}")
            return metric
        if metric is not None and metric not in ANALYSIS_METRICS:
            import difflib

            close = difflib.get_close_matches(metric, ANALYSIS_METRICS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"unknown metric {metric!r}{hint}; evalkit produces: {', '.join(ANALYSIS_METRICS)}")
        return metric

    @model_validator(mode="after")
    def _complete(self) -> Criterion:
        if self.kind == "measured" and (self.metric is None or self.value_function is None):
            raise ValueError("a measured criterion needs a metric and a value_function")
        if self.kind == "cost":
            if self.value_function is None:
                raise ValueError("a cost criterion needs a value_function (currency -> 0..100)")
            if self.metric not in (None, "tco"):
                raise ValueError("a cost criterion scores metric tco")
        if self.kind == "assessed" and self.metric is not None:
            raise ValueError("an assessed criterion takes no metric; its scores come from assessors")
        if self.value_function is not None and self.value_function.direction != self.direction:
            raise ValueError(
                f"direction is {self.direction!r} but the value function's anchors score {self.value_function.direction} values better"
            )
        return self

    @property
    def scored_metric(self) -> str | None:
        """The analysis metric behind a measured or cost criterion."""
        return "tco" if self.kind == "cost" else self.metric


class KnockOut(Model):
    """A must-have, checked before weighting: e.g. ``max_sustainable_multiple >= 3``."""

    id: CriterionId
    metric: str
    op: Literal[">=", ">", "<=", "<", "=="]
    threshold: float
    at_multiple: PositiveFloat | None = None
    scenario: str | None = None
    reason: str = Field(min_length=1, max_length=400, description="shown beside a knocked-out candidate")

    _known_metric = field_validator("metric")(Criterion._known_metric.__func__)  # type: ignore[attr-defined]


class AhpWeights(Model):
    """Weights from pairwise comparisons (Saaty 1-9 scale); refused if inconsistent (CR > 0.1)."""

    criteria: tuple[CriterionId, ...] = Field(min_length=2)
    matrix: tuple[tuple[PositiveFloat, ...], ...]

    @model_validator(mode="after")
    def _square(self) -> AhpWeights:
        n = len(self.criteria)
        if len(self.matrix) != n or any(len(row) != n for row in self.matrix):
            raise ValueError(f"matrix must be {n}x{n}, one row and column per criterion")
        return self


class Robustness(Model):
    """Settings of the sensitivity and SMAA analyses."""

    smaa_samples: int = Field(default=10_000, ge=100, le=1_000_000)
    weight_band: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="draw weights within ±band (relative) of the stated ones; default: whole simplex",
    )


class Scorecard(Model):
    """Criteria, knock-outs and how to aggregate."""

    name: str = Field(min_length=1, max_length=120)
    title: str = Field(default="", max_length=200)
    aggregation: Literal["mean", "median"] = Field(default="mean", description="how assessors' scores combine")
    criteria: tuple[Criterion, ...] = Field(min_length=1, max_length=100)
    knockouts: tuple[KnockOut, ...] = ()
    ahp: AhpWeights | None = None
    robustness: Robustness = Field(default_factory=Robustness)

    @model_validator(mode="after")
    def _unique_and_ahp(self) -> Scorecard:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion ids must be unique: {sorted({i for i in ids if ids.count(i) > 1})}")
        if self.ahp is not None and set(self.ahp.criteria) != set(ids):
            raise ValueError("ahp.criteria must list exactly the scorecard's criteria")
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id (``KeyError`` if none)."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    @property
    def normalised_weights(self) -> dict[str, float]:
        """Weights scaled to sum to 1."""
        total = sum(c.weight for c in self.criteria)
        return {c.id: c.weight / total for c in self.criteria}
