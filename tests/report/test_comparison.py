"""Comparison of scored runs: deltas, winner changes, shared-criteria fallback and its refusal."""

from __future__ import annotations

import re

import pytest
from report_builders import large_study, small_study, tuned_study

from evalkit.errors import InputError
from evalkit.report import render_comparison
from evalkit.report.comparison import comparison_context, flatten
from evalkit.scorecard_data import ScoredStudy


def labelled(*studies: ScoredStudy) -> list[tuple[str, ScoredStudy]]:
    return [(f"run{i}", s) for i, s in enumerate(studies)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_same_scorecard_compares_totals_as_they_are() -> None:
    context = comparison_context(labelled(small_study(), tuned_study()))
    assert context["basis"]["mode"] == "full"
    conductor = next(row for row in context["table"] if row["name"] == "Conductor Engine")
    assert conductor["cells"][1]["delta"] == pytest.approx(76.61 - 72.86)
    assert conductor["cells"][1]["rank_delta"] == 0
    assert not context["winners"]["changed"] and context["winners"]["first"] == "Conductor Engine"


def test_winner_change_is_reported() -> None:
    after = small_study().model_dump(mode="json", by_alias=True)
    for candidate in after["candidates"]:  # Conductor Engine now fails the 3x knock-out
        if candidate["name"] == "Conductor Engine":
            candidate["knocked_out"] = True
    runs = [("before", small_study()), ("after", ScoredStudy.model_validate(after))]
    context = comparison_context(runs)
    assert context["winners"]["changed"]
    assert [w["name"] for w in context["winners"]["per_run"]] == ["Conductor Engine", "Event Fabric"]


def test_different_scorecards_compare_on_shared_criteria_and_say_so() -> None:
    context = comparison_context(labelled(small_study(), large_study()))
    basis = context["basis"]
    assert basis["mode"] == "shared"
    assert basis["criteria"] == ["integration", "scalability", "usability", "vendor", "tco"]
    assert basis["dropped"]["run1"] == ["latency", "resilience", "security", "observability", "skills"]
    # The reference's own totals are unchanged: its weights are the shared basis.
    conductor = next(row for row in context["table"] if row["name"] == "Conductor Engine")
    assert conductor["cells"][0]["entry"]["score"] == pytest.approx(72.86, abs=0.01)
    html = render_comparison([("small", small_study()), ("large", large_study())])
    assert "Compared on shared criteria only." in html
    assert "Different studies." in html  # order-fulfillment against platform-shortlist
    assert "Different studies." not in render_comparison([("a", small_study()), ("b", tuned_study())])
    assert "Left out of large: latency, resilience, security, observability, skills" in text(html)


def test_strict_refuses_different_scorecards_in_one_line() -> None:
    with pytest.raises(InputError, match="drop --strict to compare them on the 5 criteria they share"):
        comparison_context(labelled(small_study(), large_study()), strict=True)


def test_no_shared_criteria_is_refused() -> None:
    other = small_study().model_dump(mode="json", by_alias=True)
    other["criteria"] = [dict(c, id=f"other-{c['id']}") for c in other["criteria"]]
    with pytest.raises(InputError, match="share no scoring criteria"):
        comparison_context([("a", small_study()), ("b", ScoredStudy.model_validate(other))])


def test_needs_two_runs() -> None:
    with pytest.raises(InputError, match="at least two runs"):
        render_comparison([("only", small_study())])


def test_assumption_differences_name_the_setting() -> None:
    assumptions = [
        {"study": {"candidates": [{"name": "Conductor Engine", "parameters": {"engine_workers": 2}}]}},
        {"study": {"candidates": [{"name": "Conductor Engine", "parameters": {"engine_workers": 4}}]}},
    ]
    html = render_comparison([("before", small_study()), ("after", tuned_study())], assumptions=assumptions)
    assert "study.candidates[Conductor Engine].parameters.engine_workers" in html
    assert "run.study_sha256" in html
    assert "run.seed" not in html  # identical settings are counted, not listed


def test_overlaid_curves_for_candidates_in_several_runs() -> None:
    context = comparison_context(labelled(small_study(), tuned_study()))
    assert [name for name, _ in context["curves"]["panels"]] == ["Conductor Engine", "Event Fabric", "Domain Mesh"]
    sustainable = context["curves"]["sustainable"][0]
    assert sustainable["cells"][0] == {"sim": "3.4x", "load": "3.2x"}
    assert sustainable["cells"][1] == {"sim": "≥ 4x", "load": "≥ 4x"}


def test_flatten_keys_named_items_by_name() -> None:
    flat = flatten({"a": {"b": 1}, "items": [{"name": "x", "v": True}], "multiples": [1, 2]})
    assert flat == {"a.b": "1", "items[x].name": "x", "items[x].v": "true", "multiples": "[1, 2]"}


def test_hostile_name_is_escaped_in_comparison() -> None:
    html = render_comparison([("small", small_study()), ("large", large_study())])
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
