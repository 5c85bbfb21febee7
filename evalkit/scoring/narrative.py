"""What the numbers say, in words and against today: the rationale paragraph and the KPI rows.

The **rationale** is assembled only from the scored data: who wins and by how much, which
criteria carry the win, the winner's weakest point, who is knocked out and why, what is missing,
and how robust the result is (the smallest weight change that flips it, SMAA's P(best)). Nothing
is said that the matrix does not show.

The **KPI rows** put the study's baseline KPIs (today's value, the target) beside each
candidate's predicted value at the KPI's load multiple, read from the analysis.
"""

from __future__ import annotations

import math

from evalkit.analysis import Analysis
from evalkit.analysis.lookup import format_value, metric_unit
from evalkit.scorecard_data import CandidateResult, CriterionInfo, KpiRow, Robustness
from evalkit.study import Study

__all__ = ["kpi_rows", "rationale"]


def _kpi_display(metric: str, value: float | None) -> str:
    if value is None:
        return "missing"
    return format_value(metric, value)


def kpi_rows(study: Study, analysis: Analysis) -> list[KpiRow]:
    """One row per baseline KPI: today, target and every candidate's prediction."""
    if study.baseline is None:
        return []
    rows = []
    for kpi in study.baseline.kpis:
        predicted: dict[str, float | None] = {}
        for candidate in study.candidates:
            found = analysis.metric(candidate.name, kpi.metric, at_multiple=kpi.at_multiple)
            value = found.value
            predicted[candidate.name] = value if value is not None and math.isfinite(value) else None
        rows.append(
            KpiRow(
                name=kpi.name,
                metric=kpi.metric,
                unit=metric_unit(kpi.metric),
                today=kpi.today,
                target=kpi.target,
                at_multiple=kpi.at_multiple,
                predicted=predicted,
                display_today=_kpi_display(kpi.metric, kpi.today),
                display_target=_kpi_display(kpi.metric, kpi.target),
                display_predicted={name: _kpi_display(kpi.metric, value) for name, value in predicted.items()},
            )
        )
    return rows


def _label(criteria: list[CriterionInfo], criterion_id: str) -> str:
    return next((c.label for c in criteria if c.id == criterion_id), criterion_id)


def _winner_sentences(
    winner: CandidateResult, others: list[CandidateResult], criteria: list[CriterionInfo]
) -> list[str]:
    total = winner.total or 0.0
    runner = next((c for c in others if c.total is not None and not c.knocked_out), None)
    lead = f", {total - (runner.total or 0.0):.1f} ahead of {runner.name}" if runner else ""
    sentences = [f"{winner.name} ranks first with {total:.1f} of 100 points{lead}."]
    scored = sorted((s for s in winner.scores if s.contribution is not None), key=lambda s: -(s.contribution or 0.0))
    if scored:
        top = ", ".join(
            f"{_label(criteria, s.criterion_id)} ({s.display}: {s.contribution:.1f} pts)" for s in scored[:2]
        )
        sentences.append(f"Its largest contributions are {top}.")
        weakest = min(scored, key=lambda s: s.value if s.value is not None else 100.0)
        if weakest.value is not None and weakest.value < 50:
            sentences.append(
                f"Its weakest criterion is {_label(criteria, weakest.criterion_id)} "
                f"({weakest.display}; {weakest.value:.0f}/100)."
            )
    # The same figure the matrix scored: the candidate's evidence source, decided in the analysis.
    performance = next((p for p in winner.performance if p.source == winner.evidence_source), None)
    if performance is not None and performance.degradation_class != "unknown":
        source = performance.evidence or ("simulated" if performance.source == "sim" else "load-tested")
        sentences.append(
            f"It sustains {performance.max_sustainable_display} of today's peak within the SLO ({source}) "
            f"and its latency degrades {performance.degradation_class}ly"
            + (f", bending at {performance.knee_multiple:.2g}x." if performance.knee_multiple else ".")
        )
    return sentences


def _robustness_sentences(robustness: Robustness, winner: str, criteria: list[CriterionInfo]) -> list[str]:
    sentences = []
    flip = robustness.smallest_flip
    if flip is not None and flip.critical_weight is not None:
        sentences.append(
            f"The result holds unless the weight of {_label(criteria, flip.criterion_id)} moves from "
            f"{flip.current_weight:.0%} to {flip.critical_weight:.0%}, when {flip.new_winner} would win."
        )
    elif robustness.critical_weights:
        sentences.append("No change to any single weight makes another candidate win.")
    if robustness.smaa is not None and winner in robustness.smaa.p_best:
        sentences.append(
            f"Over {robustness.smaa.samples:,} draws of weights and uncertain values, "
            f"{winner} is best in {robustness.smaa.p_best[winner]:.0%} of them."
        )
    return sentences


def rationale(
    candidates: list[CandidateResult], winner: str | None, criteria: list[CriterionInfo], robustness: Robustness
) -> str:
    """One paragraph explaining the outcome, drawn from the scored data."""
    sentences: list[str] = []
    if winner is not None:
        first = next(c for c in candidates if c.name == winner)
        sentences += _winner_sentences(first, [c for c in candidates if c.name != winner], criteria)
    else:
        sentences.append("No candidate can be recommended: every one is knocked out or has a missing value.")
    for candidate in candidates:
        if candidate.knocked_out:
            sentences.append(f"{candidate.name} is knocked out: {'; '.join(candidate.knockout_reasons)}.")
        missing = [_label(criteria, s.criterion_id) for s in candidate.scores if s.missing]
        if missing:
            sentences.append(f"{candidate.name} has no value for {', '.join(missing)}, so its total is incomplete.")
    if winner is not None:
        contenders = [c for c in candidates if not c.knocked_out and c.total is not None]
        if len(contenders) == 1 and len(candidates) > 1:
            sentences.append(
                f"{winner} is the only candidate left after knock-outs, so no weighting changes the outcome."
            )
        sentences += _robustness_sentences(robustness, winner, criteria)
    return " ".join(sentences)
