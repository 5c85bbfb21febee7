"""Validity: a cell without enough completions for its p95 is inconclusive and decides nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.analysis import analyse
from evalkit.analysis.curves import Cell, Estimate
from evalkit.analysis.synthetic import Shape, linear, shape_rows, shape_table
from evalkit.analysis.validity import judge_validity, needed_completions, stage_advice, typical_cycle_time
from evalkit.results import observations
from evalkit.study import load_study

STUDY = load_study("scenarios/order-fulfillment.yaml")  # p95 SLO 3 s


def _cell(**metrics: float) -> Cell:
    return Cell(1.0, {name: Estimate(value, value, value, 1) for name, value in metrics.items()})


def test_the_rule_is_one_observation_expected_beyond_the_percentile() -> None:
    assert needed_completions(0.95) == 20
    assert needed_completions(0.99) == 100
    assert needed_completions(0.5) == 2


@pytest.mark.parametrize(
    ("completed", "timeouts", "p95", "verdict"),
    [
        (19, 0, 1.0, "inconclusive"),  # one short of a p95
        (20, 0, 1.0, "conclusive"),
        (0, 2, 2.0, "inconclusive"),  # the "0 of 2 in a 3 s stage"
        (100, 5, 1.0, "conclusive"),  # 4.8% timed out: the tail sits above the p95
        (100, 10, 9.0, "lower bound"),  # 9% timed out, and even the bound breaks the 3 s SLO
        (100, 10, 2.0, "inconclusive"),  # a bound below the SLO proves nothing
    ],
)
def test_verdict_per_cell(completed: int, timeouts: int, p95: float, verdict: str) -> None:
    cell = _cell(started=completed + timeouts, completed=completed, timeouts=timeouts, cycle_time_p95=p95)
    found = judge_validity(STUDY, "load", cell)
    assert found.verdict == verdict
    if verdict == "inconclusive":
        assert found.fix and "stage" in found.reason


def test_the_inconclusive_reason_says_what_happened() -> None:
    found = judge_validity(STUDY, "load", _cell(started=2, completed=0, timeouts=2, cycle_time_p95=8.0))
    assert found.reason.startswith("0 of 2 workflows completed in a 8 s stage")
    assert "load.stage_duration" in found.fix


def test_a_generator_limited_cell_is_inconclusive() -> None:
    found = judge_validity(STUDY, "load", _cell(completed=500, generator_limited=1.0))
    assert found.verdict == "inconclusive" and "generator" in found.reason


def _load_rows(multiple: float, completed: float, timeouts: float, p95: float) -> list:
    return observations(
        source="load",
        candidate="Conductor Engine",
        design="centralized",
        scenario="baseline",
        multiple=multiple,
        replication=0,
        metrics={
            "offered_rate": 10 * multiple,
            "started": completed + timeouts,
            "completed": completed,
            "timeouts": timeouts,
            "completed_rate": completed / 8,
            "cycle_time_p95": p95,
            "cycle_time_p99": p95,
            "cycle_time_mean": p95 / 2,
            "error_rate": 0.0,
            "backlog_growth": 0.0,
            "saturated": 0.0,
        },
    )


def test_inconclusive_cells_enter_neither_knock_out_fit_nor_model_error() -> None:
    sim = shape_rows(Shape(p95=linear(0.8, 0.3)), candidate="Conductor Engine")
    # 1x and 2x completed plenty; 3x and 4x completed nothing the stage could wait for.
    load = _load_rows(1.0, 400, 0, 1.1) + _load_rows(1.5, 600, 0, 1.25) + _load_rows(2.0, 800, 0, 1.4)
    load += _load_rows(3.0, 0, 2, 5.0) + _load_rows(4.0, 1, 3, 5.0)
    analysis = analyse(STUDY, shape_table(sim, load))
    found = analysis.candidates["Conductor Engine"]
    measured = found.sources["load"]
    assert list(measured.curve.multiples) == [1.0, 1.5, 2.0]
    assert measured.sustainable.never_broke  # no knock-out from a stage that measured nothing
    assert [e.multiple for e in found.model_vs_measured] == [1.0, 1.5, 2.0]
    record = measured.record(STUDY)
    shown = {point.multiple: point for point in record.curve}
    assert shown[3.0].validity == "inconclusive" and shown[3.0].p95 is None and shown[3.0].meets_slo is None
    assert shown[3.0].validity_note.startswith("0 of 2 workflows completed")
    assert shown[1.0].validity == "conclusive" and shown[1.0].p95 == pytest.approx(1.1)


def test_a_lower_bound_is_no_point_of_the_fit_but_still_a_breach() -> None:
    load = _load_rows(1.0, 400, 0, 1.1) + _load_rows(1.5, 600, 0, 1.25) + _load_rows(2.0, 800, 0, 1.4)
    load += _load_rows(3.0, 100, 50, 9.0)
    found = analyse(STUDY, shape_table(load)).candidates["Conductor Engine"].sources["load"]
    assert list(found.curve.multiples) == [1.0, 1.5, 2.0, 3.0]
    assert not found.sustainable.never_broke and found.sustainable.conservative < 3.0
    assert "3x" not in found.degradation.note  # fitted on 1-2x only
    assert {p.multiple: p.validity for p in found.record(STUDY).curve}[3.0] == "lower bound"


def test_a_source_with_no_conclusive_cell_is_shown_but_decides_nothing() -> None:
    sim = shape_rows(Shape(p95=linear(0.8, 0.3)), candidate="Conductor Engine")
    load = _load_rows(1.0, 0, 2, 3.0) + _load_rows(2.0, 0, 4, 3.0)
    analysis = analyse(STUDY, shape_table(sim, load))
    assert "load" not in analysis.candidates["Conductor Engine"].sources
    (record,) = analysis.inconclusive["Conductor Engine"]
    assert record.max_sustainable_display == "inconclusive"
    assert all(point.p95 is None for point in record.curve)
    assert "fix:" in record.max_sustainable_note


def test_stage_advice_before_any_load(write_study) -> None:
    text = Path("scenarios/order-fulfillment.yaml").read_text(encoding="utf-8")
    assert stage_advice(STUDY) == []  # seconds-scale process, 8 s stages
    assert 0.5 < typical_cycle_time(STUDY) < 13
    # a platform that runs 100 real seconds per study second cannot finish one order in 13 s
    slow = text.replace("drain_timeout: 5s", "drain_timeout: 5s\n  time_scale: 100")
    study = load_study(write_study(slow))
    advice = stage_advice(study)
    assert advice and all("load.time_scale" in line or "stub" in line for line in advice)
    assert all("\n" not in line for line in advice)


def test_a_candidate_with_only_inconclusive_results_says_why_its_figures_are_missing() -> None:
    load = _load_rows(1.0, 0, 2, 3.0) + _load_rows(2.0, 0, 4, 3.0)
    analysis = analyse(STUDY, shape_table(load))
    found = analysis.metric("Conductor Engine", "max_sustainable_multiple")
    assert found.missing and found.note.startswith("every result is inconclusive: 0 of 2 workflows completed")
