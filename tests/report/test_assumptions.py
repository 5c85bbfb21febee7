"""The Assumptions section: what was modelled, in the study's own units, carried as plain data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_builders import small_study

from evalkit.report import render_scorecard
from evalkit.report.render import render_markdown
from evalkit.scorecard_data import ScoredStudy
from evalkit.scoring.assumptions import assumptions
from evalkit.study import load_study_with_scorecard
from evalkit.units import format_rate_in, rate_unit

ROOT = Path(__file__).resolve().parents[2]


def with_assumptions(scored: ScoredStudy, study: str = "claims-processing", unit: str = "/h") -> ScoredStudy:
    study_, card = load_study_with_scorecard(ROOT / "scenarios" / f"{study}.yaml")
    return scored.model_copy(update={"assumptions": assumptions(study_, card, unit)})


@pytest.fixture(scope="module")
def claims() -> ScoredStudy:
    return with_assumptions(small_study())


def test_the_rate_unit_is_the_one_the_study_wrote() -> None:
    assert rate_unit("2000/h") == "/h" and rate_unit("5 per min") == "/min" and rate_unit("40/s") == "/s"
    assert rate_unit(10) == "/s"
    assert format_rate_in(2000 / 3600 * 1.5, "/h") == "3,000/h"


def test_every_multiple_is_shown_as_a_rate(claims: ScoredStudy) -> None:
    a = claims.assumptions
    assert a is not None
    study, _ = load_study_with_scorecard(ROOT / "scenarios" / "claims-processing.yaml")
    for at in a.multiples:
        assert at.rate == pytest.approx(study.traffic.peak_rate * at.multiple)
    html = render_scorecard(claims)
    section = html[html.index('id="assumptions"') : html.index('id="knockouts"')]
    row = section[section.index('class="rates"') : section.index("</table>")]
    assert [m.display for m in a.multiples] == re.findall(r'<td class="num">([^<]+)</td>', row)
    assert "/h" in row and "1x is today's peak, 3.33/h" in section


def test_process_systems_staff_candidates_slo_and_weights_are_on_the_page(claims: ScoredStudy) -> None:
    a = claims.assumptions
    assert a is not None and len(a.steps) == 50 and a.staff
    html = render_scorecard(claims)
    section = html[html.index('id="assumptions"') : html.index('id="knockouts"')]
    assert all(f"<code>{step.id}</code>" in section for step in a.steps)
    assert all(system.name in section and system.service_time in section for system in a.systems)
    assert all(pool.name in section for pool in a.staff)
    assert all(c.name in section for c in a.candidates)
    assert "assumed (default)" in section and ">assumed<" in section
    assert "p95 cycle time ≤ 20 d" in section
    assert "1x → 0, 2x → 40, 3x → 75, 4x → 100" in section
    assert "not 100" not in section  # the bundled weights add up to 100


def test_a_calibrated_candidate_marks_its_parameters_calibrated() -> None:
    study, card = load_study_with_scorecard(ROOT / "scenarios" / "order-fulfillment.yaml")
    first = study.candidates[0]
    calibrated = first.model_copy(update={"description": "calibrated from run r1 at 1x, 2x"})
    study = study.model_copy(update={"candidates": (calibrated, *study.candidates[1:])})
    origins = {p.origin for p in assumptions(study, card).candidates[0].parameters}
    assert "calibrated" in origins and "assumed" not in origins


def test_weights_that_do_not_sum_to_100_are_warned_with_the_shares(claims: ScoredStudy) -> None:
    assert claims.assumptions is not None
    odd = claims.assumptions.model_copy(update={"weights_total": 80.0})
    html = render_scorecard(claims.model_copy(update={"assumptions": odd}))
    assert "add up to 80.0, not 100" in html


def test_the_markdown_states_the_peak_in_the_study_unit(claims: ScoredStudy) -> None:
    text = render_markdown(claims)
    assert "3.33/h" in text and "13.3/h" in text


def test_every_chart_axis_of_multiples_also_shows_the_rate() -> None:
    html = render_scorecard(small_study())  # order-fulfillment assumptions: 10/s at 1x
    performance = html[html.index('id="performance"') : html.index('id="kpis"')]
    assert "and the rate it means" in performance
    for rate in ("10/s", "20/s", "40/s"):
        assert rate in performance, rate
