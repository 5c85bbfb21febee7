"""The analysis of a study's results: per candidate and source, what the curves say.

``analyse(study, table)`` turns the long results table into judgements, separately for each
candidate and each source present (``sim``, ``load`` or both; either alone is enough):

* on the fault-free **baseline** curve: the maximum sustainable multiple
  (``evalkit.analysis.sustainable``), the degradation class and knee
  (``evalkit.analysis.degradation``), the Universal Scalability Law fit (``evalkit.analysis.usl``)
  and the bottleneck at each multiple (the resource with the highest mean utilisation);
* on each **fault** scenario: stalled, lost and recovery figures (``evalkit.analysis.faults``);
* where both sources exist: simulated against measured p95 (``evalkit.analysis.model_error``).

Before any of that, every baseline cell is judged for **validity** (``evalkit.analysis.validity``):
an inconclusive cell (too few completions for its p95, or a generator that could not keep time)
makes no knock-out, no degradation point and no model error, and a lower-bound cell (timeouts
censor the tail) is no degradation point or model error either. Both stay on the curve the report
shows, with what happened instead of a number.

``Analysis.metric`` reads any analysis metric a scorecard may name, with its uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from evalkit.analysis.curves import Cell, Curve, build_curves
from evalkit.analysis.degradation import Degradation, classify_curve
from evalkit.analysis.evidence import EvidenceChoice, choose_evidence, evidence_kind
from evalkit.analysis.faults import fault_impacts
from evalkit.analysis.lookup import Draw, MetricValue, format_value, missing, read_metric
from evalkit.analysis.model_error import model_vs_measured
from evalkit.analysis.process_types import type_slos
from evalkit.analysis.sustainable import Sustainable, judge_cell, max_sustainable
from evalkit.analysis.usl import fit_usl
from evalkit.analysis.validity import Validity, judge_validity
from evalkit.errors import ScoringError
from evalkit.metrics import ANALYSIS_METRICS, METRICS_FROM_FAULTS, is_result_metric
from evalkit.results import ResultTable
from evalkit.scorecard_data import (
    Bottleneck,
    CurvePoint,
    FaultImpact,
    LoadHealth,
    ModelError,
    PerformanceAnalysis,
    UslFit,
)
from evalkit.study import Study

__all__ = ["SourceAnalysis", "CandidateAnalysis", "Analysis", "analyse", "BASELINE"]

BASELINE = "baseline"
#: Verdicts one noisy window must not decide alone. The degradation class is a shape fitted to one
#: point per multiple, and a busy machine bends it (issue 15 §3); the sustainable multiple of a live
#: measurement stays the measurement's (judged conservatively, evalkit.analysis.evidence), and a
#: knock-out judged on it is confirmed by the replicated simulation (evalkit.analysis.confirmation).
UNCONFIRMED_VERDICTS = ("degradation_class",)
SourceChoice = Literal["sim", "load", "best"]
_FAULT_RESULT_METRIC = {
    "recovery_time": "recovery_time",
    "stalled_workflows": "stalled_workflows",
    "lost_workflows": "lost",
}


@dataclass(frozen=True)
class SourceAnalysis:
    """One candidate's baseline curve from one source, and what it says."""

    curve: Curve
    sustainable: Sustainable
    degradation: Degradation
    usl: UslFit | None
    bottlenecks: tuple[Bottleneck, ...]
    shown: tuple[Cell, ...] = ()  # every cell, the inconclusive ones too, for the report
    validity: tuple[Validity, ...] = ()  # one per cell of ``shown``

    def record(self, study: Study) -> PerformanceAnalysis:
        """The plain-data view the scorecard stores."""
        found = self.sustainable
        cells = self.shown or self.curve.cells
        verdicts = self.validity or tuple(Validity("conclusive") for _ in cells)
        return PerformanceAnalysis(
            source=self.curve.source,  # type: ignore[arg-type]
            evidence=evidence_kind(study, self.curve.candidate, self.curve.source),
            max_sustainable_multiple=found.conservative if not found.below_range else None,
            max_sustainable_display=found.display,
            never_broke=found.never_broke,
            degradation_class=self.degradation.degradation_class,  # type: ignore[arg-type]
            degradation_note=self.degradation.note,
            knee_multiple=self.degradation.knee_multiple,
            usl=self.usl,
            curve=[_point(study, cell, v) for cell, v in zip(cells, verdicts, strict=True)],
            bottlenecks=list(self.bottlenecks),
            utilization=_utilization_table(self.curve),
            max_sustainable_central=found.central,
            max_sustainable_optimistic=found.optimistic,
            max_sustainable_note=found.note,
            replications=self.curve.replications,
            workflow_types=type_slos(study, self.curve),
        )


