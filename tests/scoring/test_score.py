"""score() and score_run(): the whole matrix, knock-outs, missing values, robustness, scorecard.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from evalkit.analysis import analyse
from evalkit.analysis.synthetic import Shape, exponential, linear, mm1, shape_rows, shape_table
from evalkit.errors import StudyError
from evalkit.results import ResultTable
from evalkit.scorecard_data import CandidateResult, Provenance, ScoredStudy, read_scored_study
from evalkit.scoring import score, score_run
from evalkit.store import create_run
from evalkit.study import Scorecard, Study, Target, load_study_with_scorecard

ROOT = Path(__file__).resolve().parents[2]
STUDY_PATH = ROOT / "scenarios" / "order-fulfillment.yaml"
STUDY, CARD = load_study_with_scorecard(STUDY_PATH)
PROVENANCE = Provenance(
    run_id="test", created="2026-01-01T00:00:00+00:00", study_name=STUDY.name, study_file=str(STUDY_PATH),
    study_sha256="0" * 64, scorecard_name=CARD.name, scorecard_file="card", seed=STUDY.seed, evalkit_version="test",
)  # fmt: skip


def _card(criteria: list[dict], **extra: object) -> Scorecard:
    return Scorecard.model_validate(
        {"name": "test", "criteria": criteria, "robustness": {"smaa_samples": 2000}, **extra}
    )


COVERAGE = {"id": "integration", "label": "Integration", "weight": 3, "kind": "measured", "metric": "connector_coverage",
            "value_function": {"points": [[0, 0], [1, 100]]}}  # fmt: skip
VENDOR = {"id": "vendor", "label": "Vendor", "weight": 1, "kind": "assessed"}
SCALABILITY = {"id": "scalability", "label": "Scalability", "weight": 2, "kind": "measured",
               "metric": "max_sustainable_multiple", "value_function": {"points": [[1, 0], [4, 100]]}}  # fmt: skip


def _results() -> ResultTable:
    """Conductor saturates past 1.5x and blows up; the others hold, Fabric like a queue."""
    rng = np.random.default_rng(42)
    conductor = Shape(p95=exponential(0.3, 1.2), saturate_above=1.5, capacity_multiple=1.6,
                      utilization={"engine": lambda m: 0.6 * m})  # fmt: skip
    mesh = Shape(p95=linear(0.8, 0.4), utilization={"coordinator": lambda m: 0.12 * m})
    fabric = Shape(p95=mm1(0.9, 0.2), utilization={"consumers:charge-payment": lambda m: 0.2 * m})
    return shape_table(
        shape_rows(conductor, candidate="Conductor Engine", noise=0.03, rng=rng),
        shape_rows(mesh, candidate="Domain Mesh", design="federated", noise=0.03, rng=rng),
        shape_rows(fabric, candidate="Event Fabric", design="event-driven", noise=0.03, rng=rng),
    )


def _score(card: Scorecard, table: ResultTable | None = None, study: Study = STUDY) -> ScoredStudy:
    table = table if table is not None else ResultTable.empty()
    return score(study, card, analyse(study, table), provenance=PROVENANCE)


def _by_name(scored: ScoredStudy) -> dict[str, CandidateResult]:
    return {c.name: c for c in scored.candidates}


def test_hand_computed_totals_contributions_and_ranks() -> None:
    scored = _score(_card([COVERAGE, VENDOR]))
    found = _by_name(scored)
    # Coverage 5/7, 3/7, 4/7 of the systems; vendor means 4.25, 3.25, 4.25 on 1..5.
    expected = {
        "Conductor Engine": 0.75 * 500 / 7 + 0.25 * 81.25,
        "Domain Mesh": 0.75 * 300 / 7 + 0.25 * 56.25,
        "Event Fabric": 0.75 * 400 / 7 + 0.25 * 81.25,
    }
    for name, total in expected.items():
        assert found[name].total == pytest.approx(total)
        assert sum(s.contribution for s in found[name].scores) == pytest.approx(total)
    assert [c.name for c in scored.candidates] == ["Conductor Engine", "Event Fabric", "Domain Mesh"]
    assert [c.rank for c in scored.candidates] == [1, 2, 3]
    assert scored.winner == "Conductor Engine" and scored.winner_score == pytest.approx(expected["Conductor Engine"])
    assert [c.normalised_weight for c in scored.criteria] == pytest.approx([0.75, 0.25])
    vendor = next(a for a in found["Domain Mesh"].assessed if a.criterion_id == "vendor")
    assert vendor.aggregate == 3.25 and vendor.spread == 0.5
    assert "Conductor Engine ranks first" in scored.rationale


def test_median_aggregation() -> None:
    scored = _score(_card([COVERAGE, VENDOR], aggregation="median"))
    vendor = next(s for s in _by_name(scored)["Domain Mesh"].scores if s.criterion_id == "vendor")
    assert vendor.raw == 3.25  # the median of two scores is their mean


def test_missing_values_are_flagged_never_zero() -> None:
    scored = _score(_card([COVERAGE, SCALABILITY]))  # no results at all: scalability is missing
    for candidate in scored.candidates:
        cell = next(s for s in candidate.scores if s.criterion_id == "scalability")
        assert cell.missing and cell.value is None and cell.contribution is None and cell.display == "missing"
        assert candidate.total is None and candidate.total_partial > 0
    assert scored.winner is None
    assert any("scalability is missing" in w for w in scored.warnings)


def test_knocked_out_candidate_keeps_its_score_for_reference() -> None:
    scored = _score(CARD, _results())
    found = _by_name(scored)
    conductor = found["Conductor Engine"]
    assert conductor.knocked_out and conductor.total is not None
    assert any("3x" in reason for reason in conductor.knockout_reasons)
    assert conductor.rank == 3 and scored.winner != "Conductor Engine"
    assert scored.candidates[-1].name == "Conductor Engine"
    # The knocked-out candidate takes no part in the robustness analysis.
    assert "Conductor Engine" not in scored.robustness.smaa.p_best
    # Its degradation could not be classified (saturated after two multiples): the knock-out says so.
    assert any("no-exponential-degradation" in w and "Conductor Engine" in w for w in scored.warnings)


def test_robustness_is_filled_and_reproducible() -> None:
    first = _score(CARD, _results())
    again = _score(CARD, _results())
    assert first.model_dump() == again.model_dump()
    robustness = first.robustness
    assert {c.criterion_id for c in robustness.critical_weights} == {c.id for c in CARD.criteria}
    assert len(robustness.crossovers) == len(CARD.criteria)
    assert sum(robustness.smaa.p_best.values()) == pytest.approx(1.0)
    assert robustness.smaa.seed == STUDY.seed
    reseeded = _score(CARD, _results(), study=STUDY.model_copy(update={"seed": 1}))
    assert reseeded.robustness.smaa.p_best != robustness.smaa.p_best


def test_adding_a_dominated_candidate_leaves_the_others_alone() -> None:
    base = _score(CARD, _results())
    worse = STUDY.candidate("Domain Mesh").model_copy(
        update={
            "name": "Domain Mesh Lite",
            "integration": STUDY.candidate("Domain Mesh").integration.model_copy(update={"connectors": ()}),
        }
    )
    grown_study = STUDY.model_copy(update={"candidates": (*STUDY.candidates, worse)})
    table = _results()
    extra = table.frame[table.frame["candidate"] == "Domain Mesh"].assign(candidate="Domain Mesh Lite")
    grown = _score(CARD, table.concat(ResultTable(extra)), study=grown_study)
    before = {c.name: c.total for c in base.candidates}
    after = {c.name: c.total for c in grown.candidates}
    assert all(after[name] == pytest.approx(total) for name, total in before.items())
    order = [c.name for c in grown.candidates if c.name != "Domain Mesh Lite"]
    assert order == [c.name for c in base.candidates]
    assert after["Domain Mesh Lite"] < after["Domain Mesh"]


def test_ahp_weights_replace_the_stated_ones() -> None:
    ahp = {"criteria": ["integration", "vendor"], "matrix": [[1, 3], [1 / 3, 1]]}
    scored = _score(_card([COVERAGE, {**VENDOR, "weight": 3}], ahp=ahp))
    assert [c.normalised_weight for c in scored.criteria] == pytest.approx([0.75, 0.25])
    assert scored.ahp is not None and scored.ahp.consistency_ratio == 0.0
    inconsistent = {"criteria": ["integration", "vendor", "scalability"],
                    "matrix": [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]}  # fmt: skip
    with pytest.raises(StudyError, match="consistency ratio"):
        _score(_card([COVERAGE, VENDOR, SCALABILITY], ahp=inconsistent))


def test_kpi_rows_from_the_baseline() -> None:
    scored = _score(CARD, _results())
    kpis = {k.metric: k for k in scored.kpis}
    assert set(kpis) == {"cycle_time_mean", "error_rate"}
    cycle = kpis["cycle_time_mean"]
    assert cycle.today == 4.0 and cycle.target == 1.5 and cycle.display_today == "4 s"
    # The synthetic mean cycle time is half its p95: Mesh at 1x is 0.5 * (0.8 + 0.4).
    assert cycle.predicted["Domain Mesh"] == pytest.approx(0.6, rel=0.05)


def test_score_run_writes_a_scorecard_json_that_reads_back(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY_PATH)
    run.save_results(_results(), source="sim")
    scored = score_run(run)
    assert run.scored_path.is_file()
    assert read_scored_study(run.scored_path) == scored
    assert scored.provenance.run_id == run.run_id and scored.provenance.simulated == sorted(
        c.name for c in STUDY.candidates
    )
    assert scored.provenance.replications == 5 and scored.provenance.multiples == [1.0, 1.5, 2.0, 3.0, 4.0]
    first = run.scored_path.read_bytes()
    score_run(run)
    assert run.scored_path.read_bytes() == first


def _evalkit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalkit", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_prints_the_matrix_and_writes_the_file(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY_PATH)
    run.save_results(_results(), source="sim")
    result = _evalkit("score", str(run.path))
    assert result.returncode == 0, result.stderr
    assert (
        "Weighted matrix" in result.stdout
        and "Winner:" in result.stdout
        and "Knocked out: Conductor Engine" in result.stdout
    )
    assert "SMAA-2" in result.stdout
    assert json.loads(run.scored_path.read_text())["winner"] in {"Domain Mesh", "Event Fabric"}


def test_cli_refuses_a_run_without_results_in_one_line(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY_PATH)
    result = _evalkit("score", str(run.path))
    assert result.returncode == 2 and "no results to score" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_scores_by_another_scorecard(tmp_path: Path) -> None:
    run = create_run(tmp_path, STUDY_PATH)
    run.save_results(_results(), source="sim")
    text = (ROOT / "scorecards" / "orchestration-platform.yaml").read_text(encoding="utf-8")
    other = tmp_path / "lenient.yaml"
    other.write_text(
        text.replace("threshold: 3\n", "threshold: 1\n").replace("name: orchestration-platform", "name: lenient")
    )
    result = _evalkit("score", str(run.path), "--scorecard", str(other))
    assert result.returncode == 0, result.stderr
    # Issue 15 §6: another scorecard is a what-if beside the run; the run's own scorecard is never overwritten.
    assert not run.scored_path.exists()
    scored = read_scored_study(run.path / "what-if" / "lenient" / "scorecard.json")
    assert scored.provenance.scorecard_name == "lenient" and scored.provenance.notes
    assert not any("sustain" in r for c in scored.candidates for r in c.knockout_reasons)


def test_load_only_results_are_scored_too() -> None:
    table = shape_table(
        *(shape_rows(Shape(p95=linear(1.0, 0.2)), candidate=c.name, design=c.design, source="load", replications=1)
          for c in STUDY.candidates)
    )  # fmt: skip
    scored = _score(CARD, table)
    for candidate in scored.candidates:
        scalability = next(s for s in candidate.scores if s.criterion_id == "scalability")
        assert scalability.source == "load" and scalability.display == "≥ 4x"
        assert candidate.performance[0].replications == 1


def test_a_lone_survivor_of_the_knock_outs_is_said_to_be_one() -> None:
    strict = CARD.model_copy(update={"knockouts": (CARD.knockouts[0].model_copy(update={"threshold": 4.0}),)})
    scored = _score(strict, _results())
    assert [c.name for c in scored.candidates if not c.knocked_out] == ["Domain Mesh"]
    assert scored.winner == "Domain Mesh" and "only candidate left after knock-outs" in scored.rationale
    assert scored.robustness.smaa is None and scored.robustness.critical_weights == []


def _sim_and_load(load_multiples: tuple[float, ...]) -> ResultTable:
    """The simulation breaks past 3x (SLO 3 s); the load test, at the given multiples, never does."""
    parts = []
    for candidate in STUDY.candidates:
        sim = Shape(p95=lambda m: 1.0 if m <= 3 else 9.0)
        load = Shape(p95=linear(1.0, 0.1))
        parts.append(shape_rows(sim, candidate=candidate.name, design=candidate.design))
        parts.append(
            shape_rows(load, candidate=candidate.name, design=candidate.design, source="load",
                       multiples=load_multiples, replications=1)
        )  # fmt: skip
    return shape_table(*parts)


def test_a_load_test_that_skipped_multiples_does_not_outrank_the_simulation() -> None:
    scored = _score(CARD, _sim_and_load((1.0, 2.0, 4.0)))
    for candidate in scored.candidates:
        scalability = next(s for s in candidate.scores if s.criterion_id == "scalability")
        assert scalability.source == "sim" and scalability.raw is not None and 3 <= scalability.raw < 4
    assert any("the load test (at 1x, 2x, 4x) ≥ 4x; the scorecard uses the simulation" in w for w in scored.warnings)


def _live(study: Study) -> Study:
    """The study with every candidate pointed at a live target (test-only: nothing connects)."""
    target = Target.model_validate(
        {"base_url": "http://127.0.0.1:9", "start": {"path": "/work"}, "completion": {"mode": "sync"}}
    )
    candidates = tuple(c.model_copy(update={"target": target}) for c in study.candidates)
    return study.model_copy(update={"candidates": candidates})


def test_an_emulation_at_every_multiple_does_not_outrank_the_simulation() -> None:
    """One short window on the reference platform runs the same assumptions as the simulation,
    with less data: the simulation's replications decide, and the disagreement is said."""
    scored = _score(CARD, _sim_and_load((1.0, 1.5, 2.0, 3.0, 4.0)))
    for candidate in scored.candidates:
        scalability = next(s for s in candidate.scores if s.criterion_id == "scalability")
        assert scalability.source == "sim" and scalability.raw is not None and 3 <= scalability.raw < 4
        assert scalability.evidence is not None and scalability.evidence.kind == "simulated"
        assert "reference platform" in scalability.evidence.reason
        assert candidate.evidence_source == "sim" and candidate.performance[0].source == "sim"
        assert [p.evidence for p in candidate.performance] == ["simulated", "emulated"]
    assert any("the scorecard uses the simulation" in w for w in scored.warnings)


