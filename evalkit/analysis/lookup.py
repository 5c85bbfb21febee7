"""Reading one analysis metric for one candidate: the figure a criterion or knock-out judges.

Scorecards name an analysis metric (``evalkit.metrics.ANALYSIS_METRICS``), optionally at a load
multiple, for a fault scenario and from a source. ``MetricValue`` is the answer: the value, its
uncertainty (``low``/``high``, the 95% interval, or for the sustainable multiple the bracket
between its conservative and optimistic readings), its source, a display string and, when it
cannot be had, ``None`` with the reason. Missing is never zero.

A latency read at a multiple where the run saturated has no steady-state value: it is reported
as infinite (``unbounded``), which every lower-is-better value function scores at its worst.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from evalkit.analysis.curves import Cell, Curve, Estimate
from evalkit.analysis.sustainable import format_multiple
from evalkit.metrics import ANALYSIS_METRICS, DEGRADATION_CLASSES, is_result_metric, result_unit, split_workflow_type
from evalkit.results import t_interval
from evalkit.units import format_duration

if TYPE_CHECKING:
    from evalkit.analysis.core import Analysis, SourceAnalysis

__all__ = ["MetricValue", "missing", "read_metric", "format_value", "metric_unit"]

Draw = Literal["fixed", "t", "triangular"]


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One candidate's figure for one metric, with its uncertainty and provenance."""

    metric: str
    value: float | None
    low: float | None = None
    high: float | None = None
    source: str | None = None
    display: str = "missing"
    note: str = ""
    draw: Draw = "fixed"
    dof: int | None = None  # replications - 1, for drawing a mean from its t-distribution

    @property
    def missing(self) -> bool:
        return self.value is None

    @property
    def unit(self) -> str:
        return metric_unit(self.metric)


def missing(metric: str, why: str) -> MetricValue:
    return MetricValue(metric, None, display="missing", note=why)


def metric_unit(metric: str) -> str:
    """The unit of an analysis metric, or of a result metric read at a multiple; "" if unknown."""
    if metric in ANALYSIS_METRICS:
        return ANALYSIS_METRICS[metric][0]
    return result_unit(metric) if is_result_metric(metric) else ""


def format_value(metric: str, value: float) -> str:
    """A value with its unit for people: ``2.31 s``, ``1.5%``, ``2.6x``."""
    unit = metric_unit(metric)
    if math.isinf(value):
        return "∞ (saturated)" if value > 0 else "-∞"
    if unit == "s":
        return format_duration(value)
    if unit == "ratio":
        return f"{value:.3g}" if metric.endswith("slo_ratio") or "per_workflow" in metric else f"{value:.2%}"
    if unit == "x":
        return format_multiple(value)
    if unit == "1/s":
        return f"{value:.4g}/s"
    return f"{value:,.4g}" if unit != "currency" else f"{value:,.0f}"


def _from_estimate(metric: str, estimate: Estimate, source: str, scale: float = 1.0, note: str = "") -> MetricValue:
    mean, low, high = estimate.mean * scale, estimate.low * scale, estimate.high * scale
    draw: Draw = "t" if estimate.has_interval and high > low else "fixed"
    return MetricValue(metric, mean, low, high, source, format_value(metric, mean), note, draw, estimate.n - 1)


