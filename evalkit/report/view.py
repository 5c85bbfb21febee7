"""The scorecard's view: the typed scorecard records rearranged into what each section shows.

Templates should only lay out; everything that needs a decision lives here, where it is tested:
the recommendation and how robust it is, the matrix rows in criterion order, which KPI predictions
meet their targets, the bottleneck per multiple. The input is the ``ScoredStudy`` read from
``scorecard.json`` (``evalkit.scorecard_data``), read by attribute so a renamed field fails the
type check instead of a render; the output is small records and lists the templates lay out.
Nothing here reads files or keeps state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evalkit.report.svg import CANDIDATE_COLOURS, colour
from evalkit.scorecard_data import Bottleneck, CandidateResult, CriterionScore, KpiRow, ScoredStudy

__all__ = [
    "candidate_colours",
    "recommendation",
    "matrix_rows",
    "kpi_rows",
    "bottleneck_table",
    "MatrixRow",
    "KpiView",
    "KpiCell",
    "ROBUST",
    "FRAGILE",
]

#: The rule for calling a recommendation robust, printed in the report so it can be challenged.
ROBUST = {"p_best": 0.8, "flip": 0.10}
FRAGILE = {"p_best": 0.5, "flip": 0.05}


def candidate_colours(candidates: Sequence[CandidateResult]) -> dict[str, str]:
    """One colour per candidate, in rank order, used by every chart and legend of the page."""
    return {c.name: colour(CANDIDATE_COLOURS, i) for i, c in enumerate(candidates)}


def criterion_labels(data: ScoredStudy) -> dict[str, str]:
    return {c.id: c.label for c in data.criteria}


def _candidate(data: ScoredStudy, name: str | None) -> CandidateResult | None:
    return next((c for c in data.candidates if c.name == name), None)


def recommendation(data: ScoredStudy) -> dict[str, Any]:
    """Winner, score, P(best), runner-up margin, the smallest flip and a verdict with its rule."""
    winner = _candidate(data, data.winner)
    smaa = data.robustness.smaa
    p_best = smaa.p_best.get(data.winner) if smaa and data.winner else None
    flip = _flip(data)
    runner_up = _runner_up(data)
    return {
        "winner": winner,
        "score": data.winner_score,
        "p_best": p_best,
        "smaa_samples": smaa.samples if smaa else None,
        "runner_up": runner_up,
        "margin": _margin(data.winner_score, runner_up),
        "flip": flip,
        "verdict": _verdict(p_best, flip),
        "close_call": close_call(data, p_best, flip),
        "rationale": data.rationale or _composed_rationale(data, winner, runner_up),
        "knocked_out": [c for c in data.candidates if c.knocked_out],
        "inconclusive": any(
            a.max_sustainable_display == "inconclusive" for c in data.candidates for a in c.performance
        ),
    }


def _runner_up(data: ScoredStudy) -> CandidateResult | None:
    others = [c for c in data.candidates if not c.knocked_out and c.name != data.winner]
    return min(others, key=lambda c: c.rank) if others else None


def _margin(score: float | None, runner_up: CandidateResult | None) -> float | None:
    if score is None or runner_up is None or runner_up.total is None:
        return None
    return score - runner_up.total


def _flip(data: ScoredStudy) -> dict[str, Any] | None:
    """The smallest single-weight change that changes the winner, with labels; None if not computed."""
    robustness = data.robustness
    smallest = robustness.smallest_flip
    if smallest is None:
        computed = bool(robustness.critical_weights)
        return {"computed": computed, "exists": False} if computed else None
    labels = criterion_labels(data)
    return {
        "computed": True,
        "exists": smallest.change is not None,
        "criterion": labels.get(smallest.criterion_id, smallest.criterion_id),
        "current": smallest.current_weight,
        "critical": smallest.critical_weight,
        "change": smallest.change,
        "new_winner": smallest.new_winner,
        "verb": "Raising" if (smallest.change or 0) > 0 else "Lowering",
    }


def _verdict(p_best: float | None, flip: Mapping[str, Any] | None) -> dict[str, str]:
    """robust / moderately robust / fragile / unknown, by the rule in ``ROBUST`` and ``FRAGILE``."""
    if p_best is None or flip is None:
        return {"level": "unknown", "label": "robustness not computed"}
    change = abs(flip["change"]) if flip.get("exists") else 1.0
    if p_best >= ROBUST["p_best"] and change >= ROBUST["flip"]:
        return {"level": "robust", "label": "robust"}
    if p_best < FRAGILE["p_best"] or change < FRAGILE["flip"]:
        return {"level": "fragile", "label": "fragile"}
    return {"level": "moderate", "label": "moderately robust"}


def close_call(data: ScoredStudy, p_best: float | None, flip: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The headline for a lead the winner's own uncertainty could erase; None for a recommendation.

    The rule is the fragile verdict's, so the headline, P(best) and the critical weight always
    agree: the call is too close when the winner is best in fewer than ``FRAGILE["p_best"]`` of the
    SMAA weightings, or when a change of one weight by less than ``FRAGILE["flip"]`` (in share
    of the total) makes another candidate the winner. The challenger named is the other candidate
    best in the most weightings (else the one the smallest flip makes the winner).
    """
    winner = data.winner
    smaa = data.robustness.smaa
    if winner is None or p_best is None or smaa is None:
        return None
    flips = bool(flip and flip.get("exists") and abs(flip["change"]) < FRAGILE["flip"])
    if p_best >= FRAGILE["p_best"] and not flips:
        return None
    shares = smaa.p_best
    others = {name: share for name, share in shares.items() if name != winner}
    challenger = max(sorted(others), key=lambda n: others[n]) if others else None
    if (challenger is None or others[challenger] == 0) and flip and flip.get("new_winner"):
        challenger = flip["new_winner"]
    if challenger is None:
        return None
    share = shares.get(challenger, 0.0)
    lead = challenger if share > p_best else winner
    headline = (
        f"Too close to call: {winner} and {challenger}. {lead} is best in {max(share, p_best):.0%} of weightings."
    )
    return {
        "candidates": [winner, challenger],
        "challenger": challenger,
        "challenger_p_best": share,
        "lead": lead,
        "headline": headline,
        "why": (
            f"P(best) of {winner} is {p_best:.0%} (below {FRAGILE['p_best']:.0%})"
            if p_best < FRAGILE["p_best"]
            else f"a change of {abs(flip['change']) * 100:.1f} percentage points to {flip['criterion']} "  # type: ignore[index]
            f"(under {FRAGILE['flip'] * 100:.0f}) makes {flip['new_winner']} the winner"  # type: ignore[index]
        ),
    }


