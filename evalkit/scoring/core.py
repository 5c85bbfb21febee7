"""Scoring a study: from the analysis to the weighted matrix, knock-outs, ranks and robustness.

``score(study, scorecard, analysis, provenance=...)`` fills every field of a ``ScoredStudy``:

1. weights: the scorecard's, normalised, or the AHP weights when the scorecard has comparisons;
2. per candidate and criterion, the figure and its 0..100 value (``evalkit.scoring.values``),
   integration coverage and cost (``evalkit.scoring.cost``);
3. knock-outs, then totals, contributions and ranks (``evalkit.scoring.matrix``);
4. robustness among the candidates that can win (not knocked out, nothing missing): critical
   weights and crossovers (``evalkit.scoring.sensitivity``) and SMAA-2 (``evalkit.scoring.smaa``)
   with a generator seeded from the study's seed;
5. the rationale and the KPI rows (``evalkit.scoring.narrative``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from evalkit.analysis import Analysis
from evalkit.analysis.confirmation import confirm_knockout
from evalkit.scorecard_data import (
    AhpSummary,
    CandidateResult,
    CriterionInfo,
    Provenance,
    Robustness,
    ScoredStudy,
)
from evalkit.scoring.ahp import ahp_weights
from evalkit.scoring.cost import Costed, cost_of, integration_view
from evalkit.scoring.matrix import knockout_fails, partial_totals, rank, weighted_totals
from evalkit.scoring.narrative import kpi_rows, rationale
from evalkit.scoring.sensitivity import critical_weights, crossover
from evalkit.scoring.smaa import smaa
from evalkit.scoring.values import Valued, assessed_view, resolve_metric, value_cell
from evalkit.study import Scorecard, Study
from evalkit.study.candidates import Candidate

__all__ = ["score", "SMAA_STREAM"]

#: Spawn key that gives SMAA its own random stream under the study's seed.
SMAA_STREAM = 0x5AAA


@dataclass
class _Row:
    """One candidate while it is being scored."""

    candidate: Candidate
    costed: Costed
    cells: list[Valued]
    knockouts: list[str] = field(default_factory=list)


def _weights(scorecard: Scorecard, file: str | None) -> tuple[np.ndarray, AhpSummary | None]:
    ids = [c.id for c in scorecard.criteria]
    if scorecard.ahp is None:
        stated = scorecard.normalised_weights
        return np.array([stated[i] for i in ids]), None
    summary = ahp_weights(scorecard.ahp.criteria, scorecard.ahp.matrix, file=file)
    return np.array([summary.weights[i] for i in ids]), summary


def _criteria(scorecard: Scorecard, weights: np.ndarray) -> list[CriterionInfo]:
    from evalkit.analysis.lookup import metric_unit

    return [
        CriterionInfo(
            id=c.id,
            label=c.label,
            kind=c.kind,
            weight=c.weight,
            normalised_weight=float(w),
            direction=c.value_function.direction if c.value_function else c.direction,
            metric=c.scored_metric,
            unit=metric_unit(c.scored_metric) if c.scored_metric else f"{c.scale.min:g}-{c.scale.max:g}",
            description=c.description,
        )
        for c, w in zip(scorecard.criteria, weights, strict=True)
    ]


def _knockouts(study: Study, scorecard: Scorecard, analysis: Analysis, row: _Row, warnings: list[str]) -> None:
    for rule in scorecard.knockouts:
        found = resolve_metric(
            analysis,
            study,
            row.candidate,
            row.costed,
            rule.metric,
            at_multiple=rule.at_multiple,
            scenario=rule.scenario,
        )
        # One load window per multiple is one draw of noise: the replicated simulation confirms it.
        check = confirm_knockout(
            analysis, row.candidate.name, rule.id, found,
            partial(knockout_fails, op=rule.op, threshold=rule.threshold), at_multiple=rule.at_multiple,
        )  # fmt: skip
        fails, found = check.fails, check.value
        if check.warning:
            warnings.append(check.warning)
        if fails is None:
            why = (
                f"{rule.metric} missing: {found.note}"
                if found.missing
                else f"{rule.metric} is {found.display}, untested at {rule.threshold:g}"
            )
            warnings.append(f"{row.candidate.name}: knock-out {rule.id!r} could not be checked ({why})")
        elif fails:
            row.knockouts.append(
                f"{rule.reason} ({rule.metric} is {found.display}"
                f"{' simulated; the one-window measurement is unconfirmed' if check.unconfirmed else ''}; "
                f"needs {rule.op} {rule.threshold:g})"
            )


def _result(
    row: _Row, weights: np.ndarray, rank_: int, total: float, partial: float, analysis: Analysis, scorecard: Scorecard
) -> CandidateResult:
    found = analysis.candidate(row.candidate.name)
    performance = []
    if found is not None:
        # The evidence source first: every reader that takes "the" figure takes the decided one.
        order = [*found.evidence.order, *(s for s in sorted(found.sources) if s not in found.evidence.order)]
        performance = [found.sources[s].record(analysis.study) for s in order if s in found.sources]
    # Sources none of whose cells is evidence: shown with what happened, they decide nothing.
    performance += list(analysis.inconclusive.get(row.candidate.name, ()))
    return CandidateResult(
        name=row.candidate.name,
        design=row.candidate.design,
        description=row.candidate.description,
        rank=rank_,
        total=None if np.isnan(total) else float(total),
        total_partial=float(partial),
        knocked_out=bool(row.knockouts),
        knockout_reasons=list(row.knockouts),
        scores=[cell.score(float(w)) for cell, w in zip(row.cells, weights, strict=True)],
        performance=performance,
        evidence_source=found.evidence.primary if found is not None else None,  # type: ignore[arg-type]
        evidence_reason=found.evidence.reason if found is not None else "",
        model_vs_measured=list(found.model_vs_measured) if found else [],
        faults=list(found.faults) if found else [],
        assessed=[
            assessed_view(row.candidate, c, scorecard.aggregation) for c in scorecard.criteria if c.kind == "assessed"
        ],
        cost=row.costed.breakdown,
        integration=integration_view(analysis.study, row.candidate),
    )


def _robustness(
    study: Study,
    scorecard: Scorecard,
    rows: list[_Row],
    values: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
) -> Robustness:
    """Sensitivity and SMAA among eligible rows (already in rank order)."""
    if len(rows) < 2:
        return Robustness()
    names = [r.candidate.name for r in rows]
    ids = [c.id for c in scorecard.criteria]
    critical = critical_weights(values, weights, names, ids)
    flips = [c for c in critical if c.change is not None]
    samples = scorecard.robustness.smaa_samples
    drawn = np.stack([np.stack([cell.draw(rng, samples) for cell in r.cells], axis=1) for r in rows], axis=1)
    return Robustness(
        critical_weights=critical,
        crossovers=[crossover(values, weights, names, j, cid) for j, cid in enumerate(ids)],
        smaa=smaa(drawn, weights, names, ids, rng=rng, seed=study.seed, band=scorecard.robustness.weight_band),
        smallest_flip=min(flips, key=lambda c: abs(c.change or 0.0)) if flips else None,
    )


def _warnings(rows: list[_Row], scorecard: Scorecard, analysis: Analysis) -> list[str]:
    found = []
    for row in rows:
        for cell, criterion in zip(row.cells, scorecard.criteria, strict=True):
            if cell.value is None:
                found.append(f"{row.candidate.name}: {criterion.id} is missing ({cell.raw.note or 'no data'})")
        if not row.costed.sized_from_data:
            found.append(f"{row.candidate.name}: {row.costed.note}")
        if analysis.candidate(row.candidate.name) is None:
            found.append(f"{row.candidate.name}: no simulation or load-test results")
        found.extend(_source_disagreement(analysis, row.candidate.name))
    return found + _model_disagreements(analysis)


def _model_disagreements(analysis: Analysis) -> list[str]:
    """Below the knee the analytic model and the simulation should agree: say so where they do not."""
    from evalkit.analytic import analytic_disagreements

    worst: dict[str, Any] = {}
    for found in analytic_disagreements(analysis.table):
        if found.candidate not in worst or found.relative > worst[found.candidate].relative:
            worst[found.candidate] = found
    return [
        f"{d.candidate}: the analytic model and the simulation disagree by {d.relative:.0%} on {d.metric} at "
        f"{d.multiple:g}x ({d.analytic:.3g} against {d.simulated:.3g}), below the knee where both should hold; "
        "this usually means a modelling error in one of them"
        for d in worst.values()
    ]


def _source_disagreement(analysis: Analysis, name: str) -> list[str]:
    """Say so when the simulation and the load test disagree on where a candidate breaks."""
    found = analysis.candidate(name)
    if found is None or not {"sim", "load"} <= set(found.sources):
        return []
    sim = analysis.metric(name, "max_sustainable_multiple", source="sim")
    load = analysis.metric(name, "max_sustainable_multiple", source="load")
    if sim.display == load.display:
        return []
    used = found.evidence.primary
    tested = ", ".join(f"{m:g}x" for m in found.sources["load"].curve.multiples)
    return [
        f"{name}: the simulation sustains {sim.display} but the load test (at {tested}) {load.display}; "
        f"the scorecard uses the {'load test' if used == 'load' else 'simulation'}"
    ]


#: Totals closer than this (points of 100) are a tie, not a win.
TIE = 1e-9


def _tie_sentence(tied: list[str], totals: np.ndarray, eligible: list[int]) -> str:
    if len(tied) < 2:
        return ""
    return (
        f"{' and '.join(tied)} tie at {totals[eligible[0]]:.1f} points: no weighted criterion separates them, "
        "so the recommendation is theirs jointly (listed alphabetically). "
    )


def score(
    study: Study,
    scorecard: Scorecard,
    analysis: Analysis,
    *,
    provenance: Provenance,
    rng: np.random.Generator | None = None,
    scorecard_file: str | None = None,
) -> ScoredStudy:
    """Score every candidate of the study; the generator defaults to one seeded from the study's seed."""
    rng = rng or np.random.default_rng(np.random.SeedSequence(study.seed, spawn_key=(SMAA_STREAM,)))
    weights, ahp = _weights(scorecard, scorecard_file)
    warnings: list[str] = []
    rows = []
    for candidate in study.candidates:
        costed = cost_of(study, candidate, analysis)
        cells = [value_cell(analysis, study, scorecard, candidate, costed, c) for c in scorecard.criteria]
        row = _Row(candidate, costed, cells)
        _knockouts(study, scorecard, analysis, row, warnings)
        rows.append(row)
    values = np.array([[np.nan if c.value is None else c.value for c in r.cells] for r in rows], dtype=float)
    totals, partials = weighted_totals(values, weights), partial_totals(values, weights)
    out = np.array([bool(r.knockouts) for r in rows])
    ranks = rank(totals, partials, out)
    order = sorted(range(len(rows)), key=lambda i: (ranks[i], rows[i].candidate.name))
    eligible = [i for i in order if not out[i] and not np.isnan(totals[i])]
    winner = rows[eligible[0]].candidate.name if eligible else None
    tied = [rows[i].candidate.name for i in eligible if eligible and abs(totals[i] - totals[eligible[0]]) < TIE]
    if len(tied) > 1:
        warnings.append(f"{' and '.join(tied)} tie for first place; the winner shown is only first alphabetically")
    robustness = _robustness(study, scorecard, [rows[i] for i in eligible], values[eligible], weights, rng)
    results = [_result(rows[i], weights, int(ranks[i]), totals[i], partials[i], analysis, scorecard) for i in order]
    criteria = _criteria(scorecard, weights)
    return ScoredStudy(
        provenance=provenance,
        slo={
            "p95_cycle_time": study.slo.p95_cycle_time,
            "p99_cycle_time": study.slo.p99_cycle_time,
            "max_error_rate": study.slo.max_error_rate,
        },
        currency=study.costing.currency,
        criteria=criteria,
        candidates=results,
        winner=winner,
        winner_score=float(totals[eligible[0]]) if eligible else None,
        rationale=_tie_sentence(tied, totals, eligible) + rationale(results, winner, criteria, robustness),
        robustness=robustness,
        kpis=kpi_rows(study, analysis),
        warnings=warnings + _warnings(rows, scorecard, analysis),
        ahp=ahp,
    )