def _at_multiple(
    analysis: Analysis, performance: SourceAnalysis, metric: str, multiple: float, note: str
) -> MetricValue:
    curve = performance.curve
    cell = curve.cell(multiple)
    if cell is None:
        tested = ", ".join(f"{m:g}x" for m in curve.multiples)
        return missing(metric, f"{multiple:g}x was not tested ({curve.source}: {tested})")
    if metric == "manual_interventions_per_workflow":
        return _per_workflow(analysis, curve, cell, note)
    # A scorecard names one type of a mix as ``metric@type``: that type's figure of the cell.
    base, workflow_type = split_workflow_type("cycle_time_p95" if metric == "cycle_time_p95_slo_ratio" else metric)
    if base.startswith("cycle_time") and cell.saturated:
        return MetricValue(
            metric, math.inf, math.inf, math.inf, curve.source, f"saturated at {multiple:g}x", note, "fixed"
        )
    estimate = cell.get(base, workflow_type)
    if estimate is None or not estimate.finite:
        of_type = "" if workflow_type == "all" else f" of workflow type {workflow_type!r}"
        return missing(metric, f"{base}{of_type} not in the {curve.source} results at {multiple:g}x")
    scale = 1.0 / analysis.study.slo.p95_cycle_time if metric == "cycle_time_p95_slo_ratio" else 1.0
    return _from_estimate(metric, estimate, curve.source, scale, note)


def _per_workflow(analysis: Analysis, curve: Curve, cell: Cell, note: str) -> MetricValue:
    ratios = analysis.per_replication_ratio(curve, cell.multiple, "manual_interventions", "completed")
    if not ratios:
        return missing(
            "manual_interventions_per_workflow", f"no manual_interventions or completed at {cell.multiple:g}x"
        )
    mean, _, half = t_interval(ratios)
    estimate = (
        Estimate(mean, mean - half, mean + half, len(ratios)) if math.isfinite(half) else Estimate(mean, mean, mean, 1)
    )
    return _from_estimate("manual_interventions_per_workflow", estimate, curve.source, note=note)


def _sustainable(performance: SourceAnalysis) -> MetricValue:
    found = performance.sustainable
    source = performance.curve.source
    if found.below_range:
        # Failing at the smallest multiple tested is evidence, not absence: it scores as the worst.
        return MetricValue(
            "max_sustainable_multiple",
            0.0,
            0.0,
            found.optimistic or 0.0,
            source,
            found.display,
            found.note,
            "triangular",
        )
    if found.conservative is None:
        return missing("max_sustainable_multiple", found.note or "no baseline results")
    high = found.optimistic if found.optimistic is not None else found.conservative
    draw: Draw = "triangular" if high > found.conservative else "fixed"
    return MetricValue(
        "max_sustainable_multiple",
        found.conservative,
        found.conservative,
        high,
        source,
        found.display,
        found.note,
        draw,
    )


def _degradation(performance: SourceAnalysis) -> MetricValue:
    found = performance.degradation
    if found.degradation_class not in DEGRADATION_CLASSES:
        return missing("degradation_class", found.note)
    index = float(DEGRADATION_CLASSES.index(found.degradation_class))
    return MetricValue(
        "degradation_class", index, index, index, performance.curve.source, found.degradation_class, found.note
    )


def _usl_peak(performance: SourceAnalysis) -> MetricValue:
    fit = performance.usl
    source = performance.curve.source
    if fit is None:
        return missing("usl_peak_multiple", "too few multiples for a USL fit")
    if fit.peak_multiple is None:
        top = float(performance.curve.multiples.max())
        return MetricValue(
            "usl_peak_multiple", top, top, top, source, f"≥ {top:g}x", "throughput never turns retrograde"
        )
    peak = fit.peak_multiple
    return MetricValue(
        "usl_peak_multiple",
        peak,
        peak,
        peak,
        source,
        format_value("usl_peak_multiple", peak),
        f"R² {fit.r_squared:.3f}",
    )


def read_metric(
    analysis: Analysis,
    performance: SourceAnalysis,
    metric: str,
    multiple: float | None,
) -> MetricValue:
    """A baseline-curve metric (everything except faults, integration and cost)."""
    if metric == "max_sustainable_multiple":
        return _sustainable(performance)
    if metric == "degradation_class":
        return _degradation(performance)
    if metric == "usl_peak_multiple":
        return _usl_peak(performance)
    note = ""
    if multiple is None:
        multiple = analysis.study.costing.target_multiple
        note = f"read at the costing target multiple {multiple:g}x (the criterion names none)"
    return _at_multiple(analysis, performance, metric, multiple, note)