def test_a_live_measurement_at_every_multiple_is_preferred_and_the_disagreement_said() -> None:
    live = _live(STUDY)
    scored = _score(CARD, _sim_and_load((1.0, 1.5, 2.0, 3.0, 4.0)), study=live)
    for candidate in scored.candidates:
        scalability = next(s for s in candidate.scores if s.criterion_id == "scalability")
        assert scalability.source == "load" and scalability.display == "≥ 4x"
        assert scalability.evidence is not None and scalability.evidence.kind == "measured"
        assert "1 window of" in scalability.evidence.strength
        assert candidate.evidence_source == "load" and candidate.performance[0].evidence == "measured"
    assert any("the scorecard uses the load test" in w for w in scored.warnings)
    # the rationale quotes the same figure the matrix scored
    winner = next(c for c in scored.candidates if c.name == scored.winner)
    assert f"sustains {winner.performance[0].max_sustainable_display} of today's peak within the SLO (measured)" in (
        scored.rationale
    )


def test_a_live_measurement_that_skipped_multiples_does_not_outrank_the_simulation() -> None:
    scored = _score(CARD, _sim_and_load((1.0, 2.0, 4.0)), study=_live(STUDY))
    for candidate in scored.candidates:
        scalability = next(s for s in candidate.scores if s.criterion_id == "scalability")
        assert scalability.source == "sim" and "covers only 1x, 2x, 4x" in (
            scalability.evidence.reason if scalability.evidence else ""
        )


