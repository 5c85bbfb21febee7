"""The per-type SLOs of a mix, as the scorecard lists them: every workflow type, every candidate.

A study whose ``process`` is a list of workflow types gives each type its own SLO ("straight-
through claims p95 ≤ 4 h", "all claims p95 ≤ 3 d"). The analysis judges each type against its own
SLO on each candidate's evidence source (``PerformanceAnalysis.workflow_types``); this module
turns those records into the rows the scorecard's per-type table shows, the whole (``all``) first,
and lists the knock-outs that judge one type, with each candidate's verdict. A source that did not
record a type's own figures (a live target whose start call cannot carry the type) shows that,
never a number. A study of one process has no rows: the section is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from evalkit.metrics import split_workflow_type
from evalkit.scorecard_data import CandidateResult, ScoredStudy, TypeSlo

__all__ = ["TypeKnockOut", "TypeSloCell", "TypeSloRow", "type_knockouts", "type_slo_rows"]


@dataclass(frozen=True, slots=True)
class TypeSloCell:
    """One candidate's verdict on one workflow type's SLO."""

    candidate: str
    verdict: str  # "meets", "misses", "not split", "not tested"
    sustainable: str  # the type's own sustainable multiple, or "" when not split
    p95: str  # its p95 at the target multiple, for people
    source: str  # which source judged it (the candidate's evidence source)
    note: str


@dataclass(frozen=True, slots=True)
class TypeSloRow:
    """One workflow type (``all`` for the whole) with its SLO and every candidate's verdict."""

    workflow_type: str
    slo: str
    target_multiple: float
    cells: tuple[TypeSloCell, ...]


@dataclass(frozen=True, slots=True)
class TypeKnockOut:
    """A knock-out that judges one workflow type, and which candidates it knocked out."""

    id: str
    rule: str
    workflow_type: str
    knocked_out: tuple[str, ...]
    passed: tuple[str, ...]


def _verdict(found: TypeSlo | None) -> str:
    if found is None or not found.split:
        return "not split"
    if found.meets_at_target is None:
        # evalkit.analysis.process_types writes "inconclusive: …" when the type completed too few for a p95
        return "inconclusive" if found.p95_display.startswith("inconclusive") else "not tested"
    return "meets" if found.meets_at_target else "misses"


def _cell(candidate: CandidateResult, workflow_type: str) -> TypeSloCell:
    performance = candidate.performance[0] if candidate.performance else None  # the evidence source first
    found = (
        next((t for t in performance.workflow_types if t.workflow_type == workflow_type), None) if performance else None
    )
    verdict = _verdict(found)
    inconclusive = verdict == "inconclusive"  # too few of this type completed: say why, show no p95
    return TypeSloCell(
        candidate=candidate.name,
        verdict=verdict,
        sustainable=found.max_sustainable_display if found is not None and found.split else "",
        p95=found.p95_display if found is not None and found.split and not inconclusive else "",
        # the evidence the figure rests on, in the evidence record's words (simulated, emulated, measured…)
        source=(performance.evidence or performance.source) if performance is not None else "",
        note=(found.p95_display if inconclusive else found.note) if found is not None else "no performance results",
    )


def type_slo_rows(data: ScoredStudy) -> list[TypeSloRow]:
    """Every workflow type's SLO with each candidate's verdict; ``[]`` when the study is not a mix."""
    first: dict[str, TypeSlo] = {}
    for candidate in data.candidates:
        for performance in candidate.performance:
            for found in performance.workflow_types:
                first.setdefault(found.workflow_type, found)
    return [
        TypeSloRow(
            workflow_type=name,
            slo=found.slo,
            target_multiple=found.target_multiple,
            cells=tuple(_cell(candidate, name) for candidate in data.candidates),
        )
        for name, found in first.items()
    ]


def type_knockouts(data: ScoredStudy) -> list[TypeKnockOut]:
    """The knock-outs that name one workflow type (``metric@type``), with who failed them."""
    rules = data.assumptions.knockouts if data.assumptions is not None else []
    found = []
    for rule in rules:
        metric = rule.rule.split(" ", 1)[0]
        workflow_type = split_workflow_type(metric)[1]
        if workflow_type == "all":
            continue
        knocked = tuple(
            c.name
            for c in data.candidates
            if any(r.startswith(rule.reason) and f"({metric} is" in r for r in c.knockout_reasons)
        )
        passed = tuple(c.name for c in data.candidates if c.name not in knocked)
        found.append(TypeKnockOut(rule.id, rule.rule, workflow_type, knocked, passed))
    return found
