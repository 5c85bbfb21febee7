"""Performance curves: one candidate's results from one source, summarised per load multiple.

The results table holds one row per replication and metric. Every judgement the analysis makes
(is the SLO met at 2x, how does p95 grow, which resource saturates first) is made on a **curve**:
for one candidate, source and scenario, the load multiples in ascending order, each with every
metric's mean and 95% t-interval across replications (``ResultTable.summary``).

A load test runs each multiple once, so its cells have one replication and no interval: their
``Estimate`` says so (``has_interval`` is false) instead of pretending the point is exact.

A mix of workflow types also has each type's figures in a cell (the results' ``workflow_type``
column); ``Cell.get(metric)`` reads the whole, ``Cell.get(metric, "referred")`` one type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.results import WHOLE

__all__ = ["Estimate", "Cell", "Curve", "build_curves"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A metric's mean across replications with its 95% t-interval (``low == high == mean`` for one)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def has_interval(self) -> bool:
        return self.n >= 2 and math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def finite(self) -> bool:
        return math.isfinite(self.mean)

    @classmethod
    def from_row(cls, row: pd.Series) -> Estimate:
        mean, n = float(row["mean"]), int(row["n"])
        low, high = float(row["ci_low"]), float(row["ci_high"])
        if n < 2 or not (math.isfinite(low) and math.isfinite(high)):
            # One replication says nothing about its own spread: the bounds collapse onto the point.
            low = high = mean
        return cls(mean, low, high, n)


@dataclass(frozen=True, slots=True)
class Cell:
    """Every metric of one load multiple."""

    multiple: float
    metrics: Mapping[str, Estimate]
    #: workflow type -> its metrics, for a mix (the whole traffic's are ``metrics``).
    types: Mapping[str, Mapping[str, Estimate]] = field(default_factory=dict)

    def get(self, metric: str, workflow_type: str = WHOLE) -> Estimate | None:
        if workflow_type == WHOLE:
            return self.metrics.get(metric)
        return self.types.get(workflow_type, {}).get(metric)

    def mean(self, metric: str) -> float:
        """The metric's mean, NaN when the cell lacks it."""
        estimate = self.metrics.get(metric)
        return estimate.mean if estimate is not None else math.nan

    @property
    def saturated_share(self) -> float:
        """Share of replications flagged saturated (0 when the flag is absent)."""
        estimate = self.metrics.get("saturated")
        return estimate.mean if estimate is not None and estimate.finite else 0.0

    @property
    def saturated(self) -> bool:
        """Saturated in any replication: its latency figures are then not a steady state."""
        return self.saturated_share > 0.0

    @property
    def generator_limited(self) -> bool:
        """The load generator's own limits shaped this cell: it is inconclusive for the platform."""
        estimate = self.metrics.get("generator_limited")
        return estimate is not None and estimate.finite and estimate.mean > 0.0

    @property
    def replications(self) -> int:
        return max((e.n for e in self.metrics.values()), default=0)

    def utilizations(self) -> dict[str, float]:
        """resource -> mean utilisation, from the ``utilization:<resource>`` metrics."""
        found = {}
        for metric, estimate in self.metrics.items():
            if metric.startswith("utilization:") and estimate.finite:
                found[metric.partition(":")[2]] = estimate.mean
        return found


@dataclass(frozen=True, slots=True)
class Curve:
    """One candidate's cells from one source and scenario, in ascending load multiple."""

    candidate: str
    design: str
    source: str
    scenario: str
    cells: tuple[Cell, ...]

    @property
    def multiples(self) -> np.ndarray:
        return np.array([c.multiple for c in self.cells], dtype=float)

    def series(self, metric: str) -> np.ndarray:
        """The metric's means along the curve (NaN where a cell lacks it)."""
        return np.array([c.mean(metric) for c in self.cells], dtype=float)

    def cell(self, multiple: float) -> Cell | None:
        """The cell at this multiple (compared with a tolerance, since multiples are floats)."""
        for cell in self.cells:
            if math.isclose(cell.multiple, multiple, rel_tol=1e-9, abs_tol=1e-12):
                return cell
        return None

    @property
    def replications(self) -> int:
        return max((c.replications for c in self.cells), default=0)


def build_curves(summary: pd.DataFrame) -> dict[tuple[str, str, str], Curve]:
    """(candidate, source, scenario) -> Curve, from ``ResultTable.summary()``."""
    curves: dict[tuple[str, str, str], Curve] = {}
    if summary.empty:
        return curves
    keys = ["candidate", "source", "scenario"]
    for (candidate, source, scenario), group in summary.groupby(keys, sort=True):
        cells = tuple(_cell(float(multiple), rows) for multiple, rows in group.groupby("multiple", sort=True))
        design = str(group["design"].iloc[0])
        curves[(str(candidate), str(source), str(scenario))] = Curve(
            str(candidate), design, str(source), str(scenario), cells
        )
    return curves


def _cell(multiple: float, rows: pd.DataFrame) -> Cell:
    by_type: dict[str, dict[str, Estimate]] = {}
    typed = rows["workflow_type"] if "workflow_type" in rows.columns else [WHOLE] * len(rows)
    for workflow_type, (_, row) in zip(typed, rows.iterrows(), strict=True):
        by_type.setdefault(str(workflow_type), {})[str(row["metric"])] = Estimate.from_row(row)
    metrics = by_type.pop(WHOLE, {})
    return Cell(float(multiple), metrics, by_type)