@dataclass(frozen=True)
class CandidateAnalysis:
    """Everything the analysis found about one candidate."""

    name: str
    design: str
    sources: dict[str, SourceAnalysis] = field(default_factory=dict)
    faults: tuple[FaultImpact, ...] = ()
    fault_curves: tuple[Curve, ...] = ()
    model_vs_measured: tuple[ModelError, ...] = ()
    evidence: EvidenceChoice = field(default_factory=lambda: EvidenceChoice((), "no results"))

    def performance(self, source: SourceChoice = "best") -> SourceAnalysis | None:
        """The baseline analysis of a source; ``best`` follows the evidence decided for this candidate."""
        if source == "best":
            return next((self.sources[s] for s in self.evidence.order if s in self.sources), None)
        return self.sources.get(source)


@dataclass(frozen=True)
class Analysis:
    """The analysis of one study's results table."""

    study: Study
    table: ResultTable
    candidates: dict[str, CandidateAnalysis]
    #: candidate -> baseline sources none of whose cells is evidence (shown, never judged on)
    inconclusive: dict[str, tuple[PerformanceAnalysis, ...]] = field(default_factory=dict)

    def candidate(self, name: str) -> CandidateAnalysis | None:
        return self.candidates.get(name)

    def metric(
        self,
        candidate: str,
        metric: str,
        *,
        at_multiple: float | None = None,
        scenario: str | None = None,
        source: SourceChoice = "best",
    ) -> MetricValue:
        """One analysis metric (or a result metric read at a multiple) of one candidate.

        Missing, with the reason, when it cannot be had; ``source="best"`` prefers measured results.
        """
        if metric not in ANALYSIS_METRICS and not is_result_metric(metric):
            raise ScoringError(f"unknown analysis metric {metric!r}")
        found = self.candidates.get(candidate)
        if found is None:
            inconclusive = self.inconclusive.get(candidate)
            if inconclusive:
                first = next((p.validity_note for p in inconclusive[0].curve if p.validity_note), "too few completions")
                return missing(metric, f"every result is inconclusive: {first}")
            return missing(metric, "no results for this candidate")
        if metric in METRICS_FROM_FAULTS:
            return self._fault_metric(found, metric, at_multiple, scenario, source)
        if source != "best":
            performance = found.performance(source)
            if performance is None:
                return missing(metric, f"no {source} baseline results")
            return read_metric(self, performance, metric, at_multiple)
        # Best: the preferred source, falling back to the other where the preferred one is missing.
        answer = missing(metric, "no baseline results")
        for choice in found.evidence.order:
            if choice in found.sources:
                answer = read_metric(self, found.sources[choice], metric, at_multiple)
                if not answer.missing:
                    return self._confirmed(found, choice, metric, at_multiple, answer)
        return answer

    def _confirmed(
        self, found: CandidateAnalysis, source: str, metric: str, at_multiple: float | None, answer: MetricValue
    ) -> MetricValue:
        """A verdict resting on one short window per multiple is *unconfirmed* where the replicated
        simulation disagrees: the simulation decides, and the note (and a warning) says so."""
        if metric not in UNCONFIRMED_VERDICTS or source != "load" or "sim" not in found.sources:
            return answer
        if found.sources[source].curve.replications >= 2 or found.sources["sim"].curve.replications < 2:
            return answer
        simulated = read_metric(self, found.sources["sim"], metric, at_multiple)
        if simulated.missing or simulated.value == answer.value:
            return answer
        note = (
            f"unconfirmed: the measured {answer.display} rests on one window per multiple; "
            f"the replicated simulation ({simulated.display}) decides"
        )
        return replace(simulated, note="; ".join(n for n in (note, simulated.note) if n))

    def _fault_metric(
        self, found: CandidateAnalysis, metric: str, multiple: float | None, scenario: str | None, source: SourceChoice
    ) -> MetricValue:
        curves = [c for c in found.fault_curves if scenario is None or c.scenario == scenario]
        if source == "best":
            # The candidate's evidence order, as for baseline figures: the strongest source with faults.
            ranked = [[c for c in curves if c.source == s] for s in found.evidence.order]
            curves = next((group for group in ranked if group), [])
        else:
            curves = [c for c in curves if c.source == source]
        result_metric = _FAULT_RESULT_METRIC[metric]
        candidates = [
            (estimate, curve, cell.multiple)
            for curve in curves
            for cell in curve.cells
            if (multiple is None or math.isclose(cell.multiple, multiple))
            and (estimate := cell.get(result_metric)) is not None
            and not math.isnan(estimate.mean)
        ]
        if not candidates:
            what = f"fault scenario {scenario!r}" if scenario else "any fault scenario"
            return missing(metric, f"no {result_metric} results for {what}")
        estimate, curve, at = max(candidates, key=lambda item: item[0].mean)
        note = f"{curve.scenario} at {at:g}x" + ("" if scenario else " (worst fault)")
        if math.isinf(estimate.mean):
            return MetricValue(metric, math.inf, math.inf, math.inf, curve.source, "not recovered", note)
        draw: Draw = "t" if estimate.has_interval and estimate.high > estimate.low else "fixed"
        return MetricValue(
            metric, estimate.mean, estimate.low, estimate.high, curve.source,
            format_value(metric, estimate.mean), note, draw, estimate.n - 1,
        )  # fmt: skip

    def per_replication_ratio(self, curve: Curve, multiple: float, numerator: str, denominator: str) -> list[float]:
        """numerator / denominator per replication of one cell (replications lacking either are skipped)."""
        rows = self.table.whole
        rows = rows[
            (rows["candidate"] == curve.candidate)
            & (rows["source"] == curve.source)
            & (rows["scenario"] == curve.scenario)
            & np.isclose(rows["multiple"], multiple)
            & rows["metric"].isin([numerator, denominator])
        ]
        wide = rows.pivot_table(index="replication", columns="metric", values="value", aggfunc="first")
        if numerator not in wide or denominator not in wide:
            return []
        ratios = wide[numerator] / wide[denominator]
        return [float(r) for r in ratios if math.isfinite(r)]


