"""Maximum sustainable multiple: judged with the confidence interval, interpolated only where honest."""

from __future__ import annotations

import pytest

from evalkit.analysis import SourceAnalysis, analyse
from evalkit.analysis.sustainable import change_point, format_multiple
from evalkit.results import ResultTable, observations, t_interval
from evalkit.study import Slo, load_study

# The SLO is pinned here so the tests do not follow edits to the bundled study.
STUDY = load_study("scenarios/order-fulfillment.yaml").model_copy(
    update={"slo": Slo(p95_cycle_time=3.0, p99_cycle_time=6.0, max_error_rate=0.02)}
)


def _table(cells: dict[float, list[dict[str, float]]], source: str = "sim") -> ResultTable:
    """Rows for one candidate: per multiple, one metrics dict per replication."""
    rows = []
    for multiple, replications in cells.items():
        for replication, metrics in enumerate(replications):
            full = {"offered_rate": 10 * multiple, "completed_rate": 10 * multiple, "error_rate": 0.001,
                    "cycle_time_p99": 1.0, "saturated": 0.0, "backlog_growth": 0.0, **metrics}  # fmt: skip
            rows += observations(source=source, candidate="Event Fabric", design="event-driven", scenario="baseline",
                                 multiple=multiple, replication=replication, metrics=full)  # fmt: skip
    return ResultTable.from_observations(rows)


def _p95(*values: float) -> list[dict[str, float]]:
    return [{"cycle_time_p95": v} for v in values]


def _found(table: ResultTable, source: str = "sim") -> SourceAnalysis:
    return analyse(STUDY, table).candidates["Event Fabric"].sources[source]


def test_a_mean_that_meets_the_slo_is_not_enough_when_the_interval_does_not() -> None:
    at3 = (2.6, 3.3, 2.7, 3.2, 2.9)  # mean 2.94 s meets 3 s; the upper bound does not
    table = _table({2.0: _p95(2.0, 2.0, 2.0, 2.0, 2.0), 3.0: _p95(*at3), 4.0: _p95(5, 5, 5, 5, 5)})
    found = _found(table).sustainable
    mean, _, half = t_interval(at3)
    conservative = 2.0 + (3.0 - 2.0) / (mean + half - 2.0)
    central = 3.0 + (3.0 - mean) / (5.0 - mean)
    optimistic = 3.0 + (3.0 - (mean - half)) / (5.0 - (mean - half))
    assert found.conservative == pytest.approx(conservative)
    assert found.central == pytest.approx(central)
    assert found.optimistic == pytest.approx(optimistic)
    assert found.conservative < 3.0 < found.central < found.optimistic
    assert found.interpolated and "cycle_time_p95" in found.note


def test_saturation_is_never_interpolated_across() -> None:
    saturated = [{"cycle_time_p95": 2.5, "saturated": 1.0, "backlog_growth": 4.0}] * 3
    table = _table({1.0: _p95(1, 1, 1), 2.0: _p95(1.5, 1.5, 1.5), 3.0: saturated, 4.0: saturated})
    found = _found(table).sustainable
    assert found.conservative == 2.0 and not found.interpolated
    assert found.display == "2x" and "saturated" in found.note


def test_a_growing_backlog_fails_without_the_saturation_flag() -> None:
    growing = [{"cycle_time_p95": 1.0, "backlog_growth": 3.0}] * 3  # 10% of 30/s offered
    table = _table({1.0: _p95(1, 1, 1), 3.0: growing})
    found = _found(table).sustainable
    assert found.conservative == 1.0 and "backlog grows" in found.note


def test_one_saturated_replication_fails_the_conservative_reading_only() -> None:
    mixed = [{"cycle_time_p95": 1.0, "saturated": s} for s in (0.0, 0.0, 1.0)]
    table = _table({1.0: _p95(1, 1, 1), 2.0: mixed})
    found = _found(table).sustainable
    assert found.conservative == 1.0
    assert found.central == 2.0 and found.never_broke is False


def test_never_broke_is_reported_as_at_least_the_largest_multiple() -> None:
    table = _table({m: _p95(1, 1.1, 0.9) for m in (1.0, 2.0, 4.0)})
    found = _found(table)
    assert found.sustainable.never_broke and found.sustainable.display == "≥ 4x"
    record = found.record(STUDY)
    assert record.never_broke and record.max_sustainable_multiple == 4.0


def test_failing_at_the_smallest_multiple_is_below_the_range_and_scores_as_zero() -> None:
    table = _table({1.0: _p95(4, 4, 4), 2.0: _p95(8, 8, 8)})
    found = _found(table)
    assert found.sustainable.display == "< 1x" and found.record(STUDY).max_sustainable_multiple is None
    value = analyse(STUDY, table).metric("Event Fabric", "max_sustainable_multiple")
    assert value.value == 0.0 and value.display == "< 1x"