def test_best_falls_back_to_the_simulation_where_the_load_test_has_no_figure() -> None:
    frame = _sim_and_load((1.0, 1.5, 2.0, 3.0, 4.0)).frame
    frame = frame[~((frame["source"] == "load") & (frame["metric"] == "cycle_time_p99"))]
    analysis = analyse(_live(STUDY), ResultTable(frame))
    name = STUDY.candidates[0].name
    assert analysis.metric(name, "cycle_time_p95", at_multiple=1.0).source == "load"
    p99 = analysis.metric(name, "cycle_time_p99", at_multiple=1.0)
    assert p99.source == "sim" and not p99.missing
    assert analysis.metric(name, "cycle_time_p95", at_multiple=3.5).missing


def test_a_knock_out_above_the_largest_multiple_tested_is_unchecked_not_failed() -> None:
    table = shape_table(
        *(shape_rows(Shape(p95=linear(1.0, 0.1)), candidate=c.name, design=c.design, multiples=(1.0, 2.0))
          for c in STUDY.candidates)
    )  # fmt: skip
    scored = _score(CARD, table)
    assert not any(c.knocked_out for c in scored.candidates)
    assert sum("could not be checked" in w and "untested at 3" in w for w in scored.warnings) == len(STUDY.candidates)


def test_a_load_cell_with_many_timeouts_cannot_pass_on_its_lower_bound_p95() -> None:
    timing_out = Shape(p95=linear(1.0, 0.1), extra={"timeouts": 200.0})  # 200 of at least 600 started: > 5%
    table = shape_table(
        *(shape_rows(timing_out, candidate=c.name, design=c.design, source="load", replications=1)
          for c in STUDY.candidates)
    )  # fmt: skip
    analysis = analyse(STUDY, table)
    found = analysis.metric(STUDY.candidates[0].name, "max_sustainable_multiple")
    # A lower bound (1.1 s) below the SLO (3 s) proves neither a pass nor a breach: inconclusive,
    # so no figure at all (evalkit.analysis.validity); it used to read "< 1x".
    assert found.missing and found.display != "≥ 4x"
    (record,) = analysis.inconclusive[STUDY.candidates[0].name]
    assert record.max_sustainable_display == "inconclusive"
    assert "timed out" in record.max_sustainable_note


