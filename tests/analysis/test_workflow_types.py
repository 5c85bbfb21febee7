"""A mix's per-type figures: a ``workflow_type`` column of the results, read (not parsed) everywhere.

The whole traffic is ``workflow_type = all``; each type of a mix has its own rows under the same
metric names. A run written before the column existed (``metric@type`` rows) is still read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.analysis.curves import Cell, Estimate, build_curves
from evalkit.analysis.sustainable import judge_cell
from evalkit.ledger import decode_observation, encode_observation
from evalkit.results import COLUMNS, SUMMARY_COLUMNS, ResultTable, observations
from evalkit.study import load_study

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
HEADER = "source,candidate,design,scenario,multiple,replication,workflow_type,metric,value,unit"


def _cell_rows(replication: int, whole: float, referred: float) -> list:
    return observations(
        source="sim",
        candidate="Engine",
        design="centralized",
        scenario="baseline",
        multiple=1.0,
        replication=replication,
        metrics={"cycle_time_p95": whole, "cycle_time_p95@referred": referred, "completed": 10.0},
    )


def _table() -> ResultTable:
    return ResultTable.from_observations([*_cell_rows(1, 3.0, 9.0), *_cell_rows(2, 4.0, 11.0)])


def test_a_per_type_figure_is_a_row_of_its_workflow_type() -> None:
    rows = {(r.workflow_type, r.metric): r.value for r in _cell_rows(1, 3.0, 9.0)}
    assert rows == {("all", "cycle_time_p95"): 3.0, ("referred", "cycle_time_p95"): 9.0, ("all", "completed"): 10.0}


def test_results_and_summary_have_a_workflow_type_column(tmp_path: Path) -> None:
    table = _table()
    path = tmp_path / "results.csv"
    table.write_csv(path)
    assert path.read_text().splitlines()[0] == HEADER == ",".join(COLUMNS)
    summary = table.summary()
    assert list(summary.columns) == list(SUMMARY_COLUMNS) and "workflow_type" in SUMMARY_COLUMNS
    p95 = summary[summary["metric"] == "cycle_time_p95"].set_index("workflow_type")["mean"]
    assert p95.to_dict() == {"all": 3.5, "referred": 10.0}
    again = ResultTable.read_csv(path)
    assert again.frame.equals(table.frame)


def test_select_reads_the_whole_unless_a_type_is_asked_for() -> None:
    table = _table()
    assert sorted(table.select(metric="cycle_time_p95")["value"]) == [3.0, 4.0]
    assert sorted(table.select(metric="cycle_time_p95", workflow_type="referred")["value"]) == [9.0, 11.0]
    assert set(table.whole["workflow_type"]) == {"all"}


def test_the_row_order_does_not_depend_on_the_order_cells_arrive() -> None:
    forward = _table()
    backward = ResultTable.from_observations([*_cell_rows(2, 4.0, 11.0), *_cell_rows(1, 3.0, 9.0)][::-1])
    assert forward.frame.to_csv(index=False) == backward.frame.to_csv(index=False)


def test_an_older_results_file_without_the_column_is_read_by_its_metric_names(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    path.write_text(
        "source,candidate,design,scenario,multiple,replication,metric,value,unit\n"
        "sim,Engine,centralized,baseline,1.0,1,cycle_time_p95,3.0,s\n"
        "sim,Engine,centralized,baseline,1.0,1,cycle_time_p95@referred,9.0,s\n"
    )
    table = ResultTable.read_csv(path)
    assert dict(zip(table.frame["workflow_type"], table.frame["metric"], strict=True)) == {
        "all": "cycle_time_p95",
        "referred": "cycle_time_p95",
    }


def test_an_older_ledger_row_resumes_under_its_workflow_type() -> None:
    old = ["sim", "Engine", "centralized", "baseline", 1.0, 1, "cycle_time_p95@referred", 9.0, "s"]
    row = decode_observation(old)
    assert (row.workflow_type, row.metric) == ("referred", "cycle_time_p95")
    assert decode_observation(encode_observation(row)) == row


def test_a_cell_keeps_each_type_apart_from_the_whole() -> None:
    curves = build_curves(_table().summary())
    cell = curves[("Engine", "sim", "baseline")].cells[0]
    assert cell.mean("cycle_time_p95") == 3.5
    estimate = cell.get("cycle_time_p95", "referred")
    assert estimate is not None and estimate.mean == 10.0
    assert cell.get("cycle_time_p95", "straight-through") is None


def _point(value: float) -> Estimate:
    return Estimate(value, value, value, 1)


@pytest.fixture(scope="module")
def mix():
    return load_study(SCENARIOS / "claims-mix.yaml")


def test_a_type_missing_its_own_slo_fails_the_cell_though_the_whole_passes(mix) -> None:
    hours = 3600.0
    whole = {"cycle_time_p95": _point(2 * hours), "error_rate": _point(0.0)}
    fast = {"cycle_time_p95": _point(3 * hours), "error_rate": _point(0.0)}
    slow = {"cycle_time_p95": _point(5 * hours), "error_rate": _point(0.0)}  # straight-through: 4 h
    passes = judge_cell(mix, Cell(1.0, whole, {"straight-through": fast, "referred": fast}))
    fails = judge_cell(mix, Cell(1.0, whole, {"straight-through": slow, "referred": fast}))
    assert passes.meets
    assert not fails.meets and fails.failures == ("cycle_time_p95 (straight-through)",)
    assert "cycle_time_p95 (straight-through) 1.8e+04 > 1.44e+04" in fails.reasons


def test_a_source_without_per_type_rows_is_judged_on_the_whole(mix) -> None:
    whole = {"cycle_time_p95": _point(3600.0), "error_rate": _point(0.0)}
    assert judge_cell(mix, Cell(1.0, whole)).meets


def _mix_table(types: bool = True) -> ResultTable:
    from evalkit.analysis.synthetic import Shape, linear, shape_rows

    hours = 3600.0
    rows = shape_rows(Shape(p95=linear(hours, 0.0), error_rate=lambda m: 0.0), candidate="Claims Process Engine")
    for multiple in (1.0, 1.5, 2.0, 3.0, 4.0):
        for replication in range(5):
            per_type = {
                "cycle_time_p95@straight-through": 1.5 * hours * multiple,  # its SLO: 4 h
                "cycle_time_p95@referred": 24 * hours,  # its SLO: 3 d
                "error_rate@straight-through": 0.0,
                "error_rate@referred": 0.0,
            }
            rows += observations(
                source="sim",
                candidate="Claims Process Engine",
                design="centralized",
                scenario="baseline",
                multiple=multiple,
                replication=replication,
                metrics=per_type if types else {},
            )
    return ResultTable.from_observations(rows)


def test_each_type_is_judged_against_its_own_slo_in_the_scorecard_record(mix) -> None:
    from evalkit.analysis import analyse

    analysis = analyse(mix, _mix_table())
    record = analysis.candidate("Claims Process Engine").sources["sim"].record(mix)
    verdicts = {v.workflow_type: v for v in record.workflow_types}
    assert list(verdicts) == ["all", "straight-through", "referred"]
    # straight-through crosses 4 h between 2x (3 h) and 3x (4.5 h): at 2 + 1/1.5 = 2.67x
    assert verdicts["straight-through"].max_sustainable_multiple == pytest.approx(2 + 1 / 1.5)
    assert verdicts["straight-through"].meets_at_target is False  # 4.5 h at the 3x costing target
    assert verdicts["referred"].max_sustainable_display == "≥ 4x" and verdicts["referred"].meets_at_target
    assert verdicts["all"].max_sustainable_display == "≥ 4x"
    assert verdicts["straight-through"].slo.startswith("p95 ≤ 4")
    # the candidate's own multiple needs every type within its SLO: the straight-through one caps it
    assert record.max_sustainable_multiple == pytest.approx(2 + 1 / 1.5)


def test_a_source_without_per_type_rows_says_so_instead_of_a_number(mix) -> None:
    from evalkit.analysis import analyse

    record = analyse(mix, _mix_table(types=False)).candidate("Claims Process Engine").sources["sim"].record(mix)
    split = {v.workflow_type: v.split for v in record.workflow_types}
    assert split == {"all": True, "straight-through": False, "referred": False}
    assert "do not record" in record.workflow_types[1].note


def test_a_mix_writes_the_same_results_bytes_with_one_or_two_workers(tmp_path: Path) -> None:
    from evalkit import sim

    study = load_study(Path(__file__).resolve().parents[1] / "load" / "studies" / "small-mix.yaml")
    cells = sim.plan_cells(study, multiples=[1], replications=2, include_faults=False)
    paths = []
    for workers in (1, 2):
        path = tmp_path / f"results-{workers}.csv"
        sim.run_sweep(study, cells, workers=workers).write_csv(path)
        paths.append(path)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    table = ResultTable.read_csv(paths[0])
    assert sorted(set(table.frame["workflow_type"])) == ["all", "quick", "slow"]


def test_an_empty_table_summarises_to_no_rows() -> None:
    summary = ResultTable.empty().summary()
    assert summary.empty and list(summary.columns) == list(SUMMARY_COLUMNS)


def test_a_rare_type_with_too_few_completions_shows_no_p95_and_no_verdict(mix) -> None:
    from evalkit.analysis import analyse

    rows = _mix_table().frame
    extra = []
    for multiple in (1.0, 1.5, 2.0, 3.0, 4.0):
        for replication in range(5):
            extra += observations(
                source="sim",
                candidate="Claims Process Engine",
                design="centralized",
                scenario="baseline",
                multiple=multiple,
                replication=replication,
                # referred: 12 completions per window, under the 20 a p95 needs; straight-through: plenty
                metrics={"completed@referred": 12.0, "completed@straight-through": 400.0},
            )
    table = ResultTable(pd.concat([rows, ResultTable.from_observations(extra).frame], ignore_index=True))
    record = analyse(mix, table).candidate("Claims Process Engine").sources["sim"].record(mix)
    verdicts = {v.workflow_type: v for v in record.workflow_types}
    referred = verdicts["referred"]
    assert referred.p95_at_target is None and referred.meets_at_target is None
    assert referred.p95_display == "inconclusive: 12 referred workflows completed; a p95 needs 20"
    assert verdicts["straight-through"].meets_at_target is False  # enough completions: judged as before