def _composed_rationale(data: ScoredStudy, winner: CandidateResult | None, runner_up: CandidateResult | None) -> str:
    """A rationale drawn from the numbers, for scorecards whose scoring wrote none."""
    if winner is None:
        return "Every candidate was knocked out, so there is no recommendation; see the knock-outs below."
    labels = criterion_labels(data)
    scored = [(s, s.contribution) for s in winner.scores if s.contribution is not None]
    strongest = [s for s, _ in sorted(scored, key=lambda pair: -pair[1])][:2]
    parts = [f"{winner.name} scores {_num(winner.total)} of 100"]
    if runner_up is not None:
        parts[0] += f", ahead of {runner_up.name} ({_num(runner_up.total)})"
    if strongest:
        parts.append(
            "its largest contributions come from "
            + " and ".join(f"{labels.get(s.criterion_id, s.criterion_id).lower()} ({s.display})" for s in strongest)
        )
    knocked = [c.name for c in data.candidates if c.knocked_out]
    text = "; ".join(parts) + "."
    if knocked:
        text += f" Knocked out before weighting: {', '.join(knocked)}."
    return text


def _num(value: float | None) -> str:
    return "an incomplete total" if value is None else f"{value:.1f}"


@dataclass(frozen=True)
class MatrixRow:
    """One candidate's row of the weighted matrix: one cell per criterion, in scorecard order."""

    name: str
    design: str
    rank: int
    total: float | None
    total_partial: float
    knocked_out: bool
    winner: bool
    cells: list[CriterionScore]