def test_a_load_cell_whose_lower_bound_breaks_the_slo_fails() -> None:
    timing_out = Shape(p95=linear(4.0, 0.1), extra={"timeouts": 200.0})  # p95 ≥ 4.1 s > the 3 s SLO
    table = shape_table(
        *(shape_rows(timing_out, candidate=c.name, design=c.design, source="load", replications=1)
          for c in STUDY.candidates)
    )  # fmt: skip
    found = analyse(STUDY, table).metric(STUDY.candidates[0].name, "max_sustainable_multiple")
    assert found.display == "< 1x"


def test_a_nan_metric_never_scores_as_a_number() -> None:
    from evalkit.scoring.values import _interpolate

    function = CARD.criterion("scalability").value_function
    values = _interpolate(function, np.array([np.nan, np.inf, 0.0, 2.0]))
    assert np.isnan(values[0]) and values[1] == 100.0 and values[2] == 0.0 and values[3] == 40.0


@pytest.mark.parametrize(("growth", "passes"), [(3.0, True), (8.0, False)])
def test_a_single_short_load_window_judges_backlog_growth_against_poisson_noise(growth: float, passes: bool) -> None:
    # 40 starts in a 4 s window at 1x: 3·sqrt(40)/4 ≈ 4.7/s of slope is indistinguishable from noise.
    shape = Shape(p95=linear(1.0, 0.1), window=4.0, extra={"backlog_growth": growth})
    table = shape_table(
        shape_rows(shape, candidate=STUDY.candidates[0].name, source="load", multiples=(1.0,), replications=1)
    )
    found = analyse(STUDY, table).metric(STUDY.candidates[0].name, "max_sustainable_multiple", source="load")
    assert (found.display != "< 1x") is passes, found.note


