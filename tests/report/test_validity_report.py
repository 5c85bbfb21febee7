"""The report shows an inconclusive cell as what happened and the fix, never as a number."""

from __future__ import annotations

import re

from report_builders import small_study

from evalkit.report import render_scorecard
from evalkit.scorecard_data import ScoredStudy


def _with_doubtful_cells() -> ScoredStudy:
    data = small_study().model_dump(mode="json", by_alias=True)
    candidate = data["candidates"][0]
    load = next(a for a in candidate["performance"] if a["source"] == "load")
    inconclusive = load["curve"][-1]
    inconclusive.update(
        p95=None, p95_low=None, p95_high=None, p99=None, mean=None, meets_slo=None, validity="inconclusive",
        validity_note="0 of 2 workflows completed in a 3 s stage; a p95 needs 20",
        validity_fix="lengthen load.stage_duration and load.drain_timeout, or lower load.time_scale",
    )  # fmt: skip
    bound = load["curve"][-2]
    bound.update(p95=7.25, validity="lower bound", validity_note="30 of 120 workflows timed out in a 3 s stage")
    return ScoredStudy.model_validate(data)


def test_an_inconclusive_cell_shows_what_happened_and_the_fix_and_no_number() -> None:
    html = render_scorecard(_with_doubtful_cells())
    table = html[html.index('id="validity"') :]
    table = table[: table.index("</table>")]
    assert "inconclusive: 0 of 2 workflows completed in a 3 s stage" in table
    assert "lengthen load.stage_duration" in table
    assert re.search(r"p95 ≥ 7\.2\d? s", table)
    inconclusive_row = next(row for row in table.split("<tr>") if "0 of 2 workflows" in row)
    assert not re.search(r"\d s<", inconclusive_row)  # no latency figure in the row


def test_a_page_with_only_conclusive_cells_has_no_validity_table() -> None:
    assert 'id="validity"' not in render_scorecard(small_study())


def test_no_winner_for_want_of_evidence_is_not_called_a_knock_out() -> None:
    data = small_study().model_dump(mode="json", by_alias=True)
    data["winner"], data["winner_score"] = None, None
    for candidate in data["candidates"]:
        candidate["knocked_out"], candidate["knockout_reasons"] = False, []
        candidate["performance"][0]["max_sustainable_display"] = "inconclusive"
    html = render_scorecard(ScoredStudy.model_validate(data))
    hero = html[html.index('class="hero"') : html.index('class="rationale"')]
    assert "No candidate has a complete score" in hero and "knocked out" not in hero
    assert "cells that are not evidence" in hero
