"""The analytic source: rows under the shared metric names, and the disagreement check."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from evalkit.analytic import analytic_disagreements, analytic_rows, analytic_unsupported
from evalkit.results import ResultTable
from evalkit.study import load_study

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "load" / "studies" / "small-three-designs.yaml"


def test_rows_cover_every_candidate_and_multiple_as_one_replication_of_the_baseline() -> None:
    study = load_study(SMALL)
    rows = analytic_rows(study)
    cells = {(r.candidate, r.multiple) for r in rows}
    assert cells == {(c.name, m) for c in study.candidates for m in study.traffic.multiples}
    assert {r.source for r in rows} == {"analytic"}
    assert {(r.scenario, r.replication) for r in rows} == {("baseline", 0)}
    metrics = {r.metric for r in rows}
    assert {"cycle_time_mean", "cycle_time_p95", "completed_rate", "saturated", "utilization:engine"} <= metrics
    ResultTable.from_observations(rows)  # the shared schema accepts the source


def test_a_simulation_far_from_the_model_below_the_knee_is_flagged() -> None:
    study = load_study(SMALL)
    rows = analytic_rows(study)
    close = [replace(r, source="sim", replication=1, value=r.value * 1.05) for r in rows]
    far = [
        replace(r, value=r.value * 1.5) if (r.candidate, r.metric) == ("Mesh", "cycle_time_p95") else r for r in close
    ]
    assert analytic_disagreements(ResultTable.from_observations(rows + close)) == []
    found = analytic_disagreements(ResultTable.from_observations(rows + far))
    assert {(d.candidate, d.metric) for d in found} == {("Mesh", "cycle_time_p95")}
    assert "Mesh" in found[0].describe()


def test_processes_the_model_does_not_cover_give_no_rows_and_a_reason() -> None:
    study = load_study(ROOT / "scenarios" / "claims-processing.yaml")
    reason = analytic_unsupported(study)
    assert reason is not None and "not modelled" in reason
    assert analytic_rows(study) == []