def matrix_rows(data: ScoredStudy) -> list[MatrixRow]:
    """One row per candidate (rank order), one cell per criterion (scorecard order); absent = missing."""
    rows = []
    for candidate in data.candidates:
        by_id = {s.criterion_id: s for s in candidate.scores}
        cells = [by_id.get(c.id) or _absent(c.id) for c in data.criteria]
        rows.append(
            MatrixRow(
                name=candidate.name,
                design=candidate.design,
                rank=candidate.rank,
                total=candidate.total,
                total_partial=candidate.total_partial,
                knocked_out=candidate.knocked_out,
                winner=candidate.name == data.winner,
                cells=cells,
            )
        )
    return rows


def _absent(criterion_id: str) -> CriterionScore:
    """The cell of a criterion the candidate has no score for: shown as missing, never as zero."""
    return CriterionScore(
        criterion_id=criterion_id,
        raw=None,
        display="missing",
        value=None,
        contribution=None,
        missing=True,
        note="not in scorecard.json",
    )


@dataclass(frozen=True)
class KpiCell:
    """One candidate's predicted value of a KPI, formatted, and whether it meets the target."""

    name: str
    value: float | None
    display: str | None
    meets: bool | None


@dataclass(frozen=True)
class KpiView:
    """A KPI row as the table shows it: the record, its direction and one cell per candidate."""

    kpi: KpiRow
    lower_is_better: bool
    cells: list[KpiCell]

    @property
    def name(self) -> str:
        return self.kpi.name

    @property
    def at_multiple(self) -> float:
        return self.kpi.at_multiple

    @property
    def display_today(self) -> str:
        return self.kpi.display_today

    @property
    def display_target(self) -> str:
        return self.kpi.display_target


def kpi_rows(data: ScoredStudy) -> list[KpiView]:
    """Each KPI: today, target, and each candidate's prediction with whether it meets the target."""
    rows = []
    for kpi in data.kpis:
        lower_is_better = kpi.target <= kpi.today
        cells = []
        for candidate in data.candidates:
            value = kpi.predicted.get(candidate.name)
            meets = None if value is None else (value <= kpi.target if lower_is_better else value >= kpi.target)
            display = kpi.display_predicted.get(candidate.name) if value is not None else None
            cells.append(KpiCell(name=candidate.name, value=value, display=display, meets=meets))
        rows.append(KpiView(kpi=kpi, lower_is_better=lower_is_better, cells=cells))
    return rows


def bottleneck_table(data: ScoredStudy) -> dict[str, Any]:
    """Per candidate and source, the bottleneck resource and its utilisation at each multiple."""
    multiples = sorted({b.multiple for c in data.candidates for a in c.performance for b in a.bottlenecks})
    rows = []
    for candidate in data.candidates:
        for analysis in candidate.performance:
            if not analysis.bottlenecks:
                continue
            by_multiple: dict[float, Bottleneck] = {b.multiple: b for b in analysis.bottlenecks}
            rows.append(
                {
                    "name": candidate.name,
                    "source": analysis.source,
                    "evidence": analysis.evidence,
                    "cells": [by_multiple.get(m) for m in multiples],
                }
            )
    return {"multiples": multiples, "rows": rows}