def _point(study: Study, cell: Cell, validity: Validity) -> CurvePoint:
    p95 = cell.get("cycle_time_p95")
    latency = ("cycle_time_p95", "cycle_time_p99", "cycle_time_mean")

    def value(metric: str) -> float | None:
        if validity.verdict == "inconclusive" and metric in latency:
            return None  # an inconclusive cell shows no number
        mean = cell.mean(metric)
        return mean if math.isfinite(mean) else None

    shown = p95 is not None and validity.verdict != "inconclusive"

    return CurvePoint(
        multiple=cell.multiple,
        offered_rate=value("offered_rate"),
        completed_rate=value("completed_rate"),
        p95=value("cycle_time_p95"),
        p95_low=p95.low if shown and p95 is not None and math.isfinite(p95.low) else None,
        p95_high=p95.high if shown and p95 is not None and math.isfinite(p95.high) else None,
        p99=value("cycle_time_p99"),
        mean=value("cycle_time_mean"),
        error_rate=value("error_rate"),
        backlog_growth=value("backlog_growth"),
        saturated=cell.saturated,
        meets_slo=None if validity.verdict == "inconclusive" else judge_cell(study, cell).meets,
        load=_load_health(cell),
        validity=validity.verdict,
        validity_note=validity.reason,
        validity_fix=validity.fix,
    )


def _load_health(cell: Cell) -> LoadHealth | None:
    """A load stage's own figures (only a load-test cell has them; None for the other sources)."""

    def value(metric: str) -> float | None:
        mean = cell.mean(metric)
        return mean if math.isfinite(mean) else None

    errors = {
        metric.removeprefix("errors_"): estimate.mean
        for metric, estimate in cell.metrics.items()
        if metric.startswith("errors_") and estimate.finite and estimate.mean > 0
    }
    found = LoadHealth(
        rejected_share=value("rejected_share"),
        errors=errors,
        requests_per_workflow=value("requests_per_workflow"),
        polls_per_second=value("polls_per_second"),
        engine_cpu_per_1000=value("engine_cpu_per_1000"),
        resolution=value("client_resolution"),
    )
    return None if found == LoadHealth() else found


def _utilization_table(curve: Curve) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for cell in curve.cells:
        for resource, value in cell.utilizations().items():
            table.setdefault(resource, {})[f"{cell.multiple:g}"] = value
    return table


def _bottlenecks(curve: Curve) -> tuple[Bottleneck, ...]:
    found = []
    for cell in curve.cells:
        utilizations = cell.utilizations()
        if utilizations:
            # Ties go to the alphabetically first resource, so the answer does not depend on row order.
            resource = max(sorted(utilizations), key=lambda r: utilizations[r])
            found.append(Bottleneck(multiple=cell.multiple, resource=resource, utilization=utilizations[resource]))
    return tuple(found)


def _points_only(study: Study, curve: Curve) -> Curve:
    """The cells whose p95 is a point estimate: no lower bounds (what a fit or a model error needs)."""
    cells = tuple(cell for cell in curve.cells if judge_validity(study, curve.source, cell).conclusive)
    return curve if len(cells) == len(curve.cells) else replace(curve, cells=cells)


def _source_analysis(study: Study, curve: Curve, full: Curve) -> SourceAnalysis:
    # The USL describes throughput; saturated cells belong in it (that is where it flattens).
    usl = fit_usl(curve.multiples, curve.series("completed_rate"))
    degradation = classify_curve(_points_only(study, curve))
    verdicts = tuple(judge_validity(study, full.source, cell) for cell in full.cells)
    return SourceAnalysis(
        curve, max_sustainable(study, curve), degradation, usl, _bottlenecks(curve), full.cells, verdicts
    )


