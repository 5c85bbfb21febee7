"""Silent surprises become warnings: weights not adding up to 100, raw values outside the anchors."""

from __future__ import annotations

from pathlib import Path

from evalkit.scorecard_data import CandidateResult, CriterionScore
from evalkit.scoring.assumptions import surprises
from evalkit.study import load_study_with_scorecard

ROOT = Path(__file__).resolve().parents[2]
_, CARD = load_study_with_scorecard(ROOT / "scenarios" / "order-fulfillment.yaml")


def _candidate(name: str, criterion: str, raw: float, display: str) -> CandidateResult:
    score = CriterionScore(criterion_id=criterion, raw=raw, display=display, value=50.0, contribution=10.0)
    return CandidateResult(name=name, design="centralized", rank=1, total=50.0, total_partial=50.0, scores=[score])


def test_the_bundled_scorecard_raises_no_surprise() -> None:
    assert surprises(CARD, [_candidate("A", "scalability", 2.5, "2.5x"), _candidate("B", "scalability", 3, "3x")]) == []


def test_weights_that_do_not_add_up_to_100_are_warned_with_the_normalised_shares() -> None:
    criteria = tuple(c.model_copy(update={"weight": c.weight / 2}) for c in CARD.criteria)
    (warning,) = surprises(CARD.model_copy(update={"criteria": criteria}), [])
    assert warning.startswith("the scorecard's weights add up to 50, not 100; they were normalised to:")
    assert "Integration capabilities 30.0%" in warning


def test_raw_values_outside_or_at_the_edge_of_the_anchors_are_warned() -> None:
    scalability = CARD.criterion("scalability")
    low, high = scalability.value_function.points[0][0], scalability.value_function.points[-1][0]
    outside = surprises(CARD, [_candidate("A", "scalability", high + 1, "5x"), _candidate("B", "scalability", 2, "2x")])
    assert len(outside) == 1 and "A 5x outside the value function's anchors (1x–4x)" in outside[0]
    edge = surprises(CARD, [_candidate("A", "scalability", high, "≥ 4x"), _candidate("B", "scalability", high, "≥ 4x")])
    assert len(edge) == 1 and "every candidate is at the edge" in edge[0]
    assert low == 1
