"""A lead smaller than the winner's own uncertainty is a close call, not a recommendation."""

from __future__ import annotations

from typing import Any

import pytest
from report_builders import small_study

from evalkit.report import render_scorecard
from evalkit.report.render import render_markdown
from evalkit.report.view import FRAGILE, close_call, recommendation
from evalkit.scorecard_data import ScoredStudy


def _variant(p_best: dict[str, float], change: float | None = 0.192) -> ScoredStudy:
    data = small_study().model_dump(mode="json", by_alias=True)
    data["robustness"]["smaa"]["p_best"] = p_best
    flip = data["robustness"]["smallest_flip"]
    flip["change"] = change
    flip["critical_weight"] = None if change is None else flip["current_weight"] + change
    return ScoredStudy.model_validate(data)


CLOSE = {"Conductor Engine": 0.42, "Event Fabric": 0.58}


def test_a_winner_best_in_fewer_than_half_the_weightings_is_a_close_call() -> None:
    scored = _variant(CLOSE)
    found = recommendation(scored)["close_call"]
    assert found["headline"] == (
        "Too close to call: Conductor Engine and Event Fabric. Event Fabric is best in 58% of weightings."
    )
    html = render_scorecard(scored)
    hero = html[html.index('class="hero"') : html.index('class="rationale"')]
    assert "Too close to call" in hero and "Recommended" not in hero and 'class="tile winner"' not in hero
    markdown = render_markdown(scored)
    assert "**Recommendation" not in markdown and "Too close to call: Conductor Engine and Event Fabric" in markdown


def test_a_small_critical_weight_is_a_close_call_even_with_a_high_p_best() -> None:
    data = _variant({"Conductor Engine": 0.9, "Event Fabric": 0.1}, change=0.03)
    found = close_call(data, 0.9, recommendation(data)["flip"])
    assert found is not None and found["challenger"] == "Event Fabric"
    assert "3.0 percentage points" in found["why"]


@pytest.mark.parametrize(
    ("p_best", "change", "close"),
    [(0.5, 0.05, False), (0.49, 0.5, True), (0.9, 0.049, True), (0.9, None, False)],
)
def test_the_rule_is_the_fragile_verdicts(p_best: float, change: float | None, close: bool) -> None:
    data = _variant({"Conductor Engine": p_best, "Event Fabric": 1 - p_best}, change=change)
    found: dict[str, Any] = recommendation(data)
    assert (found["close_call"] is not None) == close
    assert (found["verdict"]["level"] == "fragile") == close
    assert FRAGILE == {"p_best": 0.5, "flip": 0.05}


def test_a_clear_winner_is_recommended() -> None:
    html = render_scorecard(small_study())
    hero = html[html.index('class="hero"') : html.index('class="rationale"')]
    assert "Recommended" in hero and "Too close to call" not in hero


def test_a_criterion_that_does_not_discriminate_says_so_with_the_reason() -> None:
    from evalkit.report.view import non_discriminating

    data = small_study().model_dump(mode="json", by_alias=True)
    for candidate in data["candidates"]:
        for cell in candidate["scores"]:
            if cell["criterion_id"] == "scalability":
                cell.update(display="≥ 4x", value=100.0, missing=False, raw=4.0)
        for analysis in candidate["performance"]:
            for bottleneck in analysis["bottlenecks"]:
                bottleneck["resource"] = "system:fraud-service"
    scored = ScoredStudy.model_validate(data)
    lines = non_discriminating(scored)
    assert lines[0] == (
        "Scalability and performance does not tell the candidates apart: all ≥ 4x; "
        "the bottleneck is fraud-service, a downstream system, not the platform."
    )
    html = render_scorecard(scored)
    assert lines[0] in html.replace("&#39;", "'")
    assert not non_discriminating(small_study())