def _inconclusive_record(study: Study, curve: Curve) -> PerformanceAnalysis:
    """A source none of whose cells is evidence: shown with what happened, judged on nothing."""
    verdicts = [judge_validity(study, curve.source, cell) for cell in curve.cells]
    first = next((v for v in verdicts if v.reason), Validity("inconclusive"))
    return PerformanceAnalysis(
        source=curve.source,  # type: ignore[arg-type]
        evidence=evidence_kind(study, curve.candidate, curve.source),
        max_sustainable_multiple=None,
        max_sustainable_display="inconclusive",
        degradation_note="no conclusive cell to fit",
        curve=[_point(study, cell, v) for cell, v in zip(curve.cells, verdicts, strict=True)],
        max_sustainable_note=f"inconclusive: {first.reason}" + (f"; fix: {first.fix}" if first.fix else ""),
        replications=curve.replications,
    )


def _candidate(
    study: Study, name: str, curves: dict[tuple[str, str, str], Curve], every: dict[tuple[str, str, str], Curve]
) -> CandidateAnalysis:
    mine = {key: curve for key, curve in curves.items() if key[0] == name}
    screened = _screened(name, mine, every)  # evalkit run --screen (evalkit.analytic.screened)
    if screened is not None:
        mine, every = screened[0], screened[1]
    sources = {key[1]: _source_analysis(study, c, every[key]) for key, c in mine.items() if key[2] == BASELINE}
    fault_curves = tuple(c for key, c in mine.items() if key[2] != BASELINE)
    errors: tuple[ModelError, ...] = ()
    if "sim" in sources and "load" in sources:
        errors = tuple(
            model_vs_measured(_points_only(study, sources["sim"].curve), _points_only(study, sources["load"].curve))
        )
    design = next(iter(mine.values())).design if mine else ""
    evidence = choose_evidence(study, name, {source: found.curve for source, found in sources.items()})
    if screened is not None and not (evidence.primary == "load" and evidence_kind(study, name, "load") == "measured"):
        evidence = EvidenceChoice(("analytic", *(s for s in evidence.order if s != "analytic")), screened[2])
    return CandidateAnalysis(
        name, design, sources, tuple(fault_impacts(study, list(fault_curves))), fault_curves, errors, evidence
    )


def _screened(
    name: str, mine: dict[tuple[str, str, str], Curve], every: dict[tuple[str, str, str], Curve]
) -> tuple[dict[tuple[str, str, str], Curve], dict[tuple[str, str, str], Curve], str] | None:
    """A screened candidate's curves: one analytic baseline with the simulated cells in it, and the reason."""
    from evalkit.analytic.screened import is_screened, screened_curve, screened_reason

    analytic, sim = (name, "analytic", BASELINE), (name, "sim", BASELINE)
    if not is_screened(every.get(analytic), every.get(sim)):
        return None
    kept = {key: curve for key, curve in mine.items() if key != sim}
    if analytic in mine:
        kept[analytic] = screened_curve(mine[analytic], mine.get(sim), every.get(sim))
    unfiltered = {key: curve for key, curve in every.items() if key != sim}
    unfiltered[analytic] = screened_curve(every[analytic], every.get(sim))
    return kept, unfiltered, screened_reason(every.get(sim))


def _conclusive(study: Study, curves: dict[tuple[str, str, str], Curve]) -> dict[tuple[str, str, str], Curve]:
    """The curves without inconclusive cells (``evalkit.analysis.validity``): a generator-limited
    load cell measured the generator, not the platform; a cell with too few completions measured
    nothing. Neither makes a knock-out, degradation point or model error (a curve left empty goes).
    Fault scenarios lose only their generator-limited cells: their figures are not percentiles."""
    kept = {}
    for key, curve in curves.items():
        if key[2] == BASELINE:
            cells = tuple(cell for cell in curve.cells if judge_validity(study, curve.source, cell).usable)
        else:
            cells = tuple(cell for cell in curve.cells if not cell.generator_limited)
        if cells:
            kept[key] = replace(curve, cells=cells) if len(cells) < len(curve.cells) else curve
    return kept


def analyse(study: Study, table: ResultTable) -> Analysis:
    """Analyse every candidate's results (sim, load or both) against the study's SLOs."""
    every = build_curves(table.summary())
    curves = _conclusive(study, every)
    names = sorted({key[0] for key in curves})
    inconclusive: dict[str, tuple[PerformanceAnalysis, ...]] = {}
    for key, curve in every.items():
        if key[2] == BASELINE and key not in curves:
            inconclusive[key[0]] = (*inconclusive.get(key[0], ()), _inconclusive_record(study, curve))
    candidates = {name: _candidate(study, name, curves, every) for name in names}
    return Analysis(study, table, candidates, inconclusive)
