"""The scorecard of a mix lists every workflow type's SLO and each candidate's verdict.

Known truth: a synthetic mix where the straight-through type's p95 grows 1.5 h per multiple (its
SLO is 4 h, so it misses at the 3x costing target) while the referred type stays at 1 d (SLO 3 d).
"""

from __future__ import annotations

from pathlib import Path

from evalkit.analysis import analyse
from evalkit.analysis.synthetic import Shape, linear, shape_rows
from evalkit.report.environment import html_environment
from evalkit.report.process_types import type_knockouts, type_slo_rows
from evalkit.results import ResultTable, observations
from evalkit.scorecard_data import Provenance
from evalkit.scoring import score
from evalkit.scoring.assumptions import assumptions
from evalkit.study import Scorecard, load_study_with_scorecard

MIX = Path(__file__).resolve().parents[2] / "scenarios" / "claims-mix.yaml"
HOURS = 3600.0
KNOCKOUT = {
    "id": "fast-lane",
    "metric": "cycle_time_p95@straight-through",
    "op": "<=",
    "threshold": 4 * HOURS,
    "at_multiple": 3,
    "reason": "straight-through claims must be paid within 4 h at 3x",
}


def _table(candidate: str) -> ResultTable:
    rows = shape_rows(Shape(p95=linear(HOURS, 0.0), error_rate=lambda m: 0.0), candidate=candidate)
    for multiple in (1.0, 1.5, 2.0, 3.0, 4.0):
        for replication in range(5):
            per_type = {
                "cycle_time_p95@straight-through": 1.5 * HOURS * multiple,
                "cycle_time_p95@referred": 24 * HOURS,
                "error_rate@straight-through": 0.0,
                "error_rate@referred": 0.0,
            }
            rows += observations(
                source="sim", candidate=candidate, design="centralized", scenario="baseline",
                multiple=multiple, replication=replication, metrics=per_type,
            )  # fmt: skip
    return ResultTable.from_observations(rows)


def _scored():  # type: ignore[no-untyped-def]
    study, card = load_study_with_scorecard(MIX)
    card = Scorecard.model_validate({**card.model_dump(mode="json", by_alias=True), "knockouts": [KNOCKOUT]})
    provenance = Provenance(
        run_id="test", created="2026-01-01T00:00:00+00:00", study_name=study.name, study_file=str(MIX),
        study_sha256="0" * 64, scorecard_name=card.name, scorecard_file="card", seed=study.seed,
        evalkit_version="test",
    )  # fmt: skip
    scored = score(study, card, analyse(study, _table("Claims Process Engine")), provenance=provenance)
    return scored.model_copy(update={"assumptions": assumptions(study, card)})


def test_every_type_is_listed_with_its_slo_and_verdict() -> None:
    rows = {row.workflow_type: row for row in type_slo_rows(_scored())}
    assert list(rows) == ["all", "straight-through", "referred"]
    assert rows["straight-through"].slo.startswith("p95 ≤ 4")
    engine = {c.candidate: c for c in rows["straight-through"].cells}["Claims Process Engine"]
    assert engine.verdict == "misses" and engine.sustainable == "2.66x" and engine.p95 == "4.5 h"
    referred = {c.candidate: c for c in rows["referred"].cells}["Claims Process Engine"]
    assert referred.verdict == "meets" and referred.sustainable == "≥ 4x"
    # a candidate with no results says so, never a number
    others = [c for c in rows["referred"].cells if c.candidate != "Claims Process Engine"]
    assert others and all(c.verdict == "not split" and c.p95 == "" for c in others)


def test_a_knock_out_on_one_type_is_listed_with_who_failed_it() -> None:
    (found,) = type_knockouts(_scored())
    assert found.workflow_type == "straight-through" and found.knocked_out == ("Claims Process Engine",)


def test_the_partial_shows_the_table_and_nothing_for_one_process() -> None:
    scored = _scored()
    template = html_environment().get_template("sections/process_types.html.j2")
    html = template.render(process_types=type_slo_rows(scored), type_knockouts=type_knockouts(scored))
    assert "Service levels per workflow type" in html and "straight-through" in html
    assert '<span class="tag ko">misses</span>' in html and "fast-lane" not in html  # the rule, not the id
    assert "knocks out Claims Process Engine" in html
    assert template.render(process_types=[], type_knockouts=[]).strip() == ""


def test_the_scorecard_page_of_a_mix_lists_the_per_type_slos_under_the_knock_outs() -> None:
    from evalkit.report.render import render_scorecard

    html = render_scorecard(_scored())
    knockouts, matrix = html.index('id="knockouts"'), html.index('id="matrix"')
    table = html.index("Service levels per workflow type")
    assert knockouts < table < matrix
    assert "straight-through" in html[table:matrix] and "p95 ≤ 4" in html[table:matrix]


def test_the_markdown_of_a_mix_lists_the_per_type_slos_as_plain_text() -> None:
    from evalkit.report.render import render_markdown

    markdown = render_markdown(_scored())
    section = markdown[markdown.index("## Service levels per workflow type") : markdown.index("## Performance")]
    rows = [line for line in section.splitlines() if line.startswith("| straight-through")]
    assert len(rows) == 1 and "misses" in rows[0] and "p95 ≤ 4" in rows[0], section
    assert "Knock-out `cycle_time_p95@straight-through" in section and "knocks out Claims Process Engine" in section
    assert "&lt;" not in markdown and "<td" not in markdown