def test_a_tie_is_said_to_be_one() -> None:
    twin = STUDY.candidates[0]
    study = STUDY.model_copy(update={"candidates": (twin, twin.model_copy(update={"name": "Zeta Twin"}))})
    scored = _score(_card([COVERAGE, VENDOR]), study=study)
    assert "tie at" in scored.rationale and any("tie for first place" in w for w in scored.warnings)
    assert scored.robustness.smaa is not None
    # Assessor spread is drawn independently per candidate, so the twins split P(best) about evenly.
    assert scored.robustness.smaa.p_best[twin.name] == pytest.approx(0.5, abs=0.03)


def test_a_measured_degradation_class_on_one_window_is_unconfirmed_and_the_simulation_decides() -> None:
    """Issue 15 §3: a live measurement with one short window per multiple that reads "exponential"
    while the replicated simulation reads "linear" must not knock the candidate out on its own."""
    from evalkit.scoring.run import unconfirmed

    live = _live(STUDY)
    parts = []
    for candidate in STUDY.candidates:
        parts.append(shape_rows(Shape(p95=linear(0.5, 0.1)), candidate=candidate.name, design=candidate.design))
        noisy = Shape(p95=exponential(0.05, 1.0))  # 0.14 s at 1x .. 2.7 s at 4x: under the SLO, but "exponential"
        parts.append(
            shape_rows(noisy, candidate=candidate.name, design=candidate.design, source="load", replications=1)
        )  # fmt: skip
    analysis = analyse(live, shape_table(*parts))
    name = STUDY.candidates[0].name
    assert analysis.metric(name, "degradation_class", source="load").value == 2  # the window alone says exponential
    found = analysis.metric(name, "degradation_class")
    assert found.value == 0 and found.source == "sim" and found.note.startswith("unconfirmed")
    assert any("degradation_class: unconfirmed" in w for w in unconfirmed(analysis))
    scored = _score(CARD, shape_table(*parts), study=live)
    assert not any("exponential" in reason for c in scored.candidates for reason in c.knockout_reasons)