def test_error_rate_crossing_is_interpolated() -> None:
    table = _table(
        {1.0: [{"cycle_time_p95": 1.0, "error_rate": 0.01}], 2.0: [{"cycle_time_p95": 1.0, "error_rate": 0.04}]}
    )
    found = _found(table).sustainable
    assert found.conservative == pytest.approx(1.0 + (0.02 - 0.01) / (0.04 - 0.01))


def test_a_later_pass_after_a_failure_does_not_count() -> None:
    table = _table({1.0: _p95(1, 1), 2.0: [{"cycle_time_p95": 2.0, "saturated": 1.0}] * 2, 3.0: _p95(1, 1)})
    assert _found(table).sustainable.conservative == 1.0


def test_a_single_replication_is_judged_on_its_points_and_says_so() -> None:
    table = _table({1.0: _p95(1.0), 2.0: _p95(2.0), 3.0: _p95(4.0)}, source="load")
    found = _found(table, "load").sustainable
    assert found.conservative == found.central == found.optimistic == pytest.approx(2.5)
    assert "one replication" in found.note


def test_p99_slo_counts_too() -> None:
    table = _table(
        {1.0: [{"cycle_time_p95": 1.0, "cycle_time_p99": 5.0}], 2.0: [{"cycle_time_p95": 1.0, "cycle_time_p99": 7.0}]}
    )
    assert _found(table).sustainable.conservative == pytest.approx(1.5)


@pytest.mark.parametrize(("value", "text"), [(3.0, "3x"), (2.999, "2.99x"), (2.5, "2.5x"), (1.234, "1.23x")])
def test_display_never_rounds_up(value: float, text: str) -> None:
    assert format_multiple(value) == text


def test_a_lone_failure_that_higher_loads_contradict_is_noise() -> None:
    # One replication raises the saturation flag at 2x; 3x and 4x are clean in every replication.
    flagged = [{"cycle_time_p95": 1.5, "saturated": s} for s in (0.0, 0.0, 0.0, 0.0, 1.0)]
    steady = _p95(1.5, 1.5, 1.5, 1.5, 1.5)
    table = _table({1.0: steady, 1.5: steady, 2.0: flagged, 3.0: steady, 4.0: steady})
    found = _found(table).sustainable
    assert found.never_broke and found.display == "≥ 4x"
    assert "failed at 2x (saturated in 20% of replications) while higher multiples pass" in found.note


def test_a_boundary_that_a_higher_multiple_undoes_is_not_interpolated() -> None:
    steady = _p95(1.0, 1.0)
    table = _table({1.0: steady, 2.0: _p95(4.0, 4.0), 3.0: _p95(4.0, 4.0), 4.0: steady})
    found = _found(table).sustainable
    assert found.conservative == 1.0 and not found.interpolated and "4x passes again" in found.note


@pytest.mark.parametrize(
    ("verdicts", "steps"),
    [("PPPPP", 5), ("FFFFF", 0), ("PPFFF", 2), ("PPFPP", 5), ("PFP", 1), ("PPFFP", 2), ("FPPPP", 5), ("PFFPF", 1)],
)
def test_change_point_fits_a_pass_then_fail_step(verdicts: str, steps: int) -> None:
    assert change_point([v == "P" for v in verdicts]) == steps


@pytest.mark.parametrize(("window", "growing"), [(4.0, False), (60.0, True)])
def test_a_backlog_slope_is_growth_only_beyond_what_is_in_flight(window: float, growing: bool) -> None:
    # 30/s offered, 1 s mean cycle time: about 30 workflows in flight. A slope of 3/s adds 12 over a
    # 4 s load stage (less than is in flight anyway) but 180 over a 60 s run.
    cell = {"cycle_time_p95": 1.5, "cycle_time_mean": 1.0, "backlog_growth": 3.0, "started": 30 * window}
    table = _table({1.0: [{**cell, "backlog_growth": 0.0, "started": 10 * window}], 3.0: [cell]}, source="load")
    found = _found(table, "load").sustainable
    assert (found.conservative == 1.0) is growing
    assert ("backlog grows" in found.note) is growing


def test_a_stage_that_refuses_starts_beyond_the_error_budget_does_not_sustain_its_multiple() -> None:
    """Back-pressure is counted apart from errors, yet refused work is not carried load."""
    cells = {m: [{"cycle_time_p95": 1.0, "completed": 500.0, "started": 500.0, "rejected_share": r}]
             for m, r in ((1.0, 0.0), (2.0, 0.01), (3.0, 0.30), (4.0, 0.60))}  # fmt: skip
    found = _found(_table(cells, source="load"), source="load")
    assert found.sustainable.display == "2x"
    from evalkit.load import check_thresholds

    checks = {c.metric: c.passed for c in check_thresholds({"cycle_time_p95": 1.0, "error_rate": 0.0,
                                                             "saturated": 0.0, "rejected_share": 0.3}, STUDY.slo)}  # fmt: skip
    assert checks["rejected_share"] is False and checks["error_rate"] is True
