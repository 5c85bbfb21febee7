"""The evidence record of each matrix cell: what the figure rests on, in words a reader can check.

The analysis decides, once per candidate, which results source its performance figures are read
from (``evalkit.analysis.evidence``). This module turns that decision into the ``Evidence`` each
scored cell carries in ``scorecard.json``, and gives the cells that are not performance figures
(people's assessments, the cost model, facts stated in the study) their own honest label, so the
rationale, the charts and the matrix all name the same source for every figure.
"""

from __future__ import annotations

from evalkit.analysis import Analysis
from evalkit.analysis.evidence import evidence_kind, evidence_strength
from evalkit.analysis.lookup import MetricValue
from evalkit.scorecard_data import Evidence
from evalkit.scoring.cost import Costed
from evalkit.study import Criterion, Study
from evalkit.study.candidates import Candidate

__all__ = ["assessed_evidence", "cell_evidence"]


def cell_evidence(
    analysis: Analysis, study: Study, candidate: Candidate, raw: MetricValue, criterion: Criterion, costed: Costed
) -> Evidence:
    """The evidence of a measured or cost criterion's figure (``raw`` says which source it came from)."""
    if criterion.kind == "cost" or raw.source == "cost":
        sized = "sized from results" if costed.sized_from_data else "not sized from results"
        return Evidence(kind="cost model", reason=costed.note or sized, strength=sized)
    if raw.source == "study":
        return Evidence(kind="study", reason="stated in the study file", strength="as stated")
    found = analysis.candidate(candidate.name)
    if raw.source is None or found is None:
        return Evidence(kind="simulated", reason=raw.note or "no results", strength="none: the figure is missing")
    kind = evidence_kind(study, candidate.name, raw.source)
    source = found.sources.get(raw.source)
    strength = evidence_strength(study, source.curve) if source is not None else ""
    if raw.source == found.evidence.primary or criterion.source != "best":
        reason = found.evidence.reason if criterion.source == "best" else f"the scorecard asks for {kind} results"
    else:
        primary = evidence_kind(study, candidate.name, found.evidence.primary or "")
        reason = f"the {primary} results have no {raw.metric}; read from the {kind} results"
    return Evidence(kind=kind, reason=reason, strength=strength)


def assessed_evidence(assessors: int) -> Evidence:
    """People's scores: as strong as the number of assessors."""
    plural = "s" if assessors != 1 else ""
    return Evidence(kind="assessed", reason="scored by people", strength=f"{assessors} assessor{plural}")