def busiest_utilisation(scored: ScoredStudy) -> dict[str, float]:
    """resource -> utilisation of the winner (else the first candidate) at its sustainable multiple.

    Read from its evidence source; the highest multiple tested at or below the sustainable one
    (the lowest multiple when it sustains none), so the process map shows where it is busiest
    while still healthy.
    """
    chosen = next((c for c in scored.candidates if c.name == scored.winner), None) or next(
        iter(scored.candidates), None
    )
    if chosen is None or not chosen.performance:
        return {}
    analysis = chosen.performance[0]
    tested = sorted({float(m) for table in analysis.utilization.values() for m in table})
    if not tested:
        return {}
    ceiling = analysis.max_sustainable_multiple
    at = max((m for m in tested if ceiling is None or m <= ceiling + 1e-9), default=tested[0])
    return {resource: table[f"{at:g}"] for resource, table in analysis.utilization.items() if f"{at:g}" in table}


#: Values closer than this (points of 0..100) do not tell candidates apart.
SAME_VALUE = 0.5
_PERFORMANCE_METRICS = ("max_sustainable_multiple", "cycle_time", "completed_rate", "degradation_class")


def non_discriminating(data: ScoredStudy) -> list[str]:
    """One line per criterion (and for the faults) that does not tell the candidates apart, with the reason."""
    lines = []
    for criterion in data.criteria:
        cells = [s for c in data.candidates for s in c.scores if s.criterion_id == criterion.id and not s.missing]
        values = [s.value for s in cells if s.value is not None]
        if len(values) < 2 or len(values) != len(data.candidates) or max(values) - min(values) >= SAME_VALUE:
            continue
        displays = sorted({s.display for s in cells})
        said = f"all {displays[0]}" if len(displays) == 1 else f"all score {values[0]:.0f}"
        line = f"{criterion.label} does not tell the candidates apart: {said}"
        if (criterion.metric or "").startswith(_PERFORMANCE_METRICS):
            line += _common_bottleneck(data)
        lines.append(line + ".")
    if _same_faults(data):
        lines.append(
            "Fault results do not tell the candidates apart: every candidate stalls, loses and recovers alike."
        )
    return lines


def _common_bottleneck(data: ScoredStudy) -> str:
    """``; the bottleneck is fraud-service, a downstream system, not the platform`` when all share one."""
    found = set()
    for candidate in data.candidates:
        performance = candidate.performance
        if not performance or not performance[0].bottlenecks:
            return ""
        found.add(performance[0].bottlenecks[-1].resource)
    if len(found) != 1:
        return ""
    resource = found.pop()
    if resource.startswith("system:"):
        return f"; the bottleneck is {resource.partition(':')[2]}, a downstream system, not the platform"
    if resource.startswith("staff:"):
        return f"; the bottleneck is the {resource.partition(':')[2]} staff pool, people, not the platform"
    return f"; every candidate's bottleneck is {resource}"


def _same_faults(data: ScoredStudy) -> bool:
    def key(candidate: CandidateResult) -> list[tuple[Any, ...]]:
        return sorted((f.scenario, f.multiple, f.stalled_workflows, f.lost, f.recovery_time) for f in candidate.faults)

    keys = [key(c) for c in data.candidates]
    return len(keys) >= 2 and bool(keys[0]) and all(k == keys[0] for k in keys[1:])


def heat(share: float | None) -> str:
    """Background for a 0..1 share in the heatmaps: deeper blue for larger shares."""
    if share is None:
        return "background: #F1F3F4"
    alpha = 0.08 + 0.8 * max(0.0, min(1.0, share))
    return f"background: rgba(0, 114, 178, {alpha:.2f}); color: {'#FFFFFF' if alpha > 0.5 else '#202124'}"


def utilisation_heat(share: float | None) -> str:
    """Background for a utilisation: calm below 70%, amber towards 90%, red at saturation."""
    if share is None:
        return "background: #F1F3F4"
    if share >= 0.9:
        return "background: #F9D2CF"
    if share >= 0.7:
        return "background: #FCE8B2"
    return "background: #E6F4EA"
