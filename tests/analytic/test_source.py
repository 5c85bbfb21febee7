"""The analytic source: rows under the shared metric names, and the disagreement check."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from studies import tandem

from evalkit.analytic import analytic_disagreements, analytic_rows, analytic_unsupported
from evalkit.results import ResultTable
from evalkit.study import Study, load_study

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


def test_decisions_and_rework_loops_are_priced_by_how_often_steps_run() -> None:
    constant = {"dist": "constant", "value": 1.0}
    study = tandem([(1000, constant)], rate=0.01)
    data = study.model_dump(mode="json", exclude_none=True)
    data["workload"]["systems"] += [
        {"name": "b", "domain": "one", "capacity": 1000, "service_time": {"dist": "constant", "value": 2.0}},
        {"name": "c", "domain": "one", "capacity": 1000, "service_time": {"dist": "constant", "value": 5.0}},
    ]
    data["workload"]["process"]["steps"] = [
        {"id": "a", "system": "s0", "decision": {"kind": "exclusive", "join": "d", "branches": [
            {"to": "b", "probability": 0.3}, {"to": "c", "probability": 0.7}]}},
        {"id": "b", "system": "b", "after": ["a"]},
        {"id": "c", "system": "c", "after": ["a"]},
        {"id": "d", "system": "s0", "after": ["b", "c"], "rework": {"to": "d", "probability": 0.5, "max": 3}},
    ]  # fmt: skip
    routed = Study.model_validate(data)
    assert analytic_unsupported(routed) is None
    rows = {r.metric: r.value for r in analytic_rows(routed)}
    # a, then b (30%) or c (70%), then d run 1 + 0.5 + 0.25 + 0.125 times on average.
    expected = 1 + 0.3 * 2 + 0.7 * 5 + 1.875
    assert rows["cycle_time_mean"] == pytest.approx(expected, rel=0.02)
    # Busy servers of s0: 0.01/s x (1 + 1.875) s; of c: 0.01/s x 0.7 x 5 s.
    assert rows["utilization:system:s0"] * 1000 == pytest.approx(0.01 * 2.875, rel=0.03)
    assert rows["utilization:system:c"] * 1000 == pytest.approx(0.01 * 0.7 * 5, rel=0.03)
